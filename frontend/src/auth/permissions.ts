import type { Permissions } from "../api/types";

export type Resource =
  | "customer"
  | "contact"
  | "follow_up"
  | "tag"
  | "user"
  | "team"
  | "sales_zone"
  | "department"
  | "role"
  | "api_key"
  | "audit_log"
  | "region"
  | "setting"
  | "lead"
  | "channel"
  | "assignment_rule"
  | "pool"
  | "webhook"
  | "approval_flow"
  | "approval"
  | "opportunity"
  | "business_line"
  | "sales_target"
  | "task";

export type Action = "read" | "create" | "update" | "delete" | "export" | "manage" | "dispatch" | "claim" | "import" | "allocate" | "move" | "reassign";

/** True when the user's roles grant `action` on `resource` at any data scope. */
export function can(perms: Permissions | undefined | null, resource: Resource, action: Action): boolean {
  return Boolean(perms?.[resource]?.[action]);
}

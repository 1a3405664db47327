/** Pool administration (公海池管理): types and the pure helpers of its page. */
import type { paths } from "../../api/schema";
import type { Body, Ok } from "../../api/types";

export type PoolUpdate = Body<paths["/api/v1/pools/{pool_id}"]["patch"]>;
export type PoolPermissions = Ok<paths["/api/v1/pools/{pool_id}/permissions"]["get"]>;
export type PoolPermissionRow = PoolPermissions["roles"][number];
export type PoolPermissionsIn = Body<paths["/api/v1/pools/{pool_id}/permissions"]["put"]>;
export type PoolTargets = Ok<paths["/api/v1/settings/pool-targets"]["get"]>;
export type PoolTargetsIn = Body<paths["/api/v1/settings/pool-targets"]["put"]>;
export type PoolStatus = "active" | "inactive" | "all";

export const PERMISSION_FLAGS = ["can_view", "can_claim", "can_allocate"] as const;
export type PermissionFlag = (typeof PERMISSION_FLAGS)[number];

export const LEVELS = ["normal", "KA", "SKA"] as const;
export type Level = (typeof LEVELS)[number];

/**
 * One checkbox of the permission matrix: claiming and allocating need viewing, so checking
 * either checks view, and unchecking view unchecks both.
 */
export function togglePermission(rows: PoolPermissionRow[], role: string, flag: PermissionFlag, checked: boolean): PoolPermissionRow[] {
  return rows.map((r) => {
    if (r.role !== role) return r;
    const next = { ...r, [flag]: checked };
    if (flag !== "can_view" && checked) next.can_view = true;
    if (flag === "can_view" && !checked) {
      next.can_claim = false;
      next.can_allocate = false;
    }
    return next;
  });
}

/** The PUT body: every role with what it may do (a role with nothing checked may do nothing). */
export function permissionsBody(rows: PoolPermissionRow[]): PoolPermissionsIn {
  return { roles: rows.map(({ role, can_view, can_claim, can_allocate }) => ({ role, can_view, can_claim, can_allocate })) };
}

/** A row of the target-rules editor. */
export interface TargetRuleForm {
  industries?: string[];
  tiers?: string[];
  levels?: Level[];
  zone_ids?: string[];
  pool_id?: string | null;
}

export function targetsToForm(targets: PoolTargets): { rules: TargetRuleForm[] } {
  return {
    rules: targets.rules.map((r) => ({
      industries: r.industries,
      tiers: r.tiers,
      levels: r.levels as Level[],
      zone_ids: r.zone_ids,
      pool_id: r.pool_id,
    })),
  };
}

/** The PUT body, in the rows' order; blank industries are dropped. */
export function formToTargets(form: { rules?: TargetRuleForm[] | null }): PoolTargetsIn {
  return {
    rules: (form.rules ?? []).map((r) => ({
      industries: (r.industries ?? []).map((i) => i.trim()).filter(Boolean),
      tiers: r.tiers ?? [],
      levels: r.levels ?? [],
      zone_ids: r.zone_ids ?? [],
      pool_id: r.pool_id ?? "",
    })),
  };
}

/** Whether a deactivation needs a pool to move the customers to. */
export function needsMoveTarget(pool: { customers: number }): boolean {
  return pool.customers > 0;
}

import type { Permissions } from "../api/types";
import type { MessageKey } from "../i18n/messages";
import { can, type Action, type Resource } from "../auth/permissions";

export interface MenuEntry {
  key: string;
  path: string;
  label: MessageKey;
  resource: Resource;
  action: Action;
  testId: string;
}

export interface MenuGroup {
  key: string;
  label: MessageKey;
  children: MenuEntry[];
}

export type MenuNode = MenuEntry | MenuGroup;

export const MENU: MenuNode[] = [
  { key: "customers", path: "/customers", label: "menu.customers", resource: "customer", action: "read", testId: "menu-customers" },
  { key: "lost-customers", path: "/customers/lost", label: "menu.lostCustomers", resource: "customer", action: "read", testId: "menu-lost-customers" },
  { key: "opportunities", path: "/opportunities", label: "opportunity.menu.list", resource: "opportunity", action: "read", testId: "menu-opportunities" },
  { key: "opportunity-board", path: "/opportunities/board", label: "opportunity.menu.board", resource: "opportunity", action: "read", testId: "menu-opportunity-board" },
  { key: "pipeline", path: "/pipeline", label: "pipeline.menu", resource: "opportunity", action: "read", testId: "menu-pipeline" },
  { key: "sales-targets", path: "/pipeline/targets", label: "pipeline.menu.targets", resource: "opportunity", action: "read", testId: "menu-sales-targets" },
  { key: "approvals", path: "/approvals", label: "menu.approvals", resource: "approval", action: "read", testId: "menu-approvals" },
  { key: "pools", path: "/pools", label: "menu.pools", resource: "pool", action: "read", testId: "menu-pools" },
  { key: "leads", path: "/leads", label: "menu.leads", resource: "lead", action: "read", testId: "menu-leads" },
  { key: "lead-board", path: "/leads/board", label: "menu.leadBoard", resource: "lead", action: "read", testId: "menu-lead-board" },
  { key: "lead-import", path: "/leads/import", label: "menu.leadImport", resource: "lead", action: "import", testId: "menu-lead-import" },
  {
    key: "org",
    label: "menu.org",
    children: [
      { key: "departments", path: "/org/departments", label: "menu.departments", resource: "department", action: "read", testId: "menu-departments" },
      { key: "zones", path: "/org/zones", label: "menu.zones", resource: "sales_zone", action: "read", testId: "menu-zones" },
      { key: "teams", path: "/org/teams", label: "menu.teams", resource: "team", action: "read", testId: "menu-teams" },
      { key: "users", path: "/org/users", label: "menu.users", resource: "user", action: "read", testId: "menu-users" },
    ],
  },
  {
    key: "settings",
    label: "menu.settings",
    children: [
      { key: "customer-rules", path: "/settings/customer-rules", label: "menu.customerRules", resource: "setting", action: "read", testId: "menu-customer-rules" },
      { key: "levels-tiers", path: "/settings/levels-tiers", label: "menu.levelsTiers", resource: "setting", action: "read", testId: "menu-levels-tiers" },
      { key: "lead-rules", path: "/settings/lead-rules", label: "menu.leadRules", resource: "setting", action: "read", testId: "menu-lead-rules" },
      { key: "pool-rules", path: "/settings/pool-rules", label: "menu.poolRules", resource: "setting", action: "read", testId: "menu-pool-rules" },
      { key: "pool-admin", path: "/settings/pools", label: "menu.poolAdmin", resource: "pool", action: "manage", testId: "menu-pool-admin" },
      { key: "recycling", path: "/settings/recycling", label: "menu.recycling", resource: "setting", action: "read", testId: "menu-recycling" },
      { key: "assignment-rules", path: "/settings/assignment-rules", label: "menu.assignmentRules", resource: "assignment_rule", action: "read", testId: "menu-assignment-rules" },
      // "approval_flow" is an API resource auth/permissions.ts does not list yet
      { key: "approval-flows", path: "/settings/approval-flows", label: "menu.approvalFlows", resource: "approval_flow", action: "read", testId: "menu-approval-flows" },
      { key: "business-lines", path: "/settings/business-lines", label: "businessLines.menu", resource: "business_line", action: "read", testId: "menu-business-lines" },
      { key: "channels", path: "/settings/channels", label: "menu.channels", resource: "channel", action: "read", testId: "menu-channels" },
      { key: "roles", path: "/settings/roles", label: "menu.roles", resource: "role", action: "manage", testId: "menu-roles" },
      { key: "api-keys", path: "/settings/api-keys", label: "menu.apiKeys", resource: "api_key", action: "read", testId: "menu-api-keys" },
      { key: "webhooks", path: "/settings/webhooks", label: "menu.webhooks", resource: "webhook", action: "read", testId: "menu-webhooks" },
      { key: "notification-channels", path: "/settings/notification-channels", label: "menu.notificationChannels", resource: "setting", action: "read", testId: "menu-notification-channels" },
    ],
  },
];

export function isGroup(node: MenuNode): node is MenuGroup {
  return "children" in node;
}

/** The menu a user with these permissions sees: entries they may not use, and empty groups, are dropped. */
export function visibleMenu(perms: Permissions | undefined | null, menu: MenuNode[] = MENU): MenuNode[] {
  const out: MenuNode[] = [];
  for (const node of menu) {
    if (isGroup(node)) {
      const children = node.children.filter((c) => can(perms, c.resource, c.action));
      if (children.length) out.push({ ...node, children });
    } else if (can(perms, node.resource, node.action)) {
      out.push(node);
    }
  }
  return out;
}

/** The first page a user may open (the landing page after login). */
export function firstAllowedPath(perms: Permissions | undefined | null): string | null {
  for (const node of visibleMenu(perms)) {
    if (isGroup(node)) return node.children[0]?.path ?? null;
    return node.path;
  }
  return null;
}

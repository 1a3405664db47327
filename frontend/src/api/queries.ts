/** Query functions and keys for reference data shared by several pages. */
import { api, unwrap } from "./client";
import type { Channel, Department, Region, Role, SalesZone, Tag, TagCategory, Team, Tier, User } from "./types";

/** Page size used to fill selects (the API's maximum); bigger lists are searched server-side. */
export const SELECT_LIMIT = 200;

export const keys = {
  zones: ["sales-zones"] as const,
  teams: (zoneId?: string | null) => ["teams", zoneId ?? null] as const,
  roles: ["roles"] as const,
  departments: ["departments"] as const,
  tagCategories: ["tag-categories"] as const,
  tags: (categoryId?: string | null) => ["tags", categoryId ?? null] as const,
  regions: (parent?: string | null) => ["regions", parent ?? null] as const,
  users: (q: Record<string, unknown>) => ["users", q] as const,
  catalog: ["permissions-catalog"] as const,
  tiers: ["customer-tiers"] as const,
  customerRules: ["settings", "customer-rules"] as const,
  channels: ["channels"] as const,
};

/** Sales zones for selects: the first page (up to SELECT_LIMIT), `q` narrows by name or code. */
export async function fetchZones(q?: string): Promise<SalesZone[]> {
  const query = q ? { q, limit: SELECT_LIMIT } : { limit: SELECT_LIMIT };
  const page = await unwrap(api.GET("/api/v1/sales-zones", { params: { query } }));
  return page.items;
}

/** Every visible team (the API returns them all), optionally of one zone. */
export async function fetchTeams(zoneId?: string | null): Promise<Team[]> {
  const page = await unwrap(api.GET("/api/v1/teams", { params: { query: zoneId ? { zone_id: zoneId } : {} } }));
  return page.items;
}

/** The customer tiers (客户分层), in their display order. */
export async function fetchTiers(): Promise<Tier[]> {
  const page = await unwrap(api.GET("/api/v1/customer-tiers"));
  return [...page.items].sort((a, b) => a.sort_order - b.sort_order);
}

export async function fetchRoles(): Promise<Role[]> {
  const page = await unwrap(api.GET("/api/v1/roles"));
  return page.items;
}

/** The whole department tree, flat (each with its parent_id). */
export async function fetchDepartments(): Promise<Department[]> {
  const page = await unwrap(api.GET("/api/v1/departments"));
  return page.items;
}

export async function fetchTagCategories(): Promise<TagCategory[]> {
  const page = await unwrap(api.GET("/api/v1/tag-categories"));
  return page.items;
}

export async function fetchTags(categoryId?: string | null): Promise<Tag[]> {
  const query = categoryId ? { category_id: categoryId } : {};
  const page = await unwrap(api.GET("/api/v1/tags", { params: { query } }));
  return page.items;
}

export async function fetchRegions(parentCode?: string | null): Promise<Region[]> {
  const query = parentCode ? { parent_code: parentCode } : {};
  const page = await unwrap(api.GET("/api/v1/regions", { params: { query } }));
  return page.items;
}

export async function searchUsers(q: string): Promise<User[]> {
  const query = q ? { q, limit: 20 } : { limit: 20 };
  const page = await unwrap(api.GET("/api/v1/users", { params: { query } }));
  return page.items;
}

/** Builds a forest from records with parent ids (departments, teams, contacts). */
export interface TreeNode<T> {
  item: T;
  children: TreeNode<T>[];
}

export function buildTree<T>(items: T[], id: (t: T) => string, parent: (t: T) => string | null | undefined): TreeNode<T>[] {
  const nodes = new Map<string, TreeNode<T>>();
  for (const item of items) nodes.set(id(item), { item, children: [] });
  const roots: TreeNode<T>[] = [];
  for (const item of items) {
    const node = nodes.get(id(item))!;
    const pid = parent(item);
    const p = pid && pid !== id(item) ? nodes.get(pid) : undefined;
    // Guard against cycles: attach to a parent only if that parent is not our own descendant.
    if (p && !isDescendant(p, node)) p.children.push(node);
    else roots.push(node);
  }
  return roots;
}

function isDescendant<T>(candidate: TreeNode<T>, ancestor: TreeNode<T>): boolean {
  if (candidate === ancestor) return true;
  return ancestor.children.some((c) => isDescendant(candidate, c));
}

/** Lead channels (all of them, active or not). */
export async function fetchChannels(): Promise<Channel[]> {
  const page = await unwrap(api.GET("/api/v1/channels"));
  return page.items;
}

/** Active sales reps for dispatch pickers. */
export async function fetchSalesReps(): Promise<User[]> {
  const page = await unwrap(api.GET("/api/v1/users", { params: { query: { role: "sales_rep", is_active: true, limit: SELECT_LIMIT } } }));
  return page.items;
}

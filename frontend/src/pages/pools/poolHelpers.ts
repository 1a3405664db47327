/** Pure helpers for the public pool (公海) page: the default pool, URL filters, allocation. */
import dayjs from "dayjs";
import type { AllocateOut, Pool, PoolCustomerQuery, Team, User } from "../../api/types";

export const POOL_LEVELS = ["normal", "KA", "SKA"] as const;
export type PoolLevel = (typeof POOL_LEVELS)[number];

/**
 * The pool to show first: the default pool of one of the caller's zones, else the company-wide
 * default pool, else the first one listed.
 */
export function defaultPoolId(pools: Pool[], zoneIds: readonly string[] | null | undefined): string | null {
  const mine = new Set(zoneIds ?? []);
  const zoneDefault = pools.find((p) => p.is_default && p.zone_id !== null && mine.has(p.zone_id));
  const companyDefault = pools.find((p) => p.is_default && p.zone_id === null);
  return (zoneDefault ?? companyDefault ?? pools[0])?.id ?? null;
}

/** The pool named by the URL when the caller sees it, else the default one. */
export function currentPoolId(pools: Pool[], param: string | null, zoneIds: readonly string[] | null | undefined): string | null {
  if (param && pools.some((p) => p.id === param)) return param;
  return defaultPoolId(pools, zoneIds);
}

/** The filters of the pool list as held in the URL (search parameters). */
export interface PoolFilters {
  level?: PoolLevel;
  tier?: string;
  industry?: string;
  province?: string;
  city?: string;
  /** last follow-up before this day (YYYY-MM-DD) */
  before?: string;
  q?: string;
}

const FILTER_KEYS = ["level", "tier", "industry", "province", "city", "before", "q"] as const;

/** Reads the filters from the URL, dropping values the API would refuse. */
export function filtersFromParams(params: URLSearchParams): PoolFilters {
  const out: PoolFilters = {};
  const level = params.get("level");
  if (level && (POOL_LEVELS as readonly string[]).includes(level)) out.level = level as PoolLevel;
  const tier = params.get("tier");
  if (tier && /^[A-Z]$/.test(tier)) out.tier = tier;
  const industry = params.get("industry")?.trim();
  if (industry) out.industry = industry;
  const province = params.get("province");
  if (province && /^\d{6}$/.test(province)) out.province = province;
  const city = params.get("city");
  if (out.province && city && /^\d{6}$/.test(city)) out.city = city;
  const before = params.get("before");
  if (before && /^\d{4}-\d{2}-\d{2}$/.test(before) && dayjs(before).isValid()) out.before = before;
  const q = params.get("q")?.trim();
  if (q) out.q = q;
  return out;
}

/** Writes the filters into a copy of `params` (other parameters, like the pool, are kept). */
export function paramsWithFilters(params: URLSearchParams, filters: PoolFilters): URLSearchParams {
  const next = new URLSearchParams(params);
  for (const key of FILTER_KEYS) {
    const value = typeof filters[key] === "string" ? filters[key].trim() : "";
    if (value) next.set(key, value);
    else next.delete(key);
  }
  if (!next.get("province")) next.delete("city");
  return next;
}

/** The API query for the filters; "before" is the start of that day, local time. */
export function filtersToQuery(f: PoolFilters): PoolCustomerQuery {
  const q: PoolCustomerQuery = {};
  if (f.level) q.level = f.level;
  if (f.tier) q.tier = f.tier;
  if (f.industry) q.industry = f.industry;
  if (f.province) q.province_code = f.province;
  if (f.city) q.city_code = f.city;
  if (f.before) q.followed_before = dayjs(f.before).startOf("day").toISOString();
  if (f.q) q.q = f.q;
  return q;
}

/** How many filters are set (shown on the reset button). */
export function activeFilterCount(f: PoolFilters): number {
  return Object.entries(f).filter(([k, v]) => k !== "city" && Boolean(v)).length;
}

/** Teams a user works in: their own team and every team they manage, with their sub-teams. */
export function teamsOf(userId: string, ownTeamId: string | null | undefined, teams: Team[]): Set<string> {
  const children = new Map<string, string[]>();
  for (const t of teams) {
    if (t.parent_id) children.set(t.parent_id, [...(children.get(t.parent_id) ?? []), t.id]);
  }
  const roots = teams.filter((t) => t.manager?.id === userId).map((t) => t.id);
  if (ownTeamId) roots.push(ownTeamId);
  const out = new Set<string>();
  const stack = [...roots];
  while (stack.length) {
    const id = stack.pop()!;
    if (out.has(id)) continue;
    out.add(id);
    stack.push(...(children.get(id) ?? []));
  }
  return out;
}

export interface AllocatingUser {
  id: string;
  team_id?: string | null;
  zone_ids?: readonly string[];
}

/**
 * The reps a manager may allocate to, as the server checks it: everyone for company-wide
 * allocators; else the members of the caller's teams, and (zone scope) the reps whose team lies
 * in one of the caller's zones. Inactive reps and reps on leave are left out.
 */
export function allocatableReps(users: User[], teams: Team[], me: AllocatingUser, scope: string | null | undefined): User[] {
  const present = users.filter((u) => u.is_active && !u.on_leave);
  if (scope === "all") return present;
  const myTeams = teamsOf(me.id, me.team_id, teams);
  const zoneOfTeam = new Map(teams.map((t) => [t.id, t.zone_id]));
  const myZones = new Set(me.zone_ids ?? []);
  return present.filter((u) => {
    if (u.team_id && myTeams.has(u.team_id)) return true;
    if (scope !== "zone") return false;
    const zone = u.team_id ? zoneOfTeam.get(u.team_id) : undefined;
    return (zone !== undefined && myZones.has(zone)) || u.zone_ids.some((z) => myZones.has(z));
  });
}

export interface AllocationLine {
  userId: string;
  name: string;
  count: number;
}

/** Who received how many, most first (then by name). */
export function allocationLines(result: AllocateOut, names: ReadonlyMap<string, string>): AllocationLine[] {
  return Object.entries(result.allocated)
    .map(([userId, ids]) => ({ userId, name: names.get(userId) ?? userId, count: ids.length }))
    .sort((a, b) => b.count - a.count || a.name.localeCompare(b.name));
}

/** "4/3/3": the counts, most first. */
export function allocationSummary(lines: AllocationLine[]): string {
  return lines.map((l) => l.count).join("/");
}

export function allocationTotal(lines: AllocationLine[]): number {
  return lines.reduce((s, l) => s + l.count, 0);
}

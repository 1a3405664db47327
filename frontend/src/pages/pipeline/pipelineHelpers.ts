/**
 * Types and pure helpers of the pipeline pages (商机漏斗 and 销售目标): the board's filters ⇄
 * URL ⇄ API query with its period quick picks (China calendar days), the drill-down's query,
 * and the sales-target grid (who the caller may set targets for, the batch body, 422s by row).
 * Amounts stay the API's decimal strings throughout: nothing here does float arithmetic.
 */
import type { paths } from "../../api/schema";
import type { Body, Ok, Permissions, Query, SalesZone, Team, User } from "../../api/types";
import type { Problem } from "../../api/problem";

type P = paths;

export type PipelineBoard = Ok<P["/api/v1/analytics/pipeline"]["get"]>;
export type PipelineQuery = Query<P["/api/v1/analytics/pipeline"]["get"]>;
export type PipelineStageRow = PipelineBoard["stages"][number];
export type PipelineCategory = PipelineBoard["by_forecast_category"][number];
export type PipelineLossReason = PipelineBoard["loss_reasons"][number];
export type PipelineLossCompetitor = PipelineBoard["loss_competitors"][number];
export type DrillPage = Ok<P["/api/v1/analytics/pipeline/opportunities"]["get"]>;
export type DrillItem = DrillPage["items"][number];
export type DrillQuery = Query<P["/api/v1/analytics/pipeline/opportunities"]["get"]>;
export type SalesTarget = Ok<P["/api/v1/sales-targets"]["get"]>["items"][number];
export type SalesTargetBatch = Body<P["/api/v1/sales-targets/batch"]["put"]>;
export type SalesTargetIn = SalesTargetBatch["items"][number];
export type ScopeType = SalesTarget["scope_type"];
export type Bucket = "new" | "stock" | "won" | "lost";
export type DataScope = "own" | "team" | "zone" | "all";

// --- periods (China calendar days) -------------------------------------------------------------

export const PERIODS = ["month", "quarter", "year", "custom"] as const;
export type PeriodKind = (typeof PERIODS)[number];

const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;
const MONTH_RE = /^\d{4}-(0[1-9]|1[0-2])$/;

/** True for a real calendar date written YYYY-MM-DD. */
export function isDay(s: string | null | undefined): s is string {
  if (!s || !DATE_RE.test(s)) return false;
  const [y, m, d] = s.split("-").map(Number) as [number, number, number];
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}

export function isMonth(s: string | null | undefined): s is string {
  return Boolean(s && MONTH_RE.test(s));
}

function iso(y: number, m0: number, d: number): string {
  return new Date(Date.UTC(y, m0, d)).toISOString().slice(0, 10);
}

/** The first and last day of the month / quarter / year holding `today` (YYYY-MM-DD). */
export function periodRange(kind: Exclude<PeriodKind, "custom">, today: string): { from: string; to: string } {
  const y = Number(today.slice(0, 4));
  const m0 = Number(today.slice(5, 7)) - 1;
  if (kind === "year") return { from: iso(y, 0, 1), to: iso(y, 11, 31) };
  const first = kind === "quarter" ? m0 - (m0 % 3) : m0;
  const months = kind === "quarter" ? 3 : 1;
  return { from: iso(y, first, 1), to: iso(y, first + months, 0) }; // day 0: the last day before
}

// --- the board's filters ----------------------------------------------------------------------

/** The board's view as kept in the URL. */
export interface PipelineParams {
  business_line_id?: string;
  period: PeriodKind;
  /** Only for a custom period. */
  from?: string;
  to?: string;
  owner_id?: string;
  team_id?: string;
  zone_id?: string;
  currency?: string;
}

const ID_KEYS = ["business_line_id", "owner_id", "team_id", "zone_id"] as const;

export function paramsFromSearch(sp: URLSearchParams): PipelineParams {
  const p: PipelineParams = { period: "month" };
  for (const k of ID_KEYS) {
    const v = sp.get(k)?.trim();
    if (v) p[k] = v;
  }
  const currency = sp.get("currency");
  if (currency && /^[A-Z]{3}$/.test(currency)) p.currency = currency;
  const from = sp.get("from");
  const to = sp.get("to");
  if (isDay(from) && isDay(to)) {
    // a reversed range (edited by hand) is read the right way round
    [p.from, p.to] = from <= to ? [from, to] : [to, from];
    p.period = "custom";
    return p;
  }
  const period = sp.get("period");
  if (period === "quarter" || period === "year") p.period = period;
  return p;
}

export function paramsToSearch(p: PipelineParams): URLSearchParams {
  const sp = new URLSearchParams();
  for (const k of ID_KEYS) if (p[k]) sp.set(k, p[k]);
  if (p.period === "custom" && p.from && p.to) {
    sp.set("from", p.from);
    sp.set("to", p.to);
  } else if (p.period === "quarter" || p.period === "year") {
    sp.set("period", p.period);
  }
  if (p.currency && p.currency !== "CNY") sp.set("currency", p.currency);
  return sp;
}

/** The days the view covers: a custom range, or the quick pick around `today`. */
export function resolvedRange(p: PipelineParams, today: string): { from: string; to: string } {
  if (p.period === "custom" && p.from && p.to) return { from: p.from, to: p.to };
  return periodRange(p.period === "custom" ? "month" : p.period, today);
}

/** GET /analytics/pipeline's query: only what is set; the period always explicit. */
export function boardQuery(p: PipelineParams, today: string): PipelineQuery {
  const q: Record<string, string> = { ...resolvedRange(p, today) };
  for (const k of ID_KEYS) if (p[k]) q[k] = p[k];
  if (p.currency) q.currency = p.currency;
  return q as PipelineQuery;
}

/** Which people pickers a caller sees, from their opportunity:read scope. */
export function pickersFor(scope: string | undefined): { owner: boolean; team: boolean; zone: boolean } {
  switch (scope) {
    case "all":
    case "zone":
      return { owner: true, team: true, zone: true };
    case "team":
      return { owner: true, team: true, zone: false };
    default:
      return { owner: false, team: false, zone: false };
  }
}

// --- the drill-down ---------------------------------------------------------------------------

/** The number of the board whose opportunities the drawer lists. */
export type Drill =
  | { kind: "open" }
  | { kind: "stage"; stageId: string; name: string }
  | { kind: "bucket"; bucket: Bucket }
  | { kind: "reason"; reason: string; name: string }
  | { kind: "competitor"; competitorId: string; name: string }
  | { kind: "category"; category: string };

export const DRILL_PAGE = 50;

/** GET /analytics/pipeline/opportunities' query: the board's filters plus the drill's condition. */
export function drillQuery(p: PipelineParams, today: string, drill: Drill, cursor: string | null = null, limit = DRILL_PAGE): DrillQuery {
  const q: Record<string, unknown> = { ...boardQuery(p, today), limit };
  switch (drill.kind) {
    case "stage":
      q.stage_id = drill.stageId;
      break;
    case "bucket":
      q.bucket = drill.bucket;
      break;
    case "reason":
      q.lost_reason = drill.reason;
      break;
    case "competitor":
      q.competitor_id = drill.competitorId;
      break;
    case "category":
      q.forecast_category = drill.category;
      break;
    case "open":
      break;
  }
  if (cursor) q.cursor = cursor;
  return q as DrillQuery;
}

/** True when a decimal string is above zero ("0.00", "0" are not). */
export function isPositive(value: string | null | undefined): boolean {
  if (value === null || value === undefined) return false;
  return /^\d*\.?\d+$/.test(value.trim()) && /[1-9]/.test(value);
}

// --- sales targets ----------------------------------------------------------------------------

/** A decimal amount ≥ 0 with at most two decimals, as the API takes it. */
export const TARGET_PATTERN = /^\d{1,16}(\.\d{1,2})?$/;

export function validTarget(value: string): boolean {
  return TARGET_PATTERN.test(value.trim());
}

/** A row of the grid: a zone, a team or a person, with the month's current target if any. */
export interface TargetRow {
  key: string;
  scope_type: ScopeType;
  scope_id: string;
  name: string;
  /** Tree depth of a team (sub-teams are indented). */
  depth: number;
  target?: SalesTarget;
}

export const rowKey = (scopeType: ScopeType, id: string) => `${scopeType}:${id}`;

/** Every team under the given roots, the roots included. */
export function subtree(teams: Team[], roots: Iterable<string>): Set<string> {
  const children = new Map<string, string[]>();
  for (const t of teams) if (t.parent_id) children.set(t.parent_id, [...(children.get(t.parent_id) ?? []), t.id]);
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

export interface Caller {
  id: string;
  team_id?: string | null;
  zone_ids?: string[];
}

/**
 * The zones and teams a sales_target:manage scope covers, as the API decides it: a team scope
 * is the caller's own team and the teams they manage, with sub-teams; a zone scope adds the
 * zones they cover or lead (and those teams' zones) with all their teams; all is everything.
 * `userTeams` / `userZones` name where to look for the people (one users query each).
 */
export function manageReach(
  scope: DataScope | undefined,
  me: Caller,
  teams: Team[],
  zones: SalesZone[],
): { zones: Set<string>; teams: Set<string>; userTeams: string[]; userZones: string[] } {
  const none = { zones: new Set<string>(), teams: new Set<string>(), userTeams: [], userZones: [] };
  if (!scope || scope === "own") return none;
  if (scope === "all") return { zones: new Set(zones.map((z) => z.id)), teams: new Set(teams.map((t) => t.id)), userTeams: [], userZones: [] };
  const roots = teams.filter((t) => t.manager?.id === me.id).map((t) => t.id);
  if (me.team_id) roots.push(me.team_id);
  const mine = subtree(teams, roots);
  if (scope === "team") return { zones: new Set(), teams: mine, userTeams: topTeams(teams, mine), userZones: [] };
  const zoneIds = new Set<string>(me.zone_ids ?? []);
  for (const z of zones) if (z.leader?.id === me.id) zoneIds.add(z.id);
  for (const t of teams) if (mine.has(t.id)) zoneIds.add(t.zone_id);
  const all = new Set(mine);
  for (const t of teams) if (zoneIds.has(t.zone_id)) all.add(t.id);
  return { zones: zoneIds, teams: all, userTeams: topTeams(teams, all), userZones: [...zoneIds].sort() };
}

/** The teams of a set whose parent is outside it (GET /users?team_id= covers sub-teams). */
export function topTeams(teams: Team[], ids: Set<string>): string[] {
  return teams.filter((t) => ids.has(t.id) && !(t.parent_id && ids.has(t.parent_id))).map((t) => t.id).sort();
}

/** Teams in tree order (parents before their sub-teams, siblings by name) with their depth. */
function teamTree(teams: Team[]): { team: Team; depth: number }[] {
  const ids = new Set(teams.map((t) => t.id));
  const children = new Map<string | null, Team[]>();
  for (const t of teams) {
    const parent = t.parent_id && ids.has(t.parent_id) ? t.parent_id : null;
    children.set(parent, [...(children.get(parent) ?? []), t]);
  }
  const out: { team: Team; depth: number }[] = [];
  const walk = (parent: string | null, depth: number) => {
    for (const t of [...(children.get(parent) ?? [])].sort((a, b) => a.name.localeCompare(b.name))) {
      out.push({ team: t, depth });
      walk(t.id, depth + 1);
    }
  };
  walk(null, 0);
  return out;
}

/**
 * The grid: the zones, teams (tree order) and people the caller may set targets for, then the
 * targets they can see for no listed row (e.g. a rep's own), each with the current target.
 * `targets` are the month's targets of the chosen line (null: the all-lines targets).
 */
export function targetRows(input: {
  zones: SalesZone[];
  teams: Team[];
  users: User[];
  reach: { zones: Set<string>; teams: Set<string> };
  extraUsers?: { id: string; display_name: string }[];
  targets: SalesTarget[];
}): TargetRow[] {
  const byKey = new Map(input.targets.map((t) => [rowKey(t.scope_type, t.scope_id), t]));
  const rows: TargetRow[] = [];
  const seen = new Set<string>();
  const push = (scope_type: ScopeType, scope_id: string, name: string, depth = 0) => {
    const key = rowKey(scope_type, scope_id);
    if (seen.has(key)) return;
    seen.add(key);
    rows.push({ key, scope_type, scope_id, name, depth, target: byKey.get(key) });
  };
  for (const z of [...input.zones].filter((z) => input.reach.zones.has(z.id)).sort((a, b) => a.name.localeCompare(b.name))) {
    push("zone", z.id, z.name);
  }
  for (const { team, depth } of teamTree(input.teams.filter((t) => input.reach.teams.has(t.id)))) push("team", team.id, team.name, depth);
  const people = [...input.users.filter((u) => u.is_active), ...(input.extraUsers ?? [])];
  for (const u of people.sort((a, b) => a.display_name.localeCompare(b.display_name))) push("user", u.id, u.display_name);
  const order: Record<ScopeType, number> = { zone: 0, team: 1, user: 2 };
  const rest = input.targets.filter((t) => !seen.has(rowKey(t.scope_type, t.scope_id)));
  for (const t of rest.sort((a, b) => order[a.scope_type] - order[b.scope_type] || a.scope_name.localeCompare(b.scope_name))) {
    push(t.scope_type, t.scope_id, t.scope_name);
  }
  return rows;
}

/** The month's targets of one line (`lineId` undefined: the targets for every line). */
export function targetsOfLine(targets: SalesTarget[], lineId: string | undefined): SalesTarget[] {
  return targets.filter((t) => (t.business_line_id ?? undefined) === lineId);
}

/** True when a row's input holds a new amount (non-empty and not the current one). */
export function isEdited(row: TargetRow, value: string | undefined): value is string {
  if (value === undefined) return false;
  const v = value.trim();
  return v !== "" && v !== (row.target?.amount ?? "");
}

/**
 * PUT /sales-targets/batch's body for the edited rows, amounts exactly as typed (trimmed), and
 * the row key of each item (items.N of a 422 is keys[N]); `invalid` lists rows that fail the
 * amount check (nothing should be sent then).
 */
export function batchBody(
  rows: TargetRow[],
  edits: Record<string, string>,
  month: string,
  lineId: string | undefined,
): { body: SalesTargetBatch; keys: string[]; invalid: string[] } {
  const items: SalesTargetIn[] = [];
  const keys: string[] = [];
  const invalid: string[] = [];
  for (const row of rows) {
    const value = edits[row.key];
    if (!isEdited(row, value)) continue;
    if (!validTarget(value)) {
      invalid.push(row.key);
      continue;
    }
    const item: SalesTargetIn = {
      scope_type: row.scope_type,
      scope_id: row.scope_id,
      month,
      amount: value.trim(),
      currency: row.target?.currency ?? "CNY",
    };
    if (lineId) item.business_line_id = lineId;
    items.push(item);
    keys.push(row.key);
  }
  return { body: { items }, keys, invalid };
}

/** A batch 422's field errors ("items.3.amount", "body.items.3.amount") by row key; the rest unmatched. */
export function batchErrors(problem: Problem, keys: string[]): { byRow: Record<string, string>; unmatched: string[] } {
  const byRow: Record<string, string> = {};
  const unmatched: string[] = [];
  for (const e of problem.errors ?? []) {
    const m = /(?:^|\.)items\.(\d+)(?:\.(\w+))?/.exec(e.field);
    const key = m ? keys[Number(m[1])] : undefined;
    if (key) byRow[key] = byRow[key] ? `${byRow[key]}；${e.message}` : e.message;
    else unmatched.push(e.field ? `${e.field}: ${e.message}` : e.message);
  }
  return { byRow, unmatched };
}

/** The sales_target:manage scope of the caller ("team", "zone", "all"), if any. */
export function manageScope(perms: Permissions | undefined | null): DataScope | undefined {
  const s = perms?.sales_target?.manage;
  return s === "team" || s === "zone" || s === "all" ? s : undefined;
}

export function readScope(perms: Permissions | undefined | null): DataScope | undefined {
  const s = perms?.opportunity?.read;
  return s === "own" || s === "team" || s === "zone" || s === "all" ? s : undefined;
}

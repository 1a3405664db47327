/** Pure helpers for the assignment-rule editor: the simple AND conditions list and targets. */

export const RULE_FIELDS = ["province_code", "city_code", "zone", "channel_id", "industry", "company_size", "product", "grade"] as const;
export const RULE_OPS = ["eq", "in", "not_in", "present", "missing"] as const;
export const ACTION_TYPES = ["user", "team_round_robin", "team_weighted", "team_least_loaded", "zone_pool", "zone_leader_queue"] as const;
export type RuleOp = (typeof RULE_OPS)[number];
export type ActionType = (typeof ACTION_TYPES)[number];

/** One editor row; `value` is always a list (eq uses its first item, present/missing none). */
export interface ConditionRow {
  field?: string;
  op?: RuleOp;
  value?: string[];
}

/**
 * The rule's conditions as editor rows, or null when they are not a flat AND list the simple
 * editor can show (nested groups, OR): then the editor leaves them untouched.
 */
export function conditionsToRows(conditions: Record<string, unknown> | null | undefined): ConditionRow[] | null {
  const c = conditions ?? {};
  const keys = Object.keys(c);
  if (keys.length === 0) return [];
  let list: unknown[];
  if (keys.length === 1 && Array.isArray(c.all)) list = c.all;
  else if ("field" in c && "op" in c) list = [c];
  else return null;
  const rows: ConditionRow[] = [];
  for (const item of list) {
    if (!item || typeof item !== "object" || Array.isArray(item)) return null;
    const it = item as Record<string, unknown>;
    if (typeof it.field !== "string" || typeof it.op !== "string" || !(RULE_OPS as readonly string[]).includes(it.op)) return null;
    const v = it.value;
    const value = Array.isArray(v) ? v.map(String) : v === undefined || v === null ? [] : [String(v)];
    rows.push({ field: it.field, op: it.op as RuleOp, value });
  }
  return rows;
}

/** Editor rows → the API's conditions ({} when empty, else {"all": [...]}); incomplete rows are dropped. */
export function rowsToConditions(rows: ConditionRow[] | null | undefined): Record<string, unknown> {
  const out: Record<string, unknown>[] = [];
  for (const r of rows ?? []) {
    if (!r.field || !r.op) continue;
    const values = (r.value ?? []).map((v) => v.trim()).filter(Boolean);
    if (r.op === "present" || r.op === "missing") out.push({ field: r.field, op: r.op });
    else if (r.op === "eq") {
      if (values.length) out.push({ field: r.field, op: "eq", value: values[0] });
    } else if (values.length) out.push({ field: r.field, op: r.op, value: values });
  }
  return out.length ? { all: out } : {};
}

export interface TargetValues {
  user_id?: string | null;
  team_id?: string | null;
  zone_id?: string | null;
  weights?: { user_id?: string; weight?: number }[];
}

/** Form target fields → the action_target the API expects for this action type. */
export function buildTarget(type: ActionType | undefined, v: TargetValues): Record<string, unknown> {
  switch (type) {
    case "user":
      return v.user_id ? { user_id: v.user_id } : {};
    case "team_round_robin":
    case "team_least_loaded":
      return v.team_id ? { team_id: v.team_id } : {};
    case "team_weighted": {
      const weights: Record<string, number> = {};
      for (const w of v.weights ?? []) if (w.user_id && typeof w.weight === "number") weights[w.user_id] = w.weight;
      return { ...(v.team_id ? { team_id: v.team_id } : {}), weights };
    }
    case "zone_pool":
    case "zone_leader_queue":
      return v.zone_id ? { zone_id: v.zone_id } : {};
    default:
      return {};
  }
}

/** A rule's action_target → form target fields. */
export function targetToValues(target: Record<string, unknown> | null | undefined): TargetValues {
  const t = target ?? {};
  const s = (x: unknown) => (typeof x === "string" ? x : null);
  const w = t.weights && typeof t.weights === "object" && !Array.isArray(t.weights) ? (t.weights as Record<string, unknown>) : {};
  return {
    user_id: s(t.user_id),
    team_id: s(t.team_id),
    zone_id: s(t.zone_id),
    weights: Object.entries(w).map(([user_id, weight]) => ({ user_id, weight: Number(weight) })),
  };
}

/** Moves item `index` one place up (-1) or down (+1); returns a new list (unchanged at the ends). */
export function moved<T>(list: T[], index: number, delta: -1 | 1): T[] {
  const j = index + delta;
  if (index < 0 || index >= list.length || j < 0 || j >= list.length) return list;
  const out = [...list];
  [out[index], out[j]] = [out[j]!, out[index]!];
  return out;
}

/** "field op value" lines for the rules table. */
export function describeConditions(conditions: Record<string, unknown> | null | undefined): string {
  const rows = conditionsToRows(conditions);
  if (rows === null) return JSON.stringify(conditions);
  return rows.map((r) => [r.field, r.op, (r.value ?? []).join(",")].filter(Boolean).join(" ")).join(" AND ");
}

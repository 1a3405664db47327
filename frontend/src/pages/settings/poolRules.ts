/** Pure helpers for the pool rules (公海规则) settings form: rules ↔ form values ↔ PUT body. */
import type { NamePath } from "../../api/problem";
import type { PoolLimits, PoolRules, PoolRulesUpdate } from "../../api/types";

export const LIMIT_FIELDS = ["max_owned", "max_daily_claims", "reclaim_cooldown_days", "max_locked"] as const;
export type LimitField = (typeof LIMIT_FIELDS)[number];

/** Each limit's bounds (the API's). */
export const LIMIT_MAX: Record<LimitField, number> = {
  max_owned: 100_000,
  max_daily_claims: 10_000,
  reclaim_cooldown_days: 365,
  max_locked: 10_000,
};

export type PartialLimits = Partial<Record<LimitField, number | null>>;

export interface RoleRow extends PartialLimits {
  role?: string | null;
}

export interface PoolRulesForm {
  defaults: PoolLimits;
  roles: RoleRow[];
}

function isLimit(v: unknown): v is number {
  return typeof v === "number" && Number.isFinite(v);
}

/** The stored rules as form values: the defaults, and one row per role that differs. */
export function rulesToForm(rules: PoolRules): PoolRulesForm {
  return {
    defaults: { ...rules.defaults },
    roles: Object.entries(rules.by_role)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([role, limits]) => {
        const row: RoleRow = { role };
        for (const f of LIMIT_FIELDS) row[f] = isLimit(limits[f]) ? limits[f] : null;
        return row;
      }),
  };
}

/**
 * The PUT body: all four defaults, and the per-role limits with empty cells left out (they fall
 * back to the defaults). Rows without a role are dropped. Per-user limits are not sent, so the
 * server keeps them.
 */
export function formToBody(values: PoolRulesForm): PoolRulesUpdate {
  const defaults = Object.fromEntries(LIMIT_FIELDS.map((f) => [f, values.defaults?.[f]])) as PoolLimits;
  const byRole: Record<string, PartialLimits> = {};
  for (const row of values.roles ?? []) {
    const role = row?.role?.trim();
    if (!role) continue;
    const limits: PartialLimits = {};
    for (const f of LIMIT_FIELDS) if (isLimit(row[f])) limits[f] = row[f];
    byRole[role] = limits;
  }
  return { defaults, by_role: byRole };
}

/** Indexes of rows naming a role an earlier row already names. */
export function duplicateRoleRows(rows: RoleRow[] | undefined): number[] {
  const seen = new Set<string>();
  const out: number[] = [];
  (rows ?? []).forEach((r, i) => {
    const role = r?.role?.trim();
    if (!role) return;
    if (seen.has(role)) out.push(i);
    seen.add(role);
  });
  return out;
}

/** Server field errors on `by_role.<role>.<field>` land on that role's row. */
export function roleErrorAliases(rows: RoleRow[] | undefined): Record<string, NamePath> {
  const out: Record<string, NamePath> = {};
  (rows ?? []).forEach((r, i) => {
    const role = r?.role?.trim();
    if (!role) return;
    out[`by_role.${role}`] = ["roles", i, "role"];
    for (const f of LIMIT_FIELDS) out[`by_role.${role}.${f}`] = ["roles", i, f];
  });
  return out;
}

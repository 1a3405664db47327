/**
 * Settings › customer recycling (客户回收): the form of the recycle rules and the tiers'
 * no-follow-up days, what a save sends, and the dry run's / run's results by owner.
 */
import { api, unwrap } from "../../api/client";
import { SELECT_LIMIT } from "../../api/queries";
import type { paths } from "../../api/schema";
import type { Body, Ok, Tier } from "../../api/types";

export type RecycleRules = Ok<paths["/api/v1/settings/recycle-rules"]["get"]>;
export type RecycleRulesIn = Body<paths["/api/v1/settings/recycle-rules"]["put"]>;
export type RecycleOut = Ok<paths["/api/v1/customers/recycle"]["post"]>;
export type DueCustomer = RecycleOut["customers"][number];

/** Suggested when the no-deal rule is turned on (the product's default). */
export const DEFAULT_NO_DEAL_DAYS = 90;
export const MAX_DAYS = 3650;
export const MAX_REMIND_DAYS = 90;

export interface RecyclingForm {
  no_deal_on: boolean;
  no_deal_days: number | null;
  remind_days_before: number | null;
  /** Tier code → no-follow-up days. */
  tiers: Record<string, number | null>;
}

export function toForm(rules: RecycleRules, tiers: Tier[]): RecyclingForm {
  return {
    no_deal_on: rules.no_deal_days !== null,
    no_deal_days: rules.no_deal_days ?? DEFAULT_NO_DEAL_DAYS,
    remind_days_before: rules.remind_days_before,
    tiers: Object.fromEntries(tiers.map((t) => [t.code, t.no_follow_up_days])),
  };
}

/** The PUT body, or null when the rules are as stored (nothing to send). */
export function rulesBody(v: RecyclingForm, current: RecycleRules): RecycleRulesIn | null {
  const noDeal = v.no_deal_on ? (v.no_deal_days ?? null) : null;
  const remind = v.remind_days_before ?? current.remind_days_before;
  if (noDeal === current.no_deal_days && remind === current.remind_days_before) return null;
  return { no_deal_days: noDeal, remind_days_before: remind };
}

/** The tiers whose days changed, in display order. */
export function changedTiers(v: RecyclingForm, tiers: Tier[]): { code: string; days: number }[] {
  return tiers.flatMap((t) => {
    const days = v.tiers[t.code];
    return typeof days === "number" && days !== t.no_follow_up_days ? [{ code: t.code, days }] : [];
  });
}

export interface OwnerCount {
  ownerId: string;
  count: number;
}

/** How many customers each owner has in the dry run's list, the most first. */
export function dueByOwner(customers: DueCustomer[]): OwnerCount[] {
  const counts = new Map<string, number>();
  for (const c of customers) counts.set(c.owner_id, (counts.get(c.owner_id) ?? 0) + 1);
  return sortCounts(counts);
}

/** The run's `by_owner` (previous owner → customers recycled), the most first. */
export function recycledByOwner(byOwner: Record<string, number>): OwnerCount[] {
  return sortCounts(new Map(Object.entries(byOwner)));
}

function sortCounts(counts: Map<string, number>): OwnerCount[] {
  return [...counts.entries()].map(([ownerId, count]) => ({ ownerId, count })).sort((a, b) => b.count - a.count || a.ownerId.localeCompare(b.ownerId));
}

/** Largest number of user pages read to name the owners (SELECT_LIMIT users each). */
const MAX_USER_PAGES = 10;

/** Display names of the given users: reads the user list page by page until all are found. */
export async function fetchUserNames(ids: string[]): Promise<Record<string, string>> {
  const wanted = new Set(ids);
  const names: Record<string, string> = {};
  let cursor: string | null | undefined = null;
  for (let page = 0; page < MAX_USER_PAGES && wanted.size > 0; page++) {
    const query: { limit: number; cursor?: string } = cursor ? { limit: SELECT_LIMIT, cursor } : { limit: SELECT_LIMIT };
    const res = await unwrap(api.GET("/api/v1/users", { params: { query } }));
    for (const u of res.items) {
      if (wanted.delete(u.id)) names[u.id] = u.display_name;
    }
    cursor = res.next_cursor;
    if (!cursor) break;
  }
  return names;
}

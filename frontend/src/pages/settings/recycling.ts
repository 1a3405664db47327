/**
 * Settings › customer recycling (客户回收): the form of the recycle rules (no-deal and
 * contract-ended rules, exemptions, reminder) and the tiers' days, what a save sends, and the
 * dry run's / run's results by owner.
 */
import { api, unwrap } from "../../api/client";
import { SELECT_LIMIT } from "../../api/queries";
import type { paths } from "../../api/schema";
import type { Body, Ok, Tier, TierUpdate } from "../../api/types";

export type RecycleRules = Ok<paths["/api/v1/settings/recycle-rules"]["get"]>;
export type RecycleRulesIn = Body<paths["/api/v1/settings/recycle-rules"]["put"]>;
export type RecycleOut = Ok<paths["/api/v1/customers/recycle"]["post"]>;
export type DueCustomer = RecycleOut["customers"][number];

/** Suggested when the no-deal rule is turned on (the product's default). */
export const DEFAULT_NO_DEAL_DAYS = 90;
/** Suggested when the contract-ended rule is turned on. */
export const DEFAULT_CONTRACT_ENDED_DAYS = 30;
export const MAX_DAYS = 3650;
export const MAX_REMIND_DAYS = 90;

/** A protection that may keep a customer from recycling: an effective contract, a late-stage opportunity. */
export type ExemptKind = RecycleRules["exempt"][number];
export const EXEMPT_KINDS: readonly ExemptKind[] = ["contract", "opportunity"];

/** A tier's days: its no-follow-up days, and its own no-deal / contract-ended days (null: the rule's). */
export interface TierDays {
  no_follow_up_days: number | null;
  no_deal_days: number | null;
  contract_ended_days: number | null;
}

export interface RecyclingForm {
  no_deal_on: boolean;
  no_deal_days: number | null;
  contract_ended_on: boolean;
  contract_ended_days: number | null;
  exempt: ExemptKind[];
  remind_days_before: number | null;
  /** Tier code → its days. */
  tiers: Record<string, TierDays>;
}

export function toForm(rules: RecycleRules, tiers: Tier[]): RecyclingForm {
  return {
    no_deal_on: rules.no_deal_days !== null,
    no_deal_days: rules.no_deal_days ?? DEFAULT_NO_DEAL_DAYS,
    contract_ended_on: rules.contract_ended_days !== null,
    contract_ended_days: rules.contract_ended_days ?? DEFAULT_CONTRACT_ENDED_DAYS,
    exempt: sortExempt(rules.exempt),
    remind_days_before: rules.remind_days_before,
    tiers: Object.fromEntries(
      tiers.map((t) => [t.code, { no_follow_up_days: t.no_follow_up_days, no_deal_days: t.no_deal_days, contract_ended_days: t.contract_ended_days }]),
    ),
  };
}

/** The kinds in the display order, each once. */
function sortExempt(kinds: readonly ExemptKind[] | undefined): ExemptKind[] {
  return EXEMPT_KINDS.filter((k) => kinds?.includes(k));
}

/** The PUT body with only the rules that changed, or null when the rules are as stored. */
export function rulesBody(v: RecyclingForm, current: RecycleRules): RecycleRulesIn | null {
  const body: RecycleRulesIn = {};
  const noDeal = v.no_deal_on ? (v.no_deal_days ?? null) : null;
  if (noDeal !== current.no_deal_days) body.no_deal_days = noDeal;
  const ended = v.contract_ended_on ? (v.contract_ended_days ?? null) : null;
  if (ended !== current.contract_ended_days) body.contract_ended_days = ended;
  const exempt = sortExempt(v.exempt);
  if (exempt.join() !== sortExempt(current.exempt).join()) body.exempt = exempt;
  const remind = v.remind_days_before ?? current.remind_days_before;
  if (remind !== current.remind_days_before) body.remind_days_before = remind;
  return Object.keys(body).length > 0 ? body : null;
}

/** What a tier's PATCH sends: only the days that changed; null resets an override to the rule's value. */
export type TierDaysUpdate = Pick<TierUpdate, "no_follow_up_days" | "no_deal_days" | "contract_ended_days">;

/** The tiers whose days changed, in display order, each with the fields to PATCH. */
export function changedTiers(v: RecyclingForm, tiers: Tier[]): { code: string; body: TierDaysUpdate }[] {
  return tiers.flatMap((t) => {
    const days = v.tiers[t.code];
    if (!days) return [];
    const body: TierDaysUpdate = {};
    // the no-follow-up days cannot be cleared: a blank keeps the stored value
    if (typeof days.no_follow_up_days === "number" && days.no_follow_up_days !== t.no_follow_up_days) body.no_follow_up_days = days.no_follow_up_days;
    const noDeal = days.no_deal_days ?? null;
    if (noDeal !== t.no_deal_days) body.no_deal_days = noDeal;
    const ended = days.contract_ended_days ?? null;
    if (ended !== t.contract_ended_days) body.contract_ended_days = ended;
    return Object.keys(body).length > 0 ? [{ code: t.code, body }] : [];
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

/**
 * 距回收: how many days an owned customer has before it goes back to the pool, counted in China
 * calendar days (the recycling job runs nightly, China time), and whether it is within the
 * owners' reminder period.
 */
import { useQuery } from "@tanstack/react-query";
import { api, unwrap } from "../../api/client";
import { useCan } from "../../auth/context";
import type { Customer } from "../../api/types";
import { chinaDay, daysBetween } from "../../components/chinaTime";

/** The product's default reminder period, used when the caller may not read the settings. */
export const DEFAULT_REMIND_DAYS = 3;

export const recycleRulesKey = ["settings", "recycle-rules"] as const;

/** What keeps a customer from recycling now: an effective contract, a late-stage opportunity. */
export type Protection = Customer["protections"][number];

export interface RecycleSubject {
  owner?: unknown;
  locked_at?: string | null;
  recycle_due_at?: string | null;
  /** The detail's active protections (a list item has none). */
  protections?: Protection[];
}

export interface RecycleDue {
  /** China days left: 0 is today, negative is overdue (the nightly job has not run yet). */
  days: number;
  /** Within the reminder period (or overdue): shown in red. */
  urgent: boolean;
  dueAt: string;
}

/** Days left before recycling; null for a customer that is not owned, locked, or under no rule. */
export function recycleDue(c: RecycleSubject, now: number, remindDays: number): RecycleDue | null {
  if (!c.owner || c.locked_at || !c.recycle_due_at) return null;
  const days = daysBetween(chinaDay(now), chinaDay(c.recycle_due_at));
  return { days, urgent: days <= remindDays, dueAt: c.recycle_due_at };
}

/**
 * Whether a protection keeps the customer from recycling now: owned, not locked, with an active
 * protection and no due date (the server leaves it out while an exempt protection holds).
 */
export function isProtected(c: RecycleSubject): boolean {
  return Boolean(c.owner) && !c.locked_at && !c.recycle_due_at && (c.protections?.length ?? 0) > 0;
}

/**
 * The reminder period: from the recycle rules for whoever may read the settings, else the
 * default (a rep sees the same red as the reminder they get, unless an admin changed it).
 */
export function useRemindDays(): number {
  const can = useCan();
  const allowed = can("setting", "read");
  const rules = useQuery({
    queryKey: recycleRulesKey,
    queryFn: () => unwrap(api.GET("/api/v1/settings/recycle-rules")),
    enabled: allowed,
    staleTime: 5 * 60_000,
  });
  return rules.data?.remind_days_before ?? DEFAULT_REMIND_DAYS;
}

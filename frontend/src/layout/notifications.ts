/** Pure helpers for the header's notifications bell. */
import type { Notification } from "../api/types";

/** The page a notification opens: its lead, its import's progress, its customer, or its approval
 * request (old level-request notifications too); none for other kinds. */
export function notificationTarget(n: Pick<Notification, "entity" | "entity_id">): string | null {
  if (!n.entity_id) return null;
  if (n.entity === "lead") return `/leads/${encodeURIComponent(n.entity_id)}`;
  if (n.entity === "lead_import") return `/leads/import/${encodeURIComponent(n.entity_id)}`;
  if (n.entity === "customer") return `/customers/${encodeURIComponent(n.entity_id)}`;
  // level requests moved into the approval engine under their ids
  if (n.entity === "approval_request" || n.entity === "customer_level_request") return `/approvals/${encodeURIComponent(n.entity_id)}`;
  return null;
}

/** The badge text: the count, "99+" above 99, empty when there is nothing unread. */
export function badgeText(count: number | null | undefined): string {
  if (!count || count <= 0) return "";
  return count > 99 ? "99+" : String(count);
}

export function isUnread(n: Pick<Notification, "read_at">): boolean {
  return !n.read_at;
}

/** The bell's list size. */
export const BELL_LIST_LIMIT = 10;

/** Query keys shared by the bell and the inbox page: invalidating `all` refreshes both (and the badge). */
export const notificationKeys = {
  all: ["notifications"] as const,
  unread: ["notifications", "unread-count"] as const,
  list: ["notifications", "list", BELL_LIST_LIMIT] as const,
  inbox: (tab: "all" | "unread") => ["notifications", "inbox", tab] as const,
};

/** The kinds the server sends (labelled as `notification.kind.<kind>`; others shown as is). */
export const NOTIFICATION_KINDS = [
  "lead_assigned",
  "lead_duplicate",
  "lead_recycled",
  "lead_import",
  "customer_allocated",
  "customer_transferred",
  "customer_recycled",
  "recycle_reminder",
  "level_change_requested",
  "level_change_decided",
  "approval_pending",
  "approval_decided",
  "approval_reminder",
  "approval_admin_queue",
  "channel_test",
] as const;

const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ["year", 365 * 86_400_000],
  ["month", 30 * 86_400_000],
  ["day", 86_400_000],
  ["hour", 3_600_000],
  ["minute", 60_000],
];

/** "5分钟前" / "5 minutes ago" from `now`; `justNow` (or the locale's "now") under a minute and for clock skew. */
export function relativeTime(iso: string, now: number, lang: string, justNow?: string): string {
  const diff = now - Date.parse(iso);
  const fmt = new Intl.RelativeTimeFormat(lang, { numeric: "auto" });
  for (const [unit, ms] of UNITS) {
    if (diff >= ms) return fmt.format(-Math.floor(diff / ms), unit);
  }
  return justNow ?? fmt.format(0, "second");
}

/** Pure helpers for the header's notifications bell. */
import type { Notification } from "../api/types";

/** The page a notification opens: its lead, its import's progress, its customer, or the level
 * requests to decide; none for other kinds. */
export function notificationTarget(n: Pick<Notification, "entity" | "entity_id">): string | null {
  if (!n.entity_id) return null;
  if (n.entity === "lead") return `/leads/${encodeURIComponent(n.entity_id)}`;
  if (n.entity === "lead_import") return `/leads/import/${encodeURIComponent(n.entity_id)}`;
  if (n.entity === "customer") return `/customers/${encodeURIComponent(n.entity_id)}`;
  if (n.entity === "customer_level_request") return `/level-requests`;
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

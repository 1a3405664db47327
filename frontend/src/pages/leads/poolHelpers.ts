/** Pure helpers for the lead pool (线索池): which leads can be released, the list view switch. */

/** Lead statuses a lead can be claimed or released in (the open ones). */
export const OPEN_LEAD_STATUSES = ["new", "contacted", "qualified"] as const;

export function isOpenLead(status: string | null | undefined): boolean {
  return (OPEN_LEAD_STATUSES as readonly string[]).includes(status ?? "");
}

export type LeadView = "mine" | "pool";

/** The list view named by the `view` search parameter (anything but "pool" is the normal list). */
export function leadView(param: string | null | undefined): LeadView {
  return param === "pool" ? "pool" : "mine";
}

/** Release (释放) is offered for an owned, open lead to whoever may update it. */
export function canRelease(lead: { owner?: unknown; status: string }, mayUpdate: boolean): boolean {
  return mayUpdate && Boolean(lead.owner) && isOpenLead(lead.status);
}

/**
 * Whether a lead read scope shows unowned leads (their detail pages): reps (own scope) see only
 * their own leads, managers and above also the unassigned leads of their zones.
 */
export function seesUnownedLeads(readScope: string | null | undefined): boolean {
  return Boolean(readScope) && readScope !== "own";
}

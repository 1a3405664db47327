/** Pure helpers for the lead pages: grade colours, score breakdown and routing trace parsing. */

export const GRADES = ["A", "B", "C", "D"] as const;
export const LEAD_STATUSES = ["new", "contacted", "qualified", "converted", "invalid"] as const;
export const ACTION_KINDS = ["call", "visit", "meeting", "form_submit"] as const;

/** Badge colour of a grade: A green, B blue, C orange, D (and anything else) grey. */
export function gradeColor(grade: string | null | undefined): string {
  switch (grade) {
    case "A":
      return "green";
    case "B":
      return "blue";
    case "C":
      return "orange";
    default:
      return "default";
  }
}

export function statusColor(status: string | null | undefined): string {
  switch (status) {
    case "new":
      return "blue";
    case "contacted":
      return "cyan";
    case "qualified":
      return "green";
    case "converted":
      return "purple";
    case "invalid":
      return "default";
    default:
      return "default";
  }
}

export interface ScoreParts {
  channel: number;
  completeness: number;
  actions: number;
  total: number;
  explain: string;
}

function num(v: unknown): number {
  return typeof v === "number" && Number.isFinite(v) ? v : 0;
}

/** The score_breakdown object of a lead, with missing parts as 0. */
export function parseBreakdown(raw: Record<string, unknown> | null | undefined, score = 0): ScoreParts {
  const b = raw ?? {};
  const channel = num(b.channel);
  const completeness = num(b.completeness);
  const actions = num(b.actions);
  const total = typeof b.total === "number" ? b.total : score;
  return { channel, completeness, actions, total, explain: typeof b.explain === "string" ? b.explain : "" };
}

export interface TraceCandidate {
  userId: string | null;
  openLeads: number | null;
  skippedReason: string | null;
}

export interface RoutingTrace {
  ruleId: string | null;
  ruleName: string | null;
  action: string | null;
  ownerId: string | null;
  zoneId: string | null;
  queue: string | null;
  reason: string | null;
  customerId: string | null;
  candidates: TraceCandidate[];
  missingFields: string[];
}

function str(v: unknown): string | null {
  return typeof v === "string" && v !== "" ? v : null;
}

/**
 * A routing trace (stored on the lead, or a dry-run decision) in one readable shape. The result
 * is an object {owner_id, zone_id, queue, reason} or, for a lead routed to a known customer's
 * owner, a plain string ("customer_owner") beside customer_id.
 */
export function parseTrace(raw: Record<string, unknown> | null | undefined): RoutingTrace {
  const t = raw ?? {};
  const result = t.result;
  const r = result && typeof result === "object" && !Array.isArray(result) ? (result as Record<string, unknown>) : {};
  const candidates = Array.isArray(t.candidates)
    ? t.candidates
        .filter((c): c is Record<string, unknown> => Boolean(c) && typeof c === "object")
        .map((c) => ({
          userId: str(c.user_id),
          openLeads: typeof c.open_leads === "number" ? c.open_leads : null,
          skippedReason: str(c.skipped_reason),
        }))
    : [];
  return {
    ruleId: str(t.rule_id),
    ruleName: str(t.rule_name),
    action: str(t.action) ?? (typeof result === "string" ? result : null),
    ownerId: str(r.owner_id),
    zoneId: str(r.zone_id),
    queue: str(r.queue),
    reason: str(r.reason),
    customerId: str(t.customer_id),
    candidates,
    missingFields: Array.isArray(t.missing_fields) ? t.missing_fields.filter((f): f is string => typeof f === "string") : [],
  };
}

/** True when the trace carries nothing worth showing (e.g. a lead created before routing existed). */
export function isEmptyTrace(t: RoutingTrace): boolean {
  return !t.ruleName && !t.action && !t.ownerId && !t.zoneId && !t.queue && !t.reason && !t.customerId && t.candidates.length === 0;
}

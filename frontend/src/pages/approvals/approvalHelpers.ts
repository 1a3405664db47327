/** Types and pure helpers of the approval inbox, a request's page and the customer's financial-information requests. */
import type { paths } from "../../api/schema";
import type { Body, Customer, Ok, Query } from "../../api/types";
import { addDays, chinaDayStart } from "../../components/chinaTime";

type P = paths;
export type ApprovalPage = Ok<P["/api/v1/approvals"]["get"]>;
export type ApprovalItem = ApprovalPage["items"][number];
export type ApprovalQuery = Query<P["/api/v1/approvals"]["get"]>;
export type ApprovalCounts = Ok<P["/api/v1/approvals/counts"]["get"]>;
export type ApprovalDetail = Ok<P["/api/v1/approvals/{request_id}"]["get"]>;
export type ApprovalStep = ApprovalDetail["steps"][number];
export type StepApprover = ApprovalStep["approvers"][number];
export type TimelineEntry = ApprovalDetail["timeline"][number];
export type ApprovalKind = ApprovalItem["kind"];
export type ApprovalStatus = ApprovalItem["status"];
export type MyTaskStatus = NonNullable<ApprovalItem["my_task"]>["status"];
export type ResubmitBody = Body<P["/api/v1/approvals/{request_id}/resubmit"]["post"]>;
export type FinanceRequestBody = Body<P["/api/v1/customers/{customer_id}/finance-requests"]["post"]>;
export type PendingApprovalRef = Customer["pending_approvals"][number];

export type Box = NonNullable<ApprovalQuery["box"]>;
export type StatusFilter = ApprovalStatus | "decided";

export const BOXES: Box[] = ["pending", "submitted", "done", "all", "admin_queue"];
export const APPROVAL_KINDS: ApprovalKind[] = [
  "customer_level_change",
  "customer_finance_change",
  "special_opportunity",
  "sample",
  "quote",
  "contract",
  "contract_change",
  "payment",
];
export const STATUS_FILTERS: StatusFilter[] = ["pending", "approved", "rejected", "withdrawn", "decided"];
export const PAGE_SIZE = 50;

export const STATUS_COLOR: Record<ApprovalStatus, string> = {
  pending: "processing",
  approved: "success",
  rejected: "error",
  withdrawn: "default",
};

/** Query keys: invalidating `all` refreshes the inbox, the counts (tab badges, menu badge) and every request's page. */
export const approvalKeys = {
  all: ["approvals"] as const,
  counts: ["approvals", "counts"] as const,
  list: (f: InboxFilters) => ["approvals", "list", f] as const,
  detail: (id: string) => ["approvals", "detail", id] as const,
};

/** The inbox's state, kept in the page's URL. */
export interface InboxFilters {
  box: Box;
  kind: ApprovalKind | null;
  status: StatusFilter | null;
  q: string;
  /** China calendar days, YYYY-MM-DD, both inclusive. */
  from: string | null;
  to: string | null;
  overdue: boolean;
}

/** No filters, the pending box. */
export const EMPTY_INBOX: InboxFilters = { box: "pending", kind: null, status: null, q: "", from: null, to: null, overdue: false };

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** The filters in a URL's search; the admin queue only for those who manage approvals. */
export function parseInbox(params: URLSearchParams, canManage: boolean): InboxFilters {
  const rawBox = params.get("box") as Box | null;
  const box: Box = rawBox && BOXES.includes(rawBox) && (rawBox !== "admin_queue" || canManage) ? rawBox : "pending";
  const kind = params.get("kind") as ApprovalKind | null;
  const status = params.get("status") as StatusFilter | null;
  const from = params.get("from");
  const to = params.get("to");
  return {
    box,
    kind: kind && APPROVAL_KINDS.includes(kind) ? kind : null,
    status: status && STATUS_FILTERS.includes(status) ? status : null,
    q: (params.get("q") ?? "").trim(),
    from: from && DAY.test(from) ? from : null,
    to: to && DAY.test(to) ? to : null,
    overdue: params.get("overdue") === "1",
  };
}

/** The filters as a URL search (defaults left out). */
export function inboxSearch(f: InboxFilters): URLSearchParams {
  const out = new URLSearchParams();
  if (f.box !== "pending") out.set("box", f.box);
  if (f.kind) out.set("kind", f.kind);
  if (f.status && f.box !== "pending") out.set("status", f.status);
  if (f.q) out.set("q", f.q);
  if (f.from) out.set("from", f.from);
  if (f.to) out.set("to", f.to);
  if (f.overdue) out.set("overdue", "1");
  return out;
}

/** GET /approvals query for the filters: days are China days (to is exclusive on the API: the next day's start);
 * the pending box is pending by definition, so it takes no status. */
export function inboxQuery(f: InboxFilters, cursor?: string | null): ApprovalQuery {
  const q: ApprovalQuery = { box: f.box, limit: PAGE_SIZE };
  if (f.kind) q.kind = f.kind;
  if (f.status && f.box !== "pending") q.status = f.status;
  if (f.q) q.q = f.q;
  if (f.from) q.submitted_from = chinaDayStart(f.from);
  if (f.to) q.submitted_to = chinaDayStart(addDays(f.to, 1));
  if (f.overdue) q.overdue = true;
  if (cursor) q.cursor = cursor;
  return q;
}

/** Whether a status filter applies to the box (the pending box holds only pending requests). */
export function showsStatusFilter(box: Box): boolean {
  return box !== "pending" && box !== "admin_queue";
}

/** The badge number shown on a tab (0: none). */
export function tabCount(box: Box, counts: ApprovalCounts | undefined): number {
  if (!counts) return 0;
  if (box === "pending") return counts.pending;
  if (box === "submitted") return counts.submitted_pending;
  if (box === "admin_queue") return counts.admin_queue;
  return 0;
}

export type Due = { state: "overdue" | "due"; at: string } | null;

/** A pending request's time limit: past it (overdue), or not yet; none when decided or unlimited. */
export function dueState(item: Pick<ApprovalItem, "status" | "due_at" | "overdue">, now: number): Due {
  if (item.status !== "pending" || !item.due_at) return null;
  const late = item.overdue || Date.parse(item.due_at) < now;
  return { state: late ? "overdue" : "due", at: item.due_at };
}

/** antd Steps status of a request's step. */
export function stepDisplayStatus(status: ApprovalStep["status"]): "wait" | "process" | "finish" | "error" {
  if (status === "approved") return "finish";
  if (status === "rejected") return "error";
  if (status === "pending") return "process";
  return "wait";
}

/** The step the Steps bar marks as current: the open one, else the last one that ran. */
export function currentStepIndex(d: Pick<ApprovalDetail, "current_step" | "steps">): number {
  if (d.current_step !== null && d.current_step !== undefined) return d.current_step;
  let last = 0;
  d.steps.forEach((s, i) => {
    if (s.status !== "not_reached") last = i;
  });
  return last;
}

/** Every user the request's page can name: the server's `people` (also those only in timeline
 * data, e.g. who delegated their place), the applicant, the steps' approvers, the timeline's actors. */
export function userNames(d: Pick<ApprovalDetail, "applicant" | "steps" | "timeline"> & { people?: ApprovalDetail["people"] }): Map<string, string> {
  const names = new Map<string, string>();
  const add = (u: { id: string; display_name: string } | null | undefined) => {
    if (u && u.display_name && !names.has(u.id)) names.set(u.id, u.display_name);
  };
  for (const u of d.people ?? []) add(u);
  add(d.applicant);
  for (const s of d.steps) for (const a of s.approvers) add(a.user);
  for (const e of d.timeline) add(e.actor);
  return names;
}

/** The approvers still to decide the open step (whose place may be delegated). */
export function pendingApprovers(d: Pick<ApprovalDetail, "steps" | "status">): StepApprover["user"][] {
  if (d.status !== "pending") return [];
  const open = d.steps.find((s) => s.status === "pending");
  return open ? open.approvers.filter((a) => a.decision === null && !a.override).map((a) => a.user) : [];
}

/** What a timeline entry says beyond its action, with user ids resolved to names where known. */
export interface TimelineDetails {
  step: string | null;
  from: string | null;
  to: string | null;
  user: string | null;
  sentBackTo: string | null;
  override: boolean;
  why: string | null;
}

export function timelineDetails(e: TimelineEntry, steps: Pick<ApprovalStep, "index" | "name">[], names: Map<string, string>): TimelineDetails {
  const stepName = (i: unknown) => (typeof i === "number" ? (steps.find((s) => s.index === i)?.name ?? `#${i + 1}`) : null);
  const who = (id: unknown) => (typeof id === "string" && id ? (names.get(id) ?? id) : null);
  const data = e.data ?? {};
  return {
    step: stepName(e.step_index),
    from: e.action === "delegated" ? who(data.from) : null,
    to: e.action === "delegated" ? who(data.to) : null,
    user: e.action === "approver_added" ? who(data.user) : null,
    sentBackTo: stepName(data.sent_back_to_step),
    override: data.override === true,
    why: typeof data.why === "string" ? data.why : null,
  };
}

/** Fields whose values are customer levels (shown by their level names). */
export function isLevelField(field: string): boolean {
  return field === "level" || field === "to_level" || field === "customer_level";
}

/** A change's value as text ("" for none). */
export function changeText(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return JSON.stringify(value);
}

// --- customer financial information ------------------------------------------------------------------

export const FINANCE_FIELDS = ["billing_title", "tax_number", "bank_name", "bank_account", "billing_address", "billing_phone"] as const;
export type FinanceField = (typeof FINANCE_FIELDS)[number];
export type FinanceValues = Record<FinanceField, string>;

/** The customer's financial information as form values ("" for none). */
export function financeValues(c: Partial<Record<FinanceField, string | null | undefined>>): FinanceValues {
  return Object.fromEntries(FINANCE_FIELDS.map((f) => [f, c[f] ?? ""])) as FinanceValues;
}

/** A value as the server stores it, for comparing: trimmed; the tax number without spaces and upper-cased,
 * the bank account without spaces and hyphens. */
export function normalizeFinance(field: FinanceField, value: string | null | undefined): string {
  const v = (value ?? "").trim();
  if (field === "tax_number") return v.replace(/\s+/g, "").toUpperCase();
  if (field === "bank_account") return v.replace(/[\s-]+/g, "");
  return v;
}

/** The fields the form changes, trimmed ("" clears a field), for POST /customers/{id}/finance-requests. */
export function financeChanges(
  current: Partial<Record<FinanceField, string | null | undefined>>,
  values: Partial<Record<FinanceField, string | null | undefined>>,
): Partial<FinanceValues> {
  const out: Partial<FinanceValues> = {};
  for (const f of FINANCE_FIELDS) {
    if (normalizeFinance(f, values[f]) !== normalizeFinance(f, current[f])) out[f] = (values[f] ?? "").trim();
  }
  return out;
}

/** A financial change's requested values over the customer's current ones (to prefill a resubmission). */
export function requestedFinance(current: Partial<Record<FinanceField, string | null | undefined>>, changes: Pick<ApprovalDetail["changes"][number], "field" | "after">[]): FinanceValues {
  const out = financeValues(current);
  for (const c of changes) {
    if ((FINANCE_FIELDS as readonly string[]).includes(c.field)) out[c.field as FinanceField] = changeText(c.after);
  }
  return out;
}

// --- a customer's pending requests -------------------------------------------------------------------

/** The customer's pending request of a kind, if any (one at a time per kind: the record is locked meanwhile). */
export function pendingOfKind(pending: PendingApprovalRef[] | null | undefined, kind: ApprovalKind): PendingApprovalRef | null {
  return (pending ?? []).find((p) => p.kind === kind) ?? null;
}

/** A pending level change's levels (from its changes: level → [before, after]). */
export function levelChangeOf(p: PendingApprovalRef): { from: string; to: string } | null {
  const pair = p.changes?.level;
  if (!Array.isArray(pair) || pair.length < 2) return null;
  return { from: changeText(pair[0]), to: changeText(pair[1]) };
}

// --- resubmitting a rejected request ------------------------------------------------------------------

export interface ResubmitForm {
  reason?: string;
  to_level?: string;
  finance?: Partial<FinanceValues>;
}

/** POST /approvals/{id}/resubmit body: the reason; a level change's level; a financial change's values that
 * differ from the customer's now (left out when none does: the request keeps its values). */
export function resubmitBody(
  kind: ApprovalKind,
  v: ResubmitForm,
  current: Partial<Record<FinanceField, string | null | undefined>>,
): ResubmitBody {
  const body: ResubmitBody = {};
  const reason = v.reason?.trim();
  if (reason) body.reason = reason;
  if (kind === "customer_level_change" && v.to_level) body.to_level = v.to_level as ResubmitBody["to_level"];
  if (kind === "customer_finance_change" && v.finance) {
    const changed = financeChanges(current, v.finance);
    if (Object.keys(changed).length) body.finance = changed;
  }
  return body;
}

/** The customer's values a financial change was measured against (its changes' before values), for when
 * the customer itself cannot be read. */
export function financeBefore(changes: Pick<ApprovalDetail["changes"][number], "field" | "before">[]): Partial<Record<FinanceField, string>> {
  const out: Partial<Record<FinanceField, string>> = {};
  for (const c of changes) {
    if ((FINANCE_FIELDS as readonly string[]).includes(c.field)) out[c.field as FinanceField] = changeText(c.before);
  }
  return out;
}

/**
 * Approval flows (审批流程): types and the pure helpers of the designer page — form values ⇄
 * API bodies (amounts and discounts stay decimal strings, never floats), one-line summaries of
 * steps, match conditions and approver rules, and where a 422 field error goes on the form.
 */
import { fieldPath, type NamePath } from "../../api/problem";
import type { paths } from "../../api/schema";
import type { Body, Ok } from "../../api/types";
import type { Resource } from "../../auth/permissions";
import type { Translate } from "../../i18n/context";
import type { MessageKey } from "../../i18n/messages";

type P = paths;
export type Flow = Ok<P["/api/v1/approval-flows/{flow_id}"]["get"]>;
export type FlowIn = Body<P["/api/v1/approval-flows"]["post"]>;
export type FlowUpdate = Body<P["/api/v1/approval-flows/{flow_id}"]["patch"]>;
export type FlowVersion = Ok<P["/api/v1/approval-flows/{flow_id}/versions"]["get"]>["items"][number];
export type PreviewIn = Body<P["/api/v1/approval-flows/preview"]["post"]>;
export type PreviewOut = Ok<P["/api/v1/approval-flows/preview"]["post"]>;
export type PreviewStep = PreviewOut["steps"][number];
export type StepIn = FlowIn["steps"][number];
export type ApproverIn = StepIn["approvers"][number];
export type ConditionIn = NonNullable<StepIn["conditions"]>[number];
export type MatchIn = NonNullable<FlowIn["match"]>;
export type RequestKind = FlowIn["kind"];
export type ApproverKind = ApproverIn["kind"];
export type Mode = NonNullable<StepIn["mode"]>;
export type RejectTarget = NonNullable<StepIn["reject_to"]>;
export type SelfApproval = NonNullable<StepIn["self_approval"]>;
export type Operator = ConditionIn["op"];
export type ConditionField = ConditionIn["field"];
export type CustomerLevel = NonNullable<PreviewIn["customer_level"]>;

/**
 * The permission resource of flow definitions (domain/access.py); auth/permissions.ts does not
 * list it yet, hence the cast.
 */
export const APPROVAL_FLOW: Resource = "approval_flow";

export const REQUEST_KINDS: RequestKind[] = [
  "customer_level_change",
  "customer_finance_change",
  "special_opportunity",
  "sample",
  "quote",
  "contract",
  "contract_change",
  "payment",
];
export const APPROVER_KINDS: ApproverKind[] = ["users", "role", "team_role", "zone_role", "manager", "owner_manager", "previous_approver_manager"];
export const MODES: Mode[] = ["any", "all"];
export const REJECT_TARGETS: RejectTarget[] = ["applicant", "previous_step"];
export const SELF_APPROVALS: SelfApproval[] = ["skip", "auto_approve"];
export const CONDITION_FIELDS: ConditionField[] = ["amount", "discount_pct", "quantity", "category", "customer_level", "to_level", "zone_id"];
export const OPERATORS: Operator[] = ["gt", "gte", "lt", "lte", "eq", "ne", "in"];
export const LEVELS: CustomerLevel[] = ["normal", "KA", "SKA"];
export const MAX_MANAGER_LEVELS = 10;
/** The longest time limit of a step (90 days). */
export const MAX_TIME_LIMIT_HOURS = 24 * 90;

const NUMERIC_FIELDS = new Set<ConditionField>(["amount", "discount_pct", "quantity"]);
const ROLE_KINDS = new Set<ApproverKind>(["role", "team_role", "zone_role"]);

/** A non-negative amount with at most 2 decimals (the API's Decimal(18, 2)). */
export const DECIMAL_RE = /^\d{1,16}(\.\d{1,2})?$/;
/** A number a condition compares with (any finite decimal). */
export const NUMBER_RE = /^-?\d+(\.\d+)?$/;

export function isNumericField(field: ConditionField | null | undefined): boolean {
  return Boolean(field && NUMERIC_FIELDS.has(field));
}

/** Numbers compare with every operator; the other fields only with eq, ne and in. */
export function operatorsFor(field: ConditionField | null | undefined): Operator[] {
  return isNumericField(field) ? OPERATORS : ["eq", "ne", "in"];
}

/** Role rules name a role; so does a kind this page does not know yet (a newer API's), kept as stored. */
export function approverNeedsRole(kind: ApproverKind | null | undefined): boolean {
  return Boolean(kind && (ROLE_KINDS.has(kind) || !APPROVER_KINDS.includes(kind)));
}

// --- form values ------------------------------------------------------------------------------

export interface ApproverForm {
  kind?: ApproverKind;
  user_ids?: string[] | null;
  role?: string | null;
  levels?: number | null;
}

export interface ConditionForm {
  field?: ConditionField;
  op?: Operator;
  /** Text (numbers too: decimals stay strings); a list for `in`. */
  value?: string | string[] | null;
}

export interface StepForm {
  name?: string | null;
  approvers?: ApproverForm[];
  mode?: Mode;
  conditions?: ConditionForm[];
  time_limit_hours?: number | null;
  escalate_to_manager?: boolean;
  reject_to?: RejectTarget;
  self_approval?: SelfApproval;
}

export interface MatchForm {
  amount_min?: string | null;
  amount_max?: string | null;
  discount_min?: string | null;
  discount_max?: string | null;
  categories?: string[] | null;
  customer_levels?: CustomerLevel[] | null;
  zone_ids?: string[] | null;
}

export interface FlowForm {
  name?: string;
  kind?: RequestKind;
  description?: string | null;
  priority?: number | null;
  is_active?: boolean;
  match?: MatchForm;
  steps?: StepForm[];
}

export interface PreviewForm {
  kind?: RequestKind;
  applicant_id?: string | null;
  owner_id?: string | null;
  amount?: string | null;
  quantity?: string | null;
  discount_pct?: string | null;
  category?: string | null;
  customer_level?: CustomerLevel | null;
  to_level?: CustomerLevel | null;
  zone_id?: string | null;
}

export function newApprover(kind: ApproverKind = "manager"): ApproverForm {
  return kind === "manager" ? { kind, levels: 1 } : kind === "users" ? { kind, user_ids: [] } : { kind };
}

export function newStep(): StepForm {
  return {
    name: "",
    approvers: [newApprover()],
    mode: "any",
    conditions: [],
    time_limit_hours: null,
    escalate_to_manager: false,
    reject_to: "applicant",
    self_approval: "skip",
  };
}

export function newCondition(): ConditionForm {
  return { field: "amount", op: "gte", value: "" };
}

export function newFlowForm(kind: RequestKind = "sample"): FlowForm {
  return {
    name: "",
    kind,
    description: "",
    priority: 0,
    is_active: true,
    match: { amount_min: null, amount_max: null, discount_min: null, discount_max: null, categories: [], customer_levels: [], zone_ids: [] },
    steps: [newStep()],
  };
}

// --- stored definition → form -----------------------------------------------------------------

type Json = Record<string, unknown>;

function asObject(v: unknown): Json {
  return v && typeof v === "object" && !Array.isArray(v) ? (v as Json) : {};
}

function asList(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

/** A stored decimal (a string, or a number from an older client) as text; none → null. */
function decimalText(v: unknown): string | null {
  if (v === null || v === undefined || v === "") return null;
  return String(v);
}

function strings(v: unknown): string[] {
  return asList(v).map(String);
}

function approverToForm(raw: unknown): ApproverForm {
  const a = asObject(raw);
  const kind = String(a.kind ?? "manager") as ApproverKind;
  return {
    kind,
    user_ids: strings(a.user_ids),
    role: typeof a.role === "string" ? a.role : null,
    levels: typeof a.levels === "number" ? a.levels : 1,
  };
}

function conditionToForm(raw: unknown): ConditionForm {
  const c = asObject(raw);
  const value = Array.isArray(c.value) ? c.value.map(String) : (decimalText(c.value) ?? "");
  return { field: c.field as ConditionField, op: c.op as Operator, value };
}

/** A stored step (a JSON object of the flow's definition) as editor values. */
export function stepToForm(raw: unknown): StepForm {
  const s = asObject(raw);
  return {
    name: typeof s.name === "string" ? s.name : "",
    approvers: asList(s.approvers).map(approverToForm),
    mode: (s.mode as Mode) ?? "any",
    conditions: asList(s.conditions).map(conditionToForm),
    time_limit_hours: typeof s.time_limit_hours === "number" ? s.time_limit_hours : null,
    escalate_to_manager: Boolean(s.escalate_to_manager),
    reject_to: (s.reject_to as RejectTarget) ?? "applicant",
    self_approval: (s.self_approval as SelfApproval) ?? "skip",
  };
}

export function matchToForm(raw: unknown): MatchForm {
  const m = asObject(raw);
  return {
    amount_min: decimalText(m.amount_min),
    amount_max: decimalText(m.amount_max),
    discount_min: decimalText(m.discount_min),
    discount_max: decimalText(m.discount_max),
    categories: strings(m.categories),
    customer_levels: strings(m.customer_levels) as CustomerLevel[],
    zone_ids: strings(m.zone_ids),
  };
}

export function flowToForm(flow: Pick<Flow, "name" | "kind" | "description" | "priority" | "is_active" | "match" | "steps">): FlowForm {
  return {
    name: flow.name,
    kind: flow.kind,
    description: flow.description ?? "",
    priority: flow.priority,
    is_active: flow.is_active,
    match: matchToForm(flow.match),
    steps: flow.steps.map(stepToForm),
  };
}

// --- form → API body --------------------------------------------------------------------------

/** Trimmed text, or null when empty. Decimals stay strings: the API reads them as Decimal. */
export function textOrNull(v: string | null | undefined): string | null {
  const s = (v ?? "").trim();
  return s ? s : null;
}

function listOrNull<T extends string>(values: T[] | null | undefined): T[] | null {
  const out = [...new Set((values ?? []).map((v) => v.trim() as T).filter(Boolean))];
  return out.length ? out : null;
}

export function matchBody(m: MatchForm | undefined): MatchIn {
  return {
    amount_min: textOrNull(m?.amount_min),
    amount_max: textOrNull(m?.amount_max),
    discount_min: textOrNull(m?.discount_min),
    discount_max: textOrNull(m?.discount_max),
    categories: listOrNull(m?.categories),
    customer_levels: listOrNull(m?.customer_levels),
    zone_ids: listOrNull(m?.zone_ids),
  };
}

export function approverBody(a: ApproverForm): ApproverIn {
  const kind = a.kind ?? "manager";
  return {
    kind,
    user_ids: kind === "users" ? [...new Set(a.user_ids ?? [])] : [],
    role: approverNeedsRole(kind) ? textOrNull(a.role) : null,
    levels: kind === "manager" ? (a.levels ?? 1) : 1,
  };
}

/** A condition's value: a list for `in`, one value otherwise; numbers as decimal strings. */
export function conditionValue(op: Operator | undefined, value: string | string[] | null | undefined): string | string[] {
  const list = (Array.isArray(value) ? value : value === null || value === undefined ? [] : [value]).map((v) => String(v).trim()).filter(Boolean);
  return op === "in" ? [...new Set(list)] : (list[0] ?? "");
}

export function conditionBody(c: ConditionForm): ConditionIn {
  const field = c.field ?? "amount";
  const op = c.op ?? "eq";
  return { field, op, value: conditionValue(op, c.value) };
}

export function stepBody(s: StepForm): StepIn {
  const limit = s.time_limit_hours ?? null;
  return {
    name: (s.name ?? "").trim(),
    approvers: (s.approvers ?? []).map(approverBody),
    mode: s.mode ?? "any",
    conditions: (s.conditions ?? []).map(conditionBody),
    time_limit_hours: limit,
    // escalation needs a time limit: without one it is off
    escalate_to_manager: limit !== null && Boolean(s.escalate_to_manager),
    reject_to: s.reject_to ?? "applicant",
    self_approval: s.self_approval ?? "skip",
  };
}

/** The POST body of a new flow. */
export function flowBody(v: FlowForm): FlowIn {
  return {
    name: (v.name ?? "").trim(),
    kind: v.kind ?? "sample",
    description: textOrNull(v.description),
    priority: v.priority ?? 0,
    is_active: v.is_active ?? true,
    match: matchBody(v.match),
    steps: (v.steps ?? []).map(stepBody),
  };
}

/** Whether the match or the steps differ (saving then makes a new version). */
export function definitionChanged(before: FlowForm, after: FlowForm): boolean {
  const a = flowBody(before);
  const b = flowBody(after);
  return JSON.stringify([a.match, a.steps]) !== JSON.stringify([b.match, b.steps]);
}

/**
 * The PATCH body of an edit: name, description, priority and active always (they apply at
 * once); the match and steps only when they changed, as they make a new version.
 */
export function flowUpdateBody(before: FlowForm, after: FlowForm): FlowUpdate {
  const body = flowBody(after);
  const out: FlowUpdate = { name: body.name, description: body.description, priority: body.priority, is_active: body.is_active };
  if (definitionChanged(before, after)) {
    out.match = body.match;
    out.steps = body.steps;
  }
  return out;
}

export function previewBody(v: PreviewForm): PreviewIn {
  return {
    kind: v.kind ?? "sample",
    applicant_id: v.applicant_id ?? "",
    owner_id: v.owner_id || null,
    amount: textOrNull(v.amount),
    quantity: textOrNull(v.quantity),
    discount_pct: textOrNull(v.discount_pct),
    category: textOrNull(v.category),
    customer_level: v.customer_level || null,
    to_level: v.to_level || null,
    zone_id: v.zone_id || null,
  };
}

// --- summaries --------------------------------------------------------------------------------

export interface SummaryLabels {
  /** A role's display label by its name. */
  role?: (name: string) => string;
  /** A sales zone's name by its id. */
  zone?: (id: string) => string;
}

const OP_SYMBOLS: Record<Operator, string> = { gt: ">", gte: "≥", lt: "<", lte: "≤", eq: "=", ne: "≠", in: "∈" };

export function kindLabel(t: Translate, kind: string): string {
  return REQUEST_KINDS.includes(kind as RequestKind) ? t(`approvalKind.${kind}` as MessageKey) : kind;
}

function levelLabel(t: Translate, level: string): string {
  return LEVELS.includes(level as CustomerLevel) ? t(`customer.level.${level}` as MessageKey) : level;
}

export function approverSummary(a: ApproverForm, t: Translate, labels: SummaryLabels = {}): string {
  const role = (name: string | null | undefined) => (name ? (labels.role?.(name) ?? name) : "?");
  switch (a.kind) {
    case "users":
      return t("approvalFlow.summary.users", { n: a.user_ids?.length ?? 0 });
    case "role":
      return t("approvalFlow.summary.role", { role: role(a.role) });
    case "team_role":
      return t("approvalFlow.summary.teamRole", { role: role(a.role) });
    case "zone_role":
      return t("approvalFlow.summary.zoneRole", { role: role(a.role) });
    case "manager":
      return (a.levels ?? 1) > 1 ? t("approvalFlow.summary.managerUp", { n: a.levels ?? 1 }) : t("approvalFlow.approverKind.manager");
    case "owner_manager":
    case "previous_approver_manager":
      return t(`approvalFlow.approverKind.${a.kind}`);
    default:
      return a.role ? `${String(a.kind)} ${role(a.role)}` : String(a.kind ?? "?");
  }
}

function valueText(field: ConditionField | undefined, value: string, t: Translate, labels: SummaryLabels): string {
  if (field === "customer_level" || field === "to_level") return levelLabel(t, value);
  if (field === "zone_id") return labels.zone?.(value) ?? value;
  if (field === "discount_pct") return `${value}%`;
  return value;
}

export function conditionSummary(c: ConditionForm, t: Translate, labels: SummaryLabels = {}): string {
  const field = c.field ? t(`approvalFlow.field.${c.field}`) : "?";
  const op = c.op ? OP_SYMBOLS[c.op] : "?";
  const raw = conditionValue(c.op, c.value);
  const values = (Array.isArray(raw) ? raw : [raw]).map((v) => valueText(c.field, v, t, labels));
  return `${field} ${op} ${c.op === "in" ? `{${values.join(", ")}}` : values[0]}`;
}

/** "经理：申请人的上级 · 或签 · 当 金额 ≥ 10000 · 限时 24 小时" */
export function stepSummary(s: StepForm, index: number, t: Translate, labels: SummaryLabels = {}): string {
  const name = s.name?.trim() || t("approvalFlow.stepN", { n: index + 1 });
  const approvers = (s.approvers ?? []).map((a) => approverSummary(a, t, labels)).join(" + ") || "?";
  const parts = [t("approvalFlow.labelled", { label: name, text: approvers }), t(`approvalFlow.mode.${s.mode ?? "any"}`)];
  const conditions = s.conditions ?? [];
  if (conditions.length) parts.push(t("approvalFlow.summary.when", { conditions: conditions.map((c) => conditionSummary(c, t, labels)).join(t("approvalFlow.summary.and")) }));
  if (s.time_limit_hours) parts.push(t("approvalFlow.summary.timeLimit", { n: s.time_limit_hours }));
  return parts.join(" · ");
}

/** One line per step of a stored definition. */
export function stepsSummary(steps: unknown[], t: Translate, labels: SummaryLabels = {}): string[] {
  return steps.map((s, i) => `${i + 1}. ${stepSummary(stepToForm(s), i, t, labels)}`);
}

/** The match conditions as short phrases ("金额 ≥ 10000", "客户等级：KA, SKA"); none → "any". */
export function matchSummary(raw: unknown, t: Translate, labels: SummaryLabels = {}): string[] {
  const m = matchToForm(raw);
  const out: string[] = [];
  const range = (label: MessageKey, low: string | null | undefined, high: string | null | undefined, unit = "") => {
    if (low) out.push(`${t(label)} ≥ ${low}${unit}`);
    if (high) out.push(`${t(label)} < ${high}${unit}`);
  };
  range("approvalFlow.field.amount", m.amount_min, m.amount_max);
  range("approvalFlow.field.discount_pct", m.discount_min, m.discount_max, "%");
  if (m.categories?.length) out.push(t("approvalFlow.labelled", { label: t("approvalFlow.field.category"), text: m.categories.join(", ") }));
  if (m.customer_levels?.length) out.push(t("approvalFlow.labelled", { label: t("approvalFlow.field.customer_level"), text: m.customer_levels.map((l) => levelLabel(t, l)).join(", ") }));
  if (m.zone_ids?.length) out.push(t("approvalFlow.labelled", { label: t("approvalFlow.field.zone_id"), text: m.zone_ids.map((z) => labels.zone?.(z) ?? z).join(", ") }));
  return out.length ? out : [t("approvalFlow.matchAny")];
}

// --- server errors ----------------------------------------------------------------------------

const TOP_FIELDS = new Set(["name", "kind", "description", "priority", "is_active"]);
const MATCH_FIELDS = new Set(["amount_min", "amount_max", "discount_min", "discount_max", "categories", "customer_levels", "zone_ids"]);
const STEP_FIELDS = new Set(["name", "mode", "time_limit_hours", "escalate_to_manager", "reject_to", "self_approval"]);
const APPROVER_FIELDS = new Set(["kind", "role", "levels", "user_ids"]);
const CONDITION_FIELDS_SET = new Set(["field", "op", "value"]);

/**
 * The editor field an API error names ("steps.1.approvers.0.role" → the role of the first
 * approver rule of step 2; "match.zone_ids.2" → the zones), or null when the error is about a
 * whole step, the match or the flow (shown as an alert instead).
 */
export function formFieldOf(field: string): NamePath | null {
  const p = fieldPath(field);
  const [head, i, key, j, sub] = p;
  if (p.length === 1 && TOP_FIELDS.has(String(head))) return [String(head)];
  if (head === "match" && typeof i === "string" && MATCH_FIELDS.has(i)) return ["match", i];
  if (head !== "steps" || typeof i !== "number" || typeof key !== "string") return null;
  if (p.length === 3 && STEP_FIELDS.has(key)) return ["steps", i, key];
  if (typeof j !== "number") return null;
  if (key === "approvers" && typeof sub === "string" && APPROVER_FIELDS.has(sub)) return ["steps", i, "approvers", j, sub];
  // a condition's own validation (e.g. "`in` takes a list") is about its value
  if (key === "conditions") return ["steps", i, "conditions", j, typeof sub === "string" && CONDITION_FIELDS_SET.has(sub) ? sub : "value"];
  return null;
}

/** Where an error the form cannot show is: "步骤 2", "匹配条件", or the raw field. */
export function errorPlace(field: string, t: Translate): string {
  const p = fieldPath(field);
  if (p[0] === "steps" && typeof p[1] === "number") return t("approvalFlow.stepN", { n: p[1] + 1 });
  if (p[0] === "steps") return t("approvalFlow.steps");
  if (p[0] === "match") return t("approvalFlow.match");
  return p.join(".");
}

/** Whether the form's registered values (`form.getFieldsValue()`) hold a field at `path`. */
export function hasField(values: unknown, path: NamePath): boolean {
  let cur: unknown = values;
  for (const key of path) {
    if (cur === null || typeof cur !== "object" || !(key in (cur as object))) return false;
    cur = (cur as Record<string | number, unknown>)[key];
  }
  return true;
}

// --- decimals without floats ----------------------------------------------------------------

function scaled(s: string, places: number): bigint {
  const negative = s.startsWith("-");
  const [whole = "0", fraction = ""] = s.replace(/^[-+]/, "").split(".");
  const n = BigInt(whole + fraction.padEnd(places, "0"));
  return negative ? -n : n;
}

/** a < b for decimal texts (e.g. "99999.99" < "100000"), compared exactly. */
export function decimalBelow(a: string, b: string): boolean {
  const places = Math.max(a.split(".")[1]?.length ?? 0, b.split(".")[1]?.length ?? 0);
  return scaled(a.trim(), places) < scaled(b.trim(), places);
}

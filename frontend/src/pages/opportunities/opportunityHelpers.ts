/**
 * Types and pure helpers of the opportunity pages (list, kanban, forms, stage moves): the
 * list filters ⇄ URL ⇄ API query, money display without floats, the 422 "what is missing"
 * grouping, and the bodies the forms send.
 */
import type { Body, Ok, Permissions, Query } from "../../api/types";
import type { paths } from "../../api/schema";
import { ApiError, type Problem } from "../../api/problem";
import type { Translate } from "../../i18n/context";
import dayjs, { type Dayjs } from "dayjs";

type P = paths;

export type OpportunityPage = Ok<P["/api/v1/opportunities"]["get"]>;
export type OpportunityItem = OpportunityPage["items"][number];
export type OpportunityQuery = Query<P["/api/v1/opportunities"]["get"]>;
export type OpportunitySort = NonNullable<OpportunityQuery["sort"]>;
export type OpportunityDetail = Ok<P["/api/v1/opportunities/{opportunity_id}"]["get"]>;
export type OpportunityCreate = Body<P["/api/v1/opportunities"]["post"]>;
export type RegistrationIn = Body<P["/api/v1/opportunity-registrations"]["post"]>;
export type StageMoveIn = Body<P["/api/v1/opportunities/{opportunity_id}/stage"]["post"]>;
export type Board = Ok<P["/api/v1/opportunities/board"]["get"]>;
export type BoardStage = Board["stages"][number];
export type BoardQuery = Query<P["/api/v1/opportunities/board"]["get"]>;
export type LostReason = Ok<P["/api/v1/opportunities/lost-reasons"]["get"]>["items"][number];
export type BusinessLine = Ok<P["/api/v1/business-lines"]["get"]>["items"][number];
export type PipelineStage = BusinessLine["stages"][number];
export type Competitor = Ok<P["/api/v1/competitors"]["get"]>["items"][number];
export type ProductLine = NonNullable<OpportunityCreate["products"]>[number];

export const STATUSES = ["open", "won", "lost"] as const;
export const SOURCES = ["lead", "registration", "import", "manual"] as const;
export const GRADES = ["A", "B", "C"] as const;
export const SPECIAL_KINDS = ["key_customer", "multi_party_bidding", "cross_zone"] as const;
export const CURRENCIES = ["CNY", "USD", "EUR", "HKD", "JPY"] as const;
export const COMPANY_SIZES = ["1-19", "20-99", "100-499", "500-999", "1000+"] as const;
export const SORTS: OpportunitySort[] = [
  "-updated_at",
  "-created_at",
  "-amount",
  "amount",
  "expected_close_date",
  "-expected_close_date",
  "name",
];
export const DEFAULT_SORT: OpportunitySort = "-updated_at";

/** A decimal amount as the API takes it: digits, at most two decimals (no float round trip). */
export const AMOUNT_PATTERN = /^\d{1,16}(\.\d{1,2})?$/;

// --- money -------------------------------------------------------------------------------------

const SYMBOLS: Record<string, string> = { CNY: "¥", USD: "$", EUR: "€", HKD: "HK$", JPY: "JP¥" };

/** "1234567.5" → "¥1,234,567.50": groups the digits of the decimal string itself, never a float. */
export function fmtAmount(value: string | number | null | undefined, currency = "CNY"): string {
  if (value === null || value === undefined || value === "") return "";
  const raw = String(value).trim();
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(raw);
  if (!m) return raw;
  const [, sign, int, frac = ""] = m;
  const grouped = int!.replace(/^0+(?=\d)/, "").replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  const cents = (frac + "00").slice(0, Math.max(2, frac.length));
  const symbol = SYMBOLS[currency] ?? `${currency} `;
  return `${sign}${symbol}${grouped}.${cents}`;
}

/** "30.00" → "30%". */
export function fmtRate(rate: string | number | null | undefined): string {
  if (rate === null || rate === undefined || rate === "") return "";
  const s = String(rate).replace(/\.0+$/, "").replace(/(\.\d*?)0+$/, "$1");
  return `${s}%`;
}

// --- list filters ------------------------------------------------------------------------------

/** The list's filters as kept in the URL (all strings; booleans as "1"). */
export interface ListFilters {
  business_line_id?: string;
  stage_id?: string;
  status?: string;
  owner_id?: string;
  grade?: string;
  source?: string;
  close_from?: string;
  close_to?: string;
  amount_min?: string;
  amount_max?: string;
  q?: string;
  queue?: boolean;
  conflict?: boolean;
  mine?: boolean;
  sort?: OpportunitySort;
}

const TEXT_KEYS = [
  "business_line_id",
  "stage_id",
  "status",
  "owner_id",
  "grade",
  "source",
  "close_from",
  "close_to",
  "amount_min",
  "amount_max",
  "q",
] as const;
const FLAG_KEYS = ["queue", "conflict", "mine"] as const;

export function filtersFromSearch(params: URLSearchParams): ListFilters {
  const f: ListFilters = {};
  for (const k of TEXT_KEYS) {
    const v = params.get(k)?.trim();
    if (v) f[k] = v;
  }
  for (const k of FLAG_KEYS) if (params.get(k) === "1") f[k] = true;
  const sort = params.get("sort") as OpportunitySort | null;
  if (sort && SORTS.includes(sort)) f.sort = sort;
  return f;
}

export function filtersToSearch(f: ListFilters): URLSearchParams {
  const params = new URLSearchParams();
  for (const k of TEXT_KEYS) {
    const v = f[k]?.trim();
    if (v) params.set(k, v);
  }
  for (const k of FLAG_KEYS) if (f[k]) params.set(k, "1");
  if (f.sort && f.sort !== DEFAULT_SORT) params.set("sort", f.sort);
  return params;
}

/** The API query of the list (GET /opportunities): only what is set; amounts stay strings. */
export function listQuery(f: ListFilters, cursor: string | null = null, limit = 50): OpportunityQuery {
  const q: Record<string, unknown> = { sort: f.sort ?? DEFAULT_SORT, limit };
  for (const k of TEXT_KEYS) {
    const v = f[k]?.trim();
    if (v) q[k] = v;
  }
  for (const k of FLAG_KEYS) if (f[k]) q[k] = true;
  if (cursor) q.cursor = cursor;
  return q as OpportunityQuery;
}

/** The kanban's filters (kept in the URL too). */
export interface BoardFilters {
  business_line_id?: string;
  owner_id?: string;
  mine?: boolean;
  q?: string;
}

export function boardFiltersFromSearch(params: URLSearchParams): BoardFilters {
  const f: BoardFilters = {};
  for (const k of ["business_line_id", "owner_id", "q"] as const) {
    const v = params.get(k)?.trim();
    if (v) f[k] = v;
  }
  if (params.get("mine") === "1") f.mine = true;
  return f;
}

export function boardFiltersToSearch(f: BoardFilters): URLSearchParams {
  const params = new URLSearchParams();
  for (const k of ["business_line_id", "owner_id", "q"] as const) {
    const v = f[k]?.trim();
    if (v) params.set(k, v);
  }
  if (f.mine) params.set("mine", "1");
  return params;
}

export function boardQuery(f: BoardFilters, perStage = 20): BoardQuery {
  const q: Record<string, unknown> = { per_stage: perStage };
  if (f.business_line_id) q.business_line_id = f.business_line_id;
  if (f.owner_id) q.owner_id = f.owner_id;
  if (f.mine) q.mine = true;
  if (f.q?.trim()) q.q = f.q.trim();
  return q as BoardQuery;
}

// --- business lines ----------------------------------------------------------------------------

/** Active lines, the default first, then by position. */
export function orderedLines(lines: BusinessLine[]): BusinessLine[] {
  return lines
    .filter((l) => l.is_active)
    .sort((a, b) => Number(b.is_default) - Number(a.is_default) || a.position - b.position || a.name.localeCompare(b.name));
}

export function defaultLine(lines: BusinessLine[]): BusinessLine | undefined {
  return orderedLines(lines)[0];
}

/** The open, active stages an opportunity may start in, in order. */
export function openStages(line: BusinessLine | undefined): PipelineStage[] {
  return (line?.stages ?? []).filter((s) => s.kind === "open" && s.is_active).sort((a, b) => a.position - b.position);
}

// --- stage moves -------------------------------------------------------------------------------

export interface Missing {
  stage: string;
  kind: string;
  item: string;
  message: string;
}

export const STAGE_CRITERIA_TYPE = "stage-criteria-not-met";

/** A 422 stage-criteria-not-met answer, with the unmet criteria it lists. */
export class StageCriteriaError extends ApiError {
  readonly missing: Missing[];

  constructor(problem: Problem, missing: Missing[]) {
    super(problem);
    this.name = "StageCriteriaError";
    this.missing = missing;
  }
}

export function isStageCriteriaError(e: unknown): e is StageCriteriaError {
  return e instanceof StageCriteriaError;
}

function asMissing(x: unknown): Missing | null {
  if (!x || typeof x !== "object") return null;
  const m = x as Record<string, unknown>;
  if (typeof m.message !== "string") return null;
  return { stage: String(m.stage ?? ""), kind: String(m.kind ?? ""), item: String(m.item ?? ""), message: m.message };
}

/** Turns an error answer into a StageCriteriaError when it is one, else a plain ApiError. */
export function moveError(response: Response, body: unknown): ApiError {
  const base = ApiError.from(response, body);
  const b = (body ?? {}) as Record<string, unknown>;
  const type = typeof b.type === "string" ? b.type : "";
  if (response.status === 422 && (type.endsWith(`/${STAGE_CRITERIA_TYPE}`) || type === STAGE_CRITERIA_TYPE) && Array.isArray(b.missing)) {
    return new StageCriteriaError(
      base.problem,
      b.missing.map(asMissing).filter((m): m is Missing => m !== null),
    );
  }
  return base;
}

export interface MissingGroup {
  code: string;
  name: string;
  items: Missing[];
}

/** The missing criteria grouped by stage, in the line's stage order (unknown codes last). */
export function groupMissing(missing: Missing[], stages: { code: string; name: string; position?: number }[]): MissingGroup[] {
  const order = new Map(stages.map((s, i) => [s.code, s.position ?? i]));
  const names = new Map(stages.map((s) => [s.code, s.name]));
  const groups = new Map<string, MissingGroup>();
  for (const m of missing) {
    const g = groups.get(m.stage) ?? { code: m.stage, name: names.get(m.stage) ?? m.stage, items: [] };
    g.items.push(m);
    groups.set(m.stage, g);
  }
  return [...groups.values()].sort((a, b) => (order.get(a.code) ?? 1e9) - (order.get(b.code) ?? 1e9));
}

/** Won and lost targets need their own data (deal / reason) before the move is sent. */
export function needsDialog(kind: string): boolean {
  return kind === "won" || kind === "lost";
}

export interface WonValues {
  amount: string;
  signed_on: string;
  contract_number?: string;
}

export interface LostValues {
  reason: string;
  competitor?: string;
  note?: string;
}

export interface MoveValues {
  won?: WonValues;
  lost?: LostValues;
  note?: string;
}

/** The stage-move body for a target stage, with the won or lost data it needs. A competitor
 * typed by name goes as competitor_id when it is one of the known `competitors`, else by name
 * (the server finds it by its normalised name or creates it). */
export function moveBody(target: { id: string; kind: string }, values: MoveValues = {}, competitors: Competitor[] = []): StageMoveIn {
  const body: StageMoveIn = { stage_id: target.id };
  const note = values.note?.trim();
  if (note) body.note = note;
  if (target.kind === "won" && values.won) {
    const contract = values.won.contract_number?.trim();
    body.won = { amount: values.won.amount.trim(), signed_on: values.won.signed_on, ...(contract ? { contract_number: contract } : {}) };
  }
  if (target.kind === "lost" && values.lost) {
    const name = values.lost.competitor?.trim();
    const known = name ? competitors.find((c) => c.name === name) : undefined;
    const lostNote = values.lost.note?.trim();
    body.lost = {
      reason: values.lost.reason,
      ...(known ? { competitor_id: known.id } : name ? { competitor_name: name } : {}),
      ...(lostNote ? { note: lostNote } : {}),
    };
  }
  return body;
}

// --- permissions -------------------------------------------------------------------------------

/** Managers (creating beyond their own, or reassigning) pick the owner and starting stage. */
export function managesOpportunities(perms: Permissions | undefined | null): boolean {
  const scope = perms?.opportunity?.create;
  return Boolean(perms?.opportunity?.reassign) || (Boolean(scope) && scope !== "own");
}

/** Sees more than their own opportunities (so an owner filter makes sense). */
export function seesOthers(perms: Permissions | undefined | null): boolean {
  const scope = perms?.opportunity?.read;
  return Boolean(scope) && scope !== "own";
}

// --- form bodies -------------------------------------------------------------------------------

export interface ProductRow {
  name?: string;
  quantity?: number | null;
}

/** The opportunity fields the create and registration forms share. */
export interface OpportunityFormValues {
  name: string;
  business_line_id?: string;
  amount?: string;
  currency?: string;
  expected_close_date?: string;
  products?: ProductRow[];
  product?: string;
  priority?: "key" | "normal";
  next_step?: string;
  description?: string;
  special_kind?: string;
  special_reason?: string;
}

function text(v: string | null | undefined): string | undefined {
  const s = v?.trim();
  return s ? s : undefined;
}

/** Form values → the shared part of a create/registration body: trimmed, empty fields left out,
 * the amount passed as the string typed (a Decimal on the server). */
export function opportunityFields(v: OpportunityFormValues): Omit<OpportunityCreate, "customer_id"> {
  const out: Record<string, unknown> = { name: v.name.trim() };
  const amount = text(v.amount);
  if (amount) out.amount = amount;
  if (v.currency) out.currency = v.currency;
  if (v.business_line_id) out.business_line_id = v.business_line_id;
  if (v.expected_close_date) out.expected_close_date = v.expected_close_date;
  const products = (v.products ?? [])
    .filter((p) => text(p.name))
    .map((p) => ({ name: p.name!.trim(), ...(p.quantity ? { quantity: p.quantity } : {}) }));
  if (products.length) out.products = products;
  for (const k of ["product", "next_step", "description"] as const) {
    const s = text(v[k]);
    if (s) out[k] = s;
  }
  if (v.priority) out.priority = v.priority;
  if (v.special_kind) {
    out.special_kind = v.special_kind;
    const reason = text(v.special_reason);
    if (reason) out.special_reason = reason;
  }
  return out as Omit<OpportunityCreate, "customer_id">;
}

export interface CreateValues extends OpportunityFormValues {
  customer_id: string;
  owner_id?: string | null;
  stage_id?: string | null;
}

/** New-opportunity form values → POST /opportunities body. */
export function createBody(v: CreateValues): OpportunityCreate {
  return {
    customer_id: v.customer_id,
    ...opportunityFields(v),
    ...(v.owner_id ? { owner_id: v.owner_id } : {}),
    ...(v.stage_id ? { stage_id: v.stage_id } : {}),
  };
}

export interface CompanyValues {
  name: string;
  uscc?: string;
  region?: string[];
  industry?: string;
  company_size?: string;
  address?: string;
  contact_name?: string;
  contact_title?: string;
  contact_mobile?: string;
}

export function companyBody(c: CompanyValues): NonNullable<RegistrationIn["company"]> {
  const out: Record<string, unknown> = { name: c.name.trim() };
  for (const k of ["uscc", "industry", "company_size", "address", "contact_name", "contact_title", "contact_mobile"] as const) {
    const s = text(c[k]);
    if (s) out[k] = k === "uscc" ? s.toUpperCase() : s;
  }
  const [province, city] = c.region ?? [];
  if (province) out.province_code = province;
  if (city) out.city_code = city;
  return out as NonNullable<RegistrationIn["company"]>;
}

// --- form field helpers ------------------------------------------------------------------------

/** Keeps a date field as "YYYY-MM-DD" in the form values while the picker works with dayjs. */
export const dateField = {
  getValueProps: (v: string | undefined) => ({ value: v ? dayjs(v) : undefined }),
  normalize: (d: Dayjs | null | undefined) => (d ? d.format("YYYY-MM-DD") : undefined),
};

/** An amount typed as text: digits with at most two decimals, sent as that very string. */
export function amountRules(t: Translate, required = false) {
  return [
    ...(required ? [{ required: true, message: t("opportunity.amountInvalid") }] : []),
    { pattern: AMOUNT_PATTERN, message: t("opportunity.amountInvalid") },
  ];
}

export interface RegistrationValues extends OpportunityFormValues {
  mode: "customer" | "company";
  customer_id?: string;
  company?: CompanyValues;
}

/** Registration form values → POST /opportunity-registrations body (a customer or a company). */
export function registrationBody(v: RegistrationValues): RegistrationIn {
  const fields = opportunityFields(v);
  return v.mode === "customer" ? { ...fields, customer_id: v.customer_id } : { ...fields, company: companyBody(v.company ?? { name: "" }) };
}

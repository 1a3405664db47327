/**
 * The opportunity detail page's types (taken from the generated API by path) and its pure
 * helpers: the current stage's exit-criteria checklist, the 422 "criteria not met" reading,
 * money and duration formatting, and the decision chain as an org-chart tree.
 */
import type { paths } from "../../api/schema";
import type { Body, Ok } from "../../api/types";

type P = paths;
type OPP = "/api/v1/opportunities/{opportunity_id}";

export type Opportunity = Ok<P[OPP]["get"]>;
export type OpportunityUpdate = Body<P[OPP]["patch"]>;
export type StagePath = Opportunity["path"][number];
export type Missing = StagePath["unmet"][number];
export type History = Ok<P["/api/v1/opportunities/{opportunity_id}/history"]["get"]>;
export type SpecialKind = Body<P["/api/v1/opportunities/{opportunity_id}/special"]["post"]>["special_kind"];
export type ConflictResolution = Body<P["/api/v1/opportunities/{opportunity_id}/conflict"]["post"]>["resolution"];

export type TeamOut = Ok<P["/api/v1/opportunities/{opportunity_id}/members"]["get"]>;
export type Member = TeamOut["items"][number];
export type PersonCard = NonNullable<TeamOut["owner"]>;
export type MemberRole = Member["role"];

export type DecisionChain = Ok<P["/api/v1/opportunities/{opportunity_id}/decision-chain"]["get"]>;
export type ChainEntry = DecisionChain["items"][number];
export type ChainChart = DecisionChain["chart"];
export type ChainEntryIn = Body<P["/api/v1/opportunities/{opportunity_id}/decision-chain"]["post"]>;
export type ChainEntryPatch = Body<P["/api/v1/opportunities/{opportunity_id}/decision-chain/{entry_id}"]["patch"]>;

export type Bid = Ok<P["/api/v1/opportunities/{opportunity_id}/competitors"]["get"]>["items"][number];
export type BidIn = Body<P["/api/v1/opportunities/{opportunity_id}/competitors"]["post"]>;
export type BidPatch = Body<P["/api/v1/opportunities/{opportunity_id}/competitors/{entry_id}"]["patch"]>;
export type CompetitorItem = Ok<P["/api/v1/competitors"]["get"]>["items"][number];

export type RequirementList = Ok<P["/api/v1/opportunities/{opportunity_id}/requirements"]["get"]>;
export type Requirement = RequirementList["items"][number];
export type RequirementCreate = Body<P["/api/v1/opportunities/{opportunity_id}/requirements"]["post"]>;

export type DocumentItem = Ok<P["/api/v1/opportunities/{opportunity_id}/documents"]["get"]>["items"][number];
export type DocumentVersion = DocumentItem["versions"][number];
export type DocumentUploadBody =
  P["/api/v1/opportunities/{opportunity_id}/documents"]["post"]["requestBody"]["content"]["multipart/form-data"];
export type VersionUploadBody =
  P["/api/v1/opportunities/{opportunity_id}/documents/{document_id}/versions"]["post"]["requestBody"]["content"]["multipart/form-data"];
export type DocumentKind = DocumentItem["kind"];

export type Sample = Ok<P["/api/v1/opportunities/{opportunity_id}/samples"]["get"]>["items"][number];
export type SampleCreate = Body<P["/api/v1/opportunities/{opportunity_id}/samples"]["post"]>;

export type OppFollowUp = Ok<P["/api/v1/opportunities/{opportunity_id}/follow-ups"]["get"]>["items"][number];
export type OppFollowUpCreate = Body<P["/api/v1/opportunities/{opportunity_id}/follow-ups"]["post"]>;
export type OppTask = Ok<P["/api/v1/opportunities/{opportunity_id}/tasks"]["get"]>["items"][number];

export const MEMBER_ROLES: MemberRole[] = ["sales", "presales", "marketing", "service", "other"];
export const DECISION_ROLES = ["decision_maker", "champion", "influencer", "user", "gatekeeper", "other"] as const;
export const ATTITUDES = ["supporter", "neutral", "opponent"] as const;
export const INFLUENCES = ["high", "medium", "low"] as const;
export const RELATIONSHIPS = ["close", "normal", "weak", "unknown"] as const;
export const BID_STATUSES = ["active", "eliminated", "won", "lost"] as const;
export const DOCUMENT_KINDS: DocumentKind[] = ["solution", "proposal", "technical", "quote", "other"];
export const SPECIAL_KINDS: SpecialKind[] = ["key_customer", "multi_party_bidding", "cross_zone"];
export const FOLLOW_UP_KINDS = ["call", "visit", "message", "meeting", "email"] as const;
export const REQUIREMENT_PRIORITIES = ["high", "medium", "low"] as const;
export const CURRENCIES = ["CNY", "USD", "EUR", "HKD", "JPY"];

/** Colours of the decision chain by attitude (the chart and the table agree). */
export const ATTITUDE_COLORS: Record<string, string> = {
  supporter: "#52c41a",
  neutral: "#faad14",
  opponent: "#ff4d4f",
};
export const UNKNOWN_COLOR = "#8c8c8c";

/**
 * The query keys of the tabs: under the shared detail key (["opportunities", "detail", id]) so a
 * refresh of the opportunity pages reaches them too.
 */
export const detailKeys = {
  members: (id: string) => ["opportunities", "detail", id, "members"] as const,
  chain: (id: string) => ["opportunities", "detail", id, "decision-chain"] as const,
  competitors: (id: string) => ["opportunities", "detail", id, "competitors"] as const,
  requirements: (id: string) => ["opportunities", "detail", id, "requirements"] as const,
  documents: (id: string) => ["opportunities", "detail", id, "documents"] as const,
  samples: (id: string) => ["opportunities", "detail", id, "samples"] as const,
  followUps: (id: string) => ["opportunities", "detail", id, "follow-ups"] as const,
  tasks: (id: string) => ["opportunities", "detail", id, "tasks"] as const,
};

// --- the criteria checklist ----------------------------------------------------------------------

export type CriterionKind = "required_field" | "key_role" | "document" | "checklist" | "min_contacts";

export interface Criterion {
  kind: CriterionKind | string;
  item: string;
  met: boolean;
  /** The server's wording of what is missing (only for unmet ones). */
  message?: string;
  /** Checklist items: who ticked it and when. */
  by?: string | null;
  at?: string | null;
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [];
}

/**
 * Every exit criterion of a stage with met/unmet: the criteria come from `exit_criteria`,
 * unmet ones are those listed in `unmet` (the server judges; the SPA only shows). An unmet
 * entry the criteria do not name is still listed, so nothing blocking is hidden.
 */
export function stageCriteria(stage: StagePath): Criterion[] {
  const c = stage.exit_criteria ?? {};
  const unmet = stage.unmet ?? [];
  const missing = (kind: string, item: string) => unmet.find((m) => m.kind === kind && m.item === item);
  const out: Criterion[] = [];
  const add = (kind: CriterionKind, item: string, extra: Partial<Criterion> = {}) => {
    const m = missing(kind, item);
    out.push({ kind, item, met: !m, message: m?.message, ...extra });
  };
  for (const f of strings(c.required_fields)) add("required_field", f);
  for (const r of strings(c.key_roles)) add("key_role", r);
  for (const d of strings(c.documents)) add("document", d);
  const ticks = new Map((stage.checklist ?? []).map((x) => [String(x.item), x]));
  for (const item of strings(c.checklist)) {
    const tick = ticks.get(item);
    add("checklist", item, {
      by: typeof tick?.by === "string" ? tick.by : null,
      at: typeof tick?.at === "string" ? tick.at : null,
    });
  }
  const minimum = typeof c.min_contacts === "number" ? c.min_contacts : 0;
  if (minimum > 0) {
    const m = unmet.find((x) => x.kind === "min_contacts");
    out.push({ kind: "min_contacts", item: String(minimum), met: !m, message: m?.message });
  }
  for (const m of unmet) {
    if (!out.some((x) => x.kind === m.kind && (x.item === m.item || m.kind === "min_contacts"))) {
      out.push({ kind: m.kind, item: m.item, met: false, message: m.message });
    }
  }
  return out;
}

export function openStages(path: StagePath[]): StagePath[] {
  return path.filter((s) => s.kind === "open").sort((a, b) => a.position - b.position);
}

export function endStage(path: StagePath[], kind: "won" | "lost"): StagePath | undefined {
  return path.find((s) => s.kind === kind);
}

export function currentStage(path: StagePath[]): StagePath | undefined {
  return path.find((s) => s.is_current);
}

// --- formatting ---------------------------------------------------------------------------------

/** "1000000.5" → "1,000,000.50"; the value stays a string (no float on the way). */
export function fmtMoney(value: string | null | undefined, currency?: string | null): string {
  if (value === null || value === undefined || value === "") return "—";
  const neg = value.startsWith("-");
  const [int = "0", frac = ""] = (neg ? value.slice(1) : value).split(".");
  const grouped = int.replace(/^0+(?=\d)/, "").replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  const cents = (frac + "00").slice(0, 2);
  return `${neg ? "-" : ""}${currency ? `${currency} ` : ""}${grouped}.${cents}`;
}

/** A win rate "30.00" → "30%". */
export function fmtRate(rate: string | null | undefined): string {
  if (!rate) return "—";
  const n = rate.includes(".") ? rate.replace(/\.?0+$/, "") : rate;
  return `${n}%`;
}

/** Seconds as the largest units that matter: "3天4小时", "2h 5m"… (labels given by the caller). */
export function fmtDuration(seconds: number | null | undefined, units: { d: string; h: string; m: string }): string {
  if (seconds === null || seconds === undefined) return "—";
  const s = Math.max(0, Math.floor(seconds));
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (d > 0) return `${d}${units.d}${h ? ` ${h}${units.h}` : ""}`;
  if (h > 0) return `${h}${units.h}${m ? ` ${m}${units.m}` : ""}`;
  return `${m}${units.m}`;
}

export function fmtBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

/** A decimal string a user typed: at most 16 digits before the point and 2 after. */
export const AMOUNT_PATTERN = /^\d{1,16}(\.\d{1,2})?$/;

// --- the decision chain as a tree ---------------------------------------------------------------

export interface ChainTreeNode {
  name: string;
  /** The contact id (the virtual root has none). */
  id?: string;
  value?: string;
  role?: string | null;
  attitude?: string | null;
  influence?: string | null;
  title?: string | null;
  itemStyle?: { color: string; borderColor?: string };
  lineStyle?: { type: "solid" | "dashed" };
  children: ChainTreeNode[];
}

/**
 * The chart's nodes and edges as one tree (ECharts `tree` wants a single root): the chain's
 * roots hang under a virtual root named `rootName`, each contact under the chain contact it
 * reports to. Edges that would close a cycle are dropped; nodes nobody reaches become roots.
 */
export function chainTree(chart: ChainChart, rootName: string, label: (n: ChainChart["nodes"][number]) => string): ChainTreeNode {
  const byId = new Map(chart.nodes.map((n) => [n.id, n]));
  const children = new Map<string, ChainChart["edges"]>();
  const hasParent = new Set<string>();
  for (const e of chart.edges) {
    if (!byId.has(e.source) || !byId.has(e.target) || e.source === e.target) continue;
    children.set(e.source, [...(children.get(e.source) ?? []), e]);
    hasParent.add(e.target);
  }
  const placed = new Set<string>();
  const build = (id: string, direct: boolean): ChainTreeNode => {
    placed.add(id);
    const n = byId.get(id)!;
    const kids = (children.get(id) ?? []).filter((e) => !placed.has(e.target));
    return {
      name: label(n),
      id: n.id,
      value: n.entry_id,
      role: n.role,
      attitude: n.attitude,
      influence: n.influence,
      title: n.title,
      itemStyle: { color: (n.attitude && ATTITUDE_COLORS[n.attitude]) || UNKNOWN_COLOR },
      lineStyle: { type: direct ? "solid" : "dashed" },
      children: kids.map((e) => build(e.target, e.direct)),
    };
  };
  const roots: ChainTreeNode[] = [];
  const rootIds = [...chart.roots.filter((r) => byId.has(r)), ...chart.nodes.map((n) => n.id).filter((id) => !hasParent.has(id))];
  for (const id of rootIds) if (!placed.has(id)) roots.push(build(id, true));
  for (const n of chart.nodes) if (!placed.has(n.id)) roots.push(build(n.id, true));
  return { name: rootName, itemStyle: { color: "#1677ff" }, children: roots };
}

/** Counts the contact nodes in a tree (the virtual root excluded). */
export function countTreeNodes(node: ChainTreeNode): number {
  return node.children.reduce((sum, c) => sum + 1 + countTreeNodes(c), 0);
}

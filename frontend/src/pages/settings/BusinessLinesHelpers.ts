/** Types, form shapes and pure helpers of the business-line (业务线) stage designer. */
import { fieldPath, type NamePath } from "../../api/problem";
import type { components } from "../../api/schema";

export type BusinessLine = components["schemas"]["BusinessLineOut"];
export type Stage = components["schemas"]["PipelineStageOut"];
export type StageBody = components["schemas"]["PipelineStageIn"];
export type CriteriaOptions = components["schemas"]["CriteriaOptionsOut"];
export type StageKind = components["schemas"]["StageKind"];
export type ForecastCategory = components["schemas"]["ForecastCategory"];
export type DecisionRole = components["schemas"]["DecisionRole"];
export type DocumentKind = components["schemas"]["DocumentKind"];
export type NewLineBody = components["schemas"]["BusinessLineIn"];
export type LineUpdateBody = components["schemas"]["BusinessLineUpdate"];

export const BUSINESS_LINE = "business_line" as const;
export const STAGE_KINDS: StageKind[] = ["open", "won", "lost"];
export const FORECAST_CATEGORIES: ForecastCategory[] = ["pipeline", "best_case", "commit", "closed", "omitted"];
export const MAX_STAGES = 30;
export const CODE_RE = /^[a-z][a-z0-9_]{1,39}$/;
/** A percentage with at most 2 decimals. */
export const RATE_RE = /^\d{1,3}(\.\d{1,2})?$/;
/** An amount with at most 2 decimals. */
export const AMOUNT_RE = /^\d{1,16}(\.\d{1,2})?$/;

export interface CriteriaForm {
  required_fields: string[];
  key_roles: DecisionRole[];
  documents: DocumentKind[];
  checklist: string[];
  min_contacts: number;
}

export interface StageForm {
  id: string | null;
  code: string;
  name: string;
  kind: StageKind;
  win_rate: string;
  forecast_category: ForecastCategory;
  protects_customer: boolean;
  is_active: boolean;
  /** Shown, never sent. */
  open_count: number;
  exit_criteria: CriteriaForm;
}

export interface StagesForm {
  stages: StageForm[];
}

export interface LineForm {
  name: string;
  description: string;
  grade_a: string;
  grade_b: string;
  is_active: boolean;
  is_default: boolean;
  position: number;
}

/** "10.00" → "10", "20.50" → "20.5": decimals as people type them (no floats involved). */
export function plainDecimal(value: string | null | undefined): string {
  if (value === null || value === undefined) return "";
  const s = String(value).trim();
  if (!s.includes(".")) return s;
  return s.replace(/0+$/, "").replace(/\.$/, "");
}

/** Whether a decimal string (≤ 2 places) is at most `limit` — compared in cents, as integers. */
export function atMost(value: string, limit: number): boolean {
  const [whole, frac = ""] = value.split(".");
  const cents = BigInt(whole || "0") * 100n + BigInt((frac + "00").slice(0, 2));
  return cents <= BigInt(limit) * 100n;
}

/** Compares two decimal strings (≤ 2 places): negative, zero or positive. */
export function compareDecimal(a: string, b: string): number {
  const cents = (v: string) => {
    const [whole, frac = ""] = v.split(".");
    return BigInt(whole || "0") * 100n + BigInt((frac + "00").slice(0, 2));
  };
  const d = cents(a) - cents(b);
  return d === 0n ? 0 : d < 0n ? -1 : 1;
}

export function emptyCriteria(): CriteriaForm {
  return { required_fields: [], key_roles: [], documents: [], checklist: [], min_contacts: 0 };
}

export function stageToForm(s: Stage): StageForm {
  return {
    id: s.id,
    code: s.code,
    name: s.name,
    kind: s.kind,
    win_rate: plainDecimal(s.win_rate),
    forecast_category: s.forecast_category,
    protects_customer: s.protects_customer,
    is_active: s.is_active,
    open_count: s.open_count,
    exit_criteria: {
      required_fields: [...s.exit_criteria.required_fields],
      key_roles: [...s.exit_criteria.key_roles] as DecisionRole[],
      documents: [...s.exit_criteria.documents] as DocumentKind[],
      checklist: [...s.exit_criteria.checklist],
      min_contacts: s.exit_criteria.min_contacts,
    },
  };
}

export function lineToStagesForm(line: BusinessLine): StagesForm {
  return { stages: line.stages.map(stageToForm) };
}

/** A new open stage: its rate just above the last open stage's (or 10). */
export function newStage(existing: StageForm[]): StageForm {
  const codes = new Set(existing.map((s) => s.code));
  let n = existing.length + 1;
  while (codes.has(`stage_${n}`)) n += 1;
  return {
    id: null,
    code: `stage_${n}`,
    name: "",
    kind: "open",
    win_rate: "",
    forecast_category: "pipeline",
    protects_customer: false,
    is_active: true,
    open_count: 0,
    exit_criteria: emptyCriteria(),
  };
}

/** Where a new open stage goes: after the last open stage (before won / lost). */
export function insertIndex(stages: StageForm[]): number {
  let last = -1;
  stages.forEach((s, i) => {
    if (s.kind === "open" && s.is_active) last = i;
  });
  return last + 1;
}

/** The PUT …/stages body: the whole set in order; ids kept, new stages without one. */
export function stagesBody(form: StagesForm): { stages: StageBody[] } {
  return {
    stages: form.stages.map((s) => {
      const body: StageBody = {
        code: s.code.trim(),
        name: s.name.trim(),
        kind: s.kind,
        win_rate: s.win_rate.trim(),
        forecast_category: s.forecast_category,
        protects_customer: s.protects_customer,
        is_active: s.is_active,
        exit_criteria: {
          required_fields: s.exit_criteria.required_fields,
          key_roles: s.exit_criteria.key_roles,
          documents: s.exit_criteria.documents,
          checklist: s.exit_criteria.checklist.map((c) => c.trim()).filter(Boolean),
          min_contacts: s.exit_criteria.min_contacts ?? 0,
        },
      };
      if (s.id) body.id = s.id;
      return body;
    }),
  };
}

export function lineToForm(line: BusinessLine): LineForm {
  return {
    name: line.name,
    description: line.description ?? "",
    grade_a: plainDecimal(line.grade_thresholds.A ?? ""),
    grade_b: plainDecimal(line.grade_thresholds.B ?? ""),
    is_active: line.is_active,
    is_default: line.is_default,
    position: line.position,
  };
}

/** The PATCH body: only what changed. */
export function lineUpdateBody(initial: LineForm, v: LineForm): LineUpdateBody {
  const body: LineUpdateBody = {};
  if (v.name.trim() !== initial.name) body.name = v.name.trim();
  if ((v.description ?? "").trim() !== initial.description) body.description = v.description.trim() || null;
  if (v.is_active !== initial.is_active) body.is_active = v.is_active;
  if (v.is_default !== initial.is_default) body.is_default = v.is_default;
  if (v.position !== initial.position) body.position = v.position;
  if (v.grade_a.trim() !== initial.grade_a || v.grade_b.trim() !== initial.grade_b) {
    body.grade_thresholds = { A: v.grade_a.trim(), B: v.grade_b.trim() };
  }
  return body;
}

const STAGE_FIELDS = new Set(["id", "code", "name", "kind", "win_rate", "forecast_category", "protects_customer", "is_active"]);
const CRITERIA_FIELDS = new Set(["required_fields", "key_roles", "documents", "checklist", "min_contacts"]);

/**
 * The form field a stage error belongs to: "stages.2.win_rate" → ["stages", 2, "win_rate"],
 * "stages.1.exit_criteria.key_roles.0" → ["stages", 1, "exit_criteria", "key_roles"]; an
 * error about a stage as a whole ("stages.3") or the set ("stages") has no field (null).
 */
export function stageFieldOf(field: string): NamePath | null {
  const p = fieldPath(field);
  const [head, i, key, sub] = p;
  if (head !== "stages" || typeof i !== "number" || typeof key !== "string") return null;
  if (STAGE_FIELDS.has(key)) return ["stages", i, key === "id" ? "code" : key];
  if (key === "exit_criteria" && typeof sub === "string" && CRITERIA_FIELDS.has(sub)) return ["stages", i, "exit_criteria", sub];
  return null;
}

/** The line form's field of an error ("grade_thresholds.A" → grade_a). */
export function lineFieldOf(field: string): NamePath | null {
  const p = fieldPath(field);
  if (p[0] === "grade_thresholds") return [p[1] === "B" ? "grade_b" : "grade_a"];
  if (p.length === 1 && ["name", "description", "is_active", "is_default", "position", "code"].includes(String(p[0]))) return [String(p[0])];
  return null;
}

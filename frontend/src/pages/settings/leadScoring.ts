/**
 * Pure helpers for the lead scoring settings: the score of an example lead under the numbers
 * being edited, computed exactly like the server (domain/leads.py score_lead / grade_for).
 */

export const SCORE_GRADES = ["A", "B", "C", "D"] as const;
export const SCORE_FIELDS = [
  "company_name",
  "contact_name",
  "mobile",
  "email",
  "title",
  "province_code",
  "industry",
  "company_size",
  "product",
] as const;
export const SCORE_ACTIONS = ["form_submit", "call", "visit", "meeting"] as const;

export interface ScoringValues {
  field_points?: Record<string, number | null | undefined>;
  action_points?: Record<string, number | null | undefined>;
  action_cap?: number | null;
  thresholds?: Record<string, number | null | undefined>;
}

export interface ScoreExample {
  /** The channel's weight (渠道权重). */
  channel: number;
  /** Key fields the example lead has filled. */
  fields: string[];
  /** Key actions logged: kind → count. */
  actions: Record<string, number | null | undefined>;
}

export interface ScorePreview {
  channel: number;
  completeness: number;
  actions: number;
  total: number;
  grade: string;
}

function n(v: unknown): number {
  return typeof v === "number" && Number.isFinite(v) ? v : 0;
}

/** The first grade whose minimum the total reaches (minimums taken from best to worst); else the last grade. */
export function gradeFor(total: number, thresholds: Record<string, number | null | undefined> | undefined): string {
  const entries = SCORE_GRADES.map((g) => [g, n(thresholds?.[g])] as const);
  const sorted = [...entries].sort((a, b) => b[1] - a[1]);
  for (const [grade, minimum] of sorted) if (total >= minimum) return grade;
  return SCORE_GRADES[SCORE_GRADES.length - 1];
}

/** Score = channel weight + points of the filled key fields + key actions (capped at action_cap). */
export function previewScore(values: ScoringValues, example: ScoreExample): ScorePreview {
  const channel = Math.max(n(example.channel), 0);
  const filled = new Set(example.fields);
  const completeness = Object.entries(values.field_points ?? {}).reduce((sum, [f, p]) => sum + (filled.has(f) ? n(p) : 0), 0);
  const rawActions = Object.entries(example.actions).reduce((sum, [kind, count]) => sum + n(values.action_points?.[kind]) * Math.max(n(count), 0), 0);
  const actions = Math.min(rawActions, Math.max(n(values.action_cap), 0));
  const total = channel + completeness + actions;
  return { channel, completeness, actions, total, grade: gradeFor(total, values.thresholds) };
}

/**
 * The preview line, like the lead's own explanation: "B: channel 20 + completeness 15 +
 * actions 10 = 45". `template` is the UI text with {grade} {channel} {completeness} {actions} {total}.
 */
export function explainScore(p: ScorePreview, template = "{grade}: channel {channel} + completeness {completeness} + actions {actions} = {total}"): string {
  const vars: Record<string, string | number> = { ...p };
  return template.replace(/\{(\w+)\}/g, (m, name: string) => (name in vars ? String(vars[name]) : m));
}

/** Thresholds must fall from A to D (A > B > C > D), as the server requires; the grades breaking that. */
export function thresholdProblems(thresholds: Record<string, number | null | undefined> | undefined): string[] {
  const bad: string[] = [];
  for (let i = 1; i < SCORE_GRADES.length; i++) {
    const hi = thresholds?.[SCORE_GRADES[i - 1]!];
    const lo = thresholds?.[SCORE_GRADES[i]!];
    if (typeof hi === "number" && typeof lo === "number" && lo >= hi) bad.push(SCORE_GRADES[i]!);
  }
  return bad;
}

/** The default example: a lead from a channel of weight 20 with a name, contact and mobile, one call. */
export const DEFAULT_EXAMPLE: ScoreExample = {
  channel: 20,
  fields: ["company_name", "contact_name", "mobile"],
  actions: { call: 1 },
};

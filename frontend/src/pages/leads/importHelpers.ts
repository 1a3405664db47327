/** Pure helpers for the lead import wizard: mapping checks, progress, upload errors, keys. */
import { fieldPath, type Problem } from "../../api/problem";
import type { ImportField, ImportMapping, LeadImportStatus } from "../../api/types";

/** The import is still being worked on (poll it). */
export function isActiveImport(status: LeadImportStatus | string | null | undefined): boolean {
  return status === "queued" || status === "running";
}

/** The import has ended, well or not. */
export function isFinishedImport(status: LeadImportStatus | string | null | undefined): boolean {
  return status === "done" || status === "failed";
}

/** The wizard step an import is at: 1 (map its columns) until started, then 2 (progress). */
export function importStep(status: LeadImportStatus | string | null | undefined): 0 | 1 | 2 {
  if (!status) return 0;
  return status === "uploaded" ? 1 : 2;
}

/** processed / total as a whole percentage (0–100); a finished import with no rows is 100. */
export function progressPercent(imp: { processed: number; total: number; status?: string }): number {
  if (imp.status === "done") return 100;
  if (!imp.total || imp.total <= 0) return 0;
  const pct = Math.floor((Math.max(imp.processed, 0) * 100) / imp.total);
  return Math.min(100, Math.max(0, pct));
}

export interface MappingCheck {
  /** Required fields (company_name) that no column is mapped to. */
  missing: string[];
  /** Fields more than one column is mapped to. */
  duplicated: string[];
  ok: boolean;
}

/**
 * Checks a column mapping (header → lead field, null/"" for a column not imported): every
 * required field mapped, and no field taken by two columns.
 */
export function checkMapping(mapping: ImportMapping | Record<string, string | null | undefined>, fields: Pick<ImportField, "field" | "required">[]): MappingCheck {
  const counts = new Map<string, number>();
  for (const f of Object.values(mapping)) {
    if (!f) continue;
    counts.set(f, (counts.get(f) ?? 0) + 1);
  }
  const required = fields.filter((f) => f.required).map((f) => f.field);
  // the company name is required whatever the field list says (the server refuses without it)
  if (!required.includes("company_name")) required.unshift("company_name");
  const missing = required.filter((f) => !counts.has(f));
  const duplicated = [...counts.entries()].filter(([, n]) => n > 1).map(([f]) => f);
  return { missing, duplicated, ok: missing.length === 0 && duplicated.length === 0 };
}

/** The mapping to send: every header of the file, skipped ones as null. */
export function mappingForStart(headers: string[], mapping: Record<string, string | null | undefined>): ImportMapping {
  const out: ImportMapping = {};
  for (const h of headers) out[h] = mapping[h] || null;
  return out;
}

/** Up to `n` non-empty sample values of column `index` (from the upload's first rows). */
export function sampleValues(sample: string[][] | null | undefined, index: number, n = 3): string[] {
  const out: string[] = [];
  for (const row of sample ?? []) {
    const v = row[index];
    if (v !== undefined && v !== null && String(v).trim() !== "") out.push(String(v));
    if (out.length >= n) break;
  }
  return out;
}

/** What to say about a refused upload: the messages about `file`, else the problem's detail or title. */
export function uploadErrorText(problem: Problem): string {
  const about = (problem.errors ?? []).filter((e) => fieldPath(e.field)[0] === "file").map((e) => e.message);
  if (about.length) return about.join("；");
  const others = (problem.errors ?? []).map((e) => e.message).filter(Boolean);
  return problem.detail || others.join("；") || problem.title || `HTTP ${problem.status}`;
}

/** A start refusal split into the messages about the mapping and the rest of the problem. */
export function splitMappingErrors(problem: Problem): { mapping: string[]; rest: Problem | null } {
  const mapping: string[] = [];
  const others = [];
  for (const e of problem.errors ?? []) {
    if (fieldPath(e.field)[0] === "mapping") mapping.push(e.message);
    else others.push(e);
  }
  if (!mapping.length) return { mapping, rest: problem };
  return { mapping, rest: others.length ? { ...problem, errors: others } : null };
}

const fileKeys = new WeakMap<object, string>();

/**
 * One Idempotency-Key per chosen file: uploading the same selection again (a retry after a
 * network error) sends the same key, so the server returns the first import instead of
 * creating a second one. Choosing the file again makes a new File object, hence a new key.
 */
export function idempotencyKeyFor(file: object): string {
  let key = fileKeys.get(file);
  if (!key) {
    key = typeof crypto !== "undefined" && "randomUUID" in crypto ? crypto.randomUUID() : `${Date.now()}-${Math.random().toString(36).slice(2)}`;
    fileKeys.set(file, key);
  }
  return key;
}

/** Accepted file types of the upload. */
export const IMPORT_ACCEPT = ".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";


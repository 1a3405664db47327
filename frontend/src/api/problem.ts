/**
 * RFC 9457 problem details: the error shape of every API response, and its mapping
 * onto Ant Design form fields (`errors[].field` is a dotted path such as
 * "contacts.0.mobile", possibly prefixed by "body.").
 */

export interface FieldProblem {
  field: string;
  message: string;
}

export interface Problem {
  type?: string;
  title?: string;
  status: number;
  detail?: string | null;
  errors?: FieldProblem[];
  /** the input a 404 or 409 is about, when the server names it (e.g. "items.1.scope_id") */
  field?: string;
}

export class ApiError extends Error {
  readonly status: number;
  readonly problem: Problem;

  constructor(problem: Problem) {
    super(problem.detail || problem.title || `HTTP ${problem.status}`);
    this.name = "ApiError";
    this.status = problem.status;
    this.problem = problem;
  }

  static from(response: Response, body: unknown): ApiError {
    return new ApiError(toProblem(response.status, response.statusText, body));
  }
}

export function isApiError(e: unknown): e is ApiError {
  return e instanceof ApiError;
}

interface FastApiDetailItem {
  loc: (string | number)[];
  msg: string;
}

function isFastApiDetail(x: unknown): x is FastApiDetailItem[] {
  return Array.isArray(x) && x.every((i) => typeof i === "object" && i !== null && "loc" in i && "msg" in i);
}

/** Normalises any error body (problem+json, FastAPI's default {detail}, plain text) to a Problem. */
export function toProblem(status: number, statusText: string, body: unknown): Problem {
  if (body && typeof body === "object") {
    const b = body as Record<string, unknown>;
    const errors = Array.isArray(b.errors)
      ? (b.errors as unknown[])
          .filter((e): e is FieldProblem => typeof e === "object" && e !== null && "field" in e)
          .map((e) => ({ field: String(e.field), message: String(e.message ?? "") }))
      : isFastApiDetail(b.detail)
        ? b.detail.map((d) => ({ field: d.loc.join("."), message: d.msg }))
        : undefined;
    return {
      type: typeof b.type === "string" ? b.type : undefined,
      title: typeof b.title === "string" ? b.title : statusText || undefined,
      status: typeof b.status === "number" ? b.status : status,
      detail: typeof b.detail === "string" ? b.detail : undefined,
      errors,
    };
  }
  return { status, title: statusText || undefined, detail: typeof body === "string" && body ? body : undefined };
}

export type NamePath = (string | number)[];

/** "body.contacts.0.mobile" → ["contacts", 0, "mobile"]. */
export function fieldPath(field: string): NamePath {
  const parts = field.split(".").filter((p) => p !== "");
  if (parts[0] === "body") parts.shift();
  return parts.map((p) => (/^\d+$/.test(p) ? Number(p) : p));
}

function hasPath(values: unknown, path: NamePath): boolean {
  let cur: unknown = values;
  for (const key of path) {
    if (cur === null || typeof cur !== "object" || !(key in (cur as object))) return false;
    cur = (cur as Record<string | number, unknown>)[key];
  }
  return true;
}

export interface FieldErrors {
  /** Ready for `form.setFields(...)`. */
  fields: { name: NamePath; errors: string[] }[];
  /** Messages that belong to no field on the form (shown to the user as a general error). */
  unmatched: string[];
}

/**
 * Maps a problem's field errors onto form fields. When `formValues` (the form's registered
 * values, `form.getFieldsValue()`) is given, errors for fields the form does not have are
 * returned as `unmatched` instead. `aliases` renames API fields shown by another form field
 * (e.g. "province_code" → ["region"]).
 */
export function problemToFieldErrors(
  problem: Problem,
  formValues?: unknown,
  aliases: Record<string, NamePath> = {},
): FieldErrors {
  const byField = new Map<string, { name: NamePath; errors: string[] }>();
  const unmatched: string[] = [];
  for (const e of problem.errors ?? []) {
    const raw = fieldPath(e.field);
    const alias = aliases[raw.join(".")];
    const name = alias ?? raw;
    if (name.length === 0 || (formValues !== undefined && !hasPath(formValues, name))) {
      unmatched.push(name.length ? `${name.join(".")}: ${e.message}` : e.message);
      continue;
    }
    const key = JSON.stringify(name);
    const entry = byField.get(key) ?? { name, errors: [] };
    entry.errors.push(e.message);
    byField.set(key, entry);
  }
  return { fields: [...byField.values()], unmatched };
}

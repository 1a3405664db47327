import dayjs from "dayjs";

export function fmtDateTime(iso: string | null | undefined): string {
  return iso ? dayjs(iso).format("YYYY-MM-DD HH:mm") : "";
}

export function fmtDate(iso: string | null | undefined): string {
  return iso ? dayjs(iso).format("YYYY-MM-DD") : "";
}

/** Form values → API body: trims strings, turns "" into null (PATCH) or drops it (POST). */
export function cleanBody<T extends object>(values: T, mode: "create" | "update"): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(values)) {
    const val = typeof v === "string" ? v.trim() : v;
    if (val === undefined) continue;
    if (val === "" || val === null) {
      if (mode === "update") out[k] = null;
      continue;
    }
    out[k] = val;
  }
  return out as T;
}

/** Reads a persisted JSON value from localStorage, with a fallback. */
export function readStored<T>(key: string, fallback: T): T {
  try {
    const raw = localStorage.getItem(key);
    return raw ? (JSON.parse(raw) as T) : fallback;
  } catch {
    return fallback;
  }
}

export function writeStored(key: string, value: unknown) {
  try {
    localStorage.setItem(key, JSON.stringify(value));
  } catch {
    /* storage full or unavailable */
  }
}

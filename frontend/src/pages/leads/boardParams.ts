/**
 * The lead board's view state (date range and breakdown), kept in the URL search params so a
 * view can be shared: `?from=YYYY-MM-DD&to=YYYY-MM-DD&group_by=channel`. Dates are whole days,
 * both ends included; the API gets [from 00:00, the day after `to` 00:00) in local time.
 */
import dayjs, { type Dayjs } from "dayjs";

export const GROUP_BYS = ["channel", "zone", "team", "owner", "grade"] as const;
export type BoardGroupBy = (typeof GROUP_BYS)[number];

export const DATE_FMT = "YYYY-MM-DD";
/** Length of the default range (ending today). */
export const DEFAULT_DAYS = 30;

export interface BoardParams {
  /** First day, inclusive (YYYY-MM-DD). */
  from: string;
  /** Last day, inclusive (YYYY-MM-DD). */
  to: string;
  groupBy: BoardGroupBy;
}

export type PresetKey = "thisWeek" | "thisMonth" | "last30" | "last90";
export const PRESETS: PresetKey[] = ["thisWeek", "thisMonth", "last30", "last90"];

const DAY_MS = 86_400_000;

/** True for a real calendar date written YYYY-MM-DD (2024-02-30 is not). */
export function isDate(s: string | null | undefined): s is string {
  if (!s || !/^\d{4}-\d{2}-\d{2}$/.test(s)) return false;
  const d = dayjs(s);
  return d.isValid() && d.format(DATE_FMT) === s;
}

function utcMs(date: string): number {
  const [y, m, d] = date.split("-").map(Number) as [number, number, number];
  return Date.UTC(y, m - 1, d);
}

/** Number of days from `from` to `to`, both included ("2024-05-01".."2024-05-01" is 1). */
export function rangeDays(from: string, to: string): number {
  return Math.round((utcMs(to) - utcMs(from)) / DAY_MS) + 1;
}

/** Monday of the week holding `day` (weeks are ISO weeks, as the API's). */
export function mondayOf(day: Dayjs): Dayjs {
  return day.subtract((day.day() + 6) % 7, "day").startOf("day");
}

/** The [first, last] days of a preset range, ending today. */
export function presetRange(preset: PresetKey, today: Dayjs): [Dayjs, Dayjs] {
  const end = today.startOf("day");
  switch (preset) {
    case "thisWeek":
      return [mondayOf(end), end];
    case "thisMonth":
      return [end.startOf("month"), end];
    case "last30":
      return [end.subtract(29, "day"), end];
    case "last90":
      return [end.subtract(89, "day"), end];
  }
}

export function defaultParams(today: Dayjs): BoardParams {
  const end = today.startOf("day");
  return { from: end.subtract(DEFAULT_DAYS - 1, "day").format(DATE_FMT), to: end.format(DATE_FMT), groupBy: "channel" };
}

/** Reads the view from the URL; missing or malformed values fall back to the defaults. */
export function parseBoardParams(sp: URLSearchParams, today: Dayjs): BoardParams {
  const defaults = defaultParams(today);
  const rawGroup = sp.get("group_by");
  const groupBy = (GROUP_BYS as readonly string[]).includes(rawGroup ?? "") ? (rawGroup as BoardGroupBy) : defaults.groupBy;
  const from = sp.get("from");
  const to = sp.get("to");
  if (!isDate(from) || !isDate(to)) return { ...defaults, groupBy };
  // a reversed range (edited by hand) is read the right way round
  return from <= to ? { from, to, groupBy } : { from: to, to: from, groupBy };
}

/** The view as URL search params. */
export function boardSearch(p: BoardParams): URLSearchParams {
  return new URLSearchParams({ from: p.from, to: p.to, group_by: p.groupBy });
}

/** The API's `from` / `to` (ISO datetimes, `to` exclusive) for a range of whole local days. */
export function apiRange(from: string, to: string): { from: string; to: string } {
  return {
    from: dayjs(from).startOf("day").toISOString(),
    to: dayjs(to).add(1, "day").startOf("day").toISOString(),
  };
}

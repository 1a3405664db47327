/**
 * Calendar days in China time (UTC+8, no daylight saving), whatever the browser's time zone:
 * "this month", a recycle due date's day and the lost board's ranges are China days, as the
 * nightly jobs' are.
 */
import { useEffect, useState } from "react";

export const CHINA_OFFSET_MS = 8 * 3_600_000;
const DAY_MS = 86_400_000;

/** The China calendar day (YYYY-MM-DD) of an instant. */
export function chinaDay(at: string | number | Date): string {
  const ms = typeof at === "number" ? at : typeof at === "string" ? Date.parse(at) : at.getTime();
  return new Date(ms + CHINA_OFFSET_MS).toISOString().slice(0, 10);
}

function utcMs(day: string): number {
  const [y, m, d] = day.split("-").map(Number) as [number, number, number];
  return Date.UTC(y, m - 1, d);
}

/** `day` moved by `n` days (YYYY-MM-DD). */
export function addDays(day: string, n: number): string {
  return new Date(utcMs(day) + n * DAY_MS).toISOString().slice(0, 10);
}

/** Whole days from `from` to `to` (both YYYY-MM-DD): "2024-05-01" → "2024-05-04" is 3. */
export function daysBetween(from: string, to: string): number {
  return Math.round((utcMs(to) - utcMs(from)) / DAY_MS);
}

/** The instant a China day starts, as an ISO string (UTC): "2024-05-01" → "2024-04-30T16:00:00.000Z". */
export function chinaDayStart(day: string): string {
  return new Date(utcMs(day) - CHINA_OFFSET_MS).toISOString();
}

/** First day of the month holding `day`. */
export function monthStart(day: string): string {
  return `${day.slice(0, 7)}-01`;
}

/** The current time, refreshed every `everyMs` (a page left open moves on with the clock). */
export function useNow(everyMs = 60_000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const id = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(id);
  }, [everyMs]);
  return now;
}

/** An instant as China time, "YYYY-MM-DD HH:mm", whatever the browser's time zone. */
export function fmtChinaDateTime(at: string | null | undefined): string {
  if (!at) return "";
  const ms = Date.parse(at);
  if (Number.isNaN(ms)) return "";
  return new Date(ms + CHINA_OFFSET_MS).toISOString().slice(0, 16).replace("T", " ");
}

/**
 * Pure builders for the lead board (线索看板): number formatting, the trend's period and its
 * gap-filled series, and the ECharts options of its four charts. Texts come in translated, so
 * nothing here depends on React, i18n or a chart instance.
 */
import type { BarSeriesOption, FunnelSeriesOption, LineSeriesOption, PieSeriesOption } from "echarts/charts";
import type { GridComponentOption, LegendComponentOption, TooltipComponentOption } from "echarts/components";
import type { ComposeOption } from "echarts/core";
import type { paths } from "../../api/schema";
import type { Ok } from "../../api/types";
import { rangeDays } from "./boardParams";

export type LeadBoard = Ok<paths["/api/v1/analytics/leads"]["get"]>;
export type LeadBoardGroup = LeadBoard["groups"][number];
export type FunnelStageCount = LeadBoard["funnel"][number];
export type InvalidReasonCount = LeadBoard["invalid_reasons"][number];

/** The options the board builds: only the chart types and components EChart registers. */
export type BoardChartOption = ComposeOption<
  | FunnelSeriesOption
  | PieSeriesOption
  | LineSeriesOption
  | BarSeriesOption
  | TooltipComponentOption
  | LegendComponentOption
  | GridComponentOption
>;

export const FUNNEL_STAGES = ["new", "contacted", "qualified", "converted"] as const;
export type FunnelStage = (typeof FUNNEL_STAGES)[number];

export type TrendPeriod = "day" | "week";
/** Ranges longer than this many days are charted by week rather than by day. */
export const DAILY_TREND_MAX_DAYS = 60;
/** The source chart shows this many slices at most; the smallest groups are summed into "other". */
export const MAX_SLICES = 10;

const DAY_MS = 86_400_000;

/** A 0..1 rate as a percentage, rounded half up: 0.2345 → "23.5%". */
export function formatRate(rate: number | null | undefined, digits = 1): string {
  if (rate === null || rate === undefined || !Number.isFinite(rate)) return "—";
  const scale = 10 ** digits;
  // 0.2345 * 1000 is 234.49999999999997 in binary: trim that noise before rounding
  const scaled = Number((rate * 100 * scale).toPrecision(12));
  return `${(Math.round(scaled) / scale).toFixed(digits)}%`;
}

/** part / whole as a 0..1 rate, 0 when there is no whole. */
export function ratio(part: number, whole: number): number {
  return whole > 0 ? part / whole : 0;
}

/** The trend's granularity: by day, or by week once the range exceeds DAILY_TREND_MAX_DAYS. */
export function trendPeriod(from: string, to: string): TrendPeriod {
  return rangeDays(from, to) > DAILY_TREND_MAX_DAYS ? "week" : "day";
}

function utcMs(date: string): number {
  const [y, m, d] = date.split("-").map(Number) as [number, number, number];
  return Date.UTC(y, m - 1, d);
}

function utcDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** The key of the period holding `date` (the period's first day; weeks start on Monday). */
export function periodKey(date: string, period: TrendPeriod): string {
  if (period === "day") return date;
  const ms = utcMs(date);
  const weekday = (new Date(ms).getUTCDay() + 6) % 7; // Monday = 0
  return utcDate(ms - weekday * DAY_MS);
}

export interface TrendPoint {
  key: string;
  leads: number;
  converted: number;
}

/**
 * One point per period of the range, oldest first: the API leaves out periods without leads,
 * which the line must show as 0 rather than skip. Keys the API returns outside the range (a
 * time-zone edge) are kept.
 */
export function trendPoints(groups: LeadBoardGroup[], period: TrendPeriod, from: string, to: string): TrendPoint[] {
  const byKey = new Map<string, LeadBoardGroup>();
  for (const g of groups) if (g.key) byKey.set(g.key, g);
  const keys = new Set(byKey.keys());
  const step = (period === "week" ? 7 : 1) * DAY_MS;
  const last = utcMs(periodKey(to, period));
  for (let ms = utcMs(periodKey(from, period)), n = 0; ms <= last && n < 5000; ms += step, n++) keys.add(utcDate(ms));
  return [...keys].sort().map((key) => ({ key, leads: byKey.get(key)?.leads ?? 0, converted: byKey.get(key)?.converted ?? 0 }));
}

/** Axis labels for period keys: "MM-DD" when they all fall in one year, else the full date. */
export function periodLabels(keys: string[]): string[] {
  const years = new Set(keys.map((k) => k.slice(0, 4)));
  return years.size <= 1 ? keys.map((k) => k.slice(5)) : keys;
}

/** The funnel's counts in stage order (new → contacted → qualified → converted), 0 for a missing stage. */
export function funnelCounts(funnel: FunnelStageCount[]): { stage: FunnelStage; count: number }[] {
  const byStage = new Map(funnel.map((f) => [f.stage, f.count]));
  return FUNNEL_STAGES.map((stage) => ({ stage, count: byStage.get(stage) ?? 0 }));
}

/** A funnel label: the stage, its count and its share of the leads at the top. */
export function funnelLabel(name: string, count: number, top: number): string {
  return `${name}  ${count} (${formatRate(ratio(count, top))})`;
}

export function funnelOption(funnel: FunnelStageCount[], stageLabel: (stage: FunnelStage) => string): BoardChartOption {
  const counts = funnelCounts(funnel);
  const top = counts[0]?.count ?? 0;
  return {
    tooltip: { trigger: "item" },
    series: [
      {
        type: "funnel",
        sort: "none", // keep the stage order even if a later stage were larger
        min: 0,
        max: Math.max(top, 1),
        minSize: "8%",
        left: "10%",
        width: "80%",
        gap: 2,
        label: {
          show: true,
          position: "inside",
          formatter: (p) => funnelLabel(p.name, Number(p.value), top),
        },
        data: counts.map((c) => ({ name: stageLabel(c.stage), value: c.count })),
      },
    ],
  };
}

export interface Slice {
  name: string;
  value: number;
}

/** The biggest slices first; beyond `max`, the smallest are summed into one `otherLabel` slice. */
export function topSlices(items: Slice[], otherLabel: string, max = MAX_SLICES): Slice[] {
  const sorted = items.filter((i) => i.value > 0).sort((a, b) => b.value - a.value);
  if (sorted.length <= max) return sorted;
  const kept = sorted.slice(0, max - 1);
  const rest = sorted.slice(max - 1).reduce((sum, i) => sum + i.value, 0);
  return [...kept, { name: otherLabel, value: rest }];
}

/** Lead counts per group as a doughnut, labelled with the groups' names. */
export function sourceOption(items: Slice[], seriesName: string, otherLabel: string): BoardChartOption {
  return {
    tooltip: { trigger: "item", formatter: "{a}<br/>{b}: {c} ({d}%)" },
    legend: { type: "scroll", orient: "vertical", left: 0, top: "middle" },
    series: [
      {
        type: "pie",
        name: seriesName,
        radius: ["38%", "66%"],
        center: ["62%", "50%"],
        avoidLabelOverlap: true,
        label: { formatter: "{b}: {c}" },
        data: topSlices(items, otherLabel),
      },
    ],
  };
}

/** Leads and converted leads per period as two lines. */
export function trendOption(points: TrendPoint[], names: { leads: string; converted: string }): BoardChartOption {
  return {
    tooltip: { trigger: "axis" },
    legend: { top: 0 },
    grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
    xAxis: { type: "category", boundaryGap: false, data: periodLabels(points.map((p) => p.key)) },
    yAxis: { type: "value", minInterval: 1 },
    series: [
      { type: "line", name: names.leads, data: points.map((p) => p.leads), areaStyle: { opacity: 0.08 } },
      { type: "line", name: names.converted, data: points.map((p) => p.converted) },
    ],
  };
}

/** Invalid leads per reason as horizontal bars, the most frequent on top. */
export function invalidReasonsOption(reasons: InvalidReasonCount[], reasonLabel: (reason: string) => string, seriesName: string): BoardChartOption {
  const sorted = [...reasons].sort((a, b) => b.count - a.count);
  return {
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
    grid: { left: 8, right: 32, top: 8, bottom: 8, containLabel: true },
    xAxis: { type: "value", minInterval: 1 },
    yAxis: { type: "category", inverse: true, data: sorted.map((r) => reasonLabel(r.reason)) },
    series: [{ type: "bar", name: seriesName, barMaxWidth: 24, label: { show: true, position: "right" }, data: sorted.map((r) => r.count) }],
  };
}

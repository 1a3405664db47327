/**
 * The lost-customer board (遗失看板): its view state in the URL (period, rep, how), the China-day
 * ranges it asks for, and pure builders of its numbers and chart from the API's rows
 * (rep × how × rule → count). Texts come in translated: nothing here needs React or a chart.
 */
import type { BarSeriesOption } from "echarts/charts";
import type { GridComponentOption, LegendComponentOption, TooltipComponentOption } from "echarts/components";
import type { ComposeOption } from "echarts/core";
import type { paths } from "../../api/schema";
import type { Ok } from "../../api/types";
import { addDays, chinaDayStart, monthStart } from "../../components/chinaTime";
import type { Translate } from "../../i18n/context";

export type LostRow = Ok<paths["/api/v1/analytics/lost-customers"]["get"]>["items"][number];
export type LostHow = LostRow["how"];
export const HOWS: LostHow[] = ["release", "recycle", "transfer"];

export type LostPeriod = "this_month" | "last_month" | "custom";
export const PERIODS: LostPeriod[] = ["this_month", "last_month", "custom"];

export interface LostParams {
  period: LostPeriod;
  /** First day, inclusive (YYYY-MM-DD, China time). */
  from: string;
  /** Last day, inclusive. */
  to: string;
  /** Only this rep (owner id). */
  owner: string | null;
  /** Only this way of losing. */
  how: LostHow | null;
}

const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;

function isDay(s: string | null): s is string {
  return Boolean(s && DATE_RE.test(s) && !Number.isNaN(Date.parse(`${s}T00:00:00Z`)) && addDays(s, 0) === s);
}

/** [first, last] day of a named period; `today` is the China day. */
export function periodRange(period: Exclude<LostPeriod, "custom">, today: string): [string, string] {
  if (period === "this_month") return [monthStart(today), today];
  const lastOfPrevious = addDays(monthStart(today), -1);
  return [monthStart(lastOfPrevious), lastOfPrevious];
}

/** The view from the URL: `?period=last_month`, or a custom `?from=&to=`; this month by default. */
export function parseLostParams(sp: URLSearchParams, today: string): LostParams {
  const ownerRaw = sp.get("owner");
  const howRaw = sp.get("how");
  const owner = ownerRaw ? ownerRaw : null;
  const how = (HOWS as string[]).includes(howRaw ?? "") ? (howRaw as LostHow) : null;
  const from = sp.get("from");
  const to = sp.get("to");
  if (isDay(from) && isDay(to)) {
    const [a, b] = from <= to ? [from, to] : [to, from];
    return { period: "custom", from: a, to: b, owner, how };
  }
  const period = sp.get("period") === "last_month" ? "last_month" : "this_month";
  const [f, t] = periodRange(period, today);
  return { period, from: f, to: t, owner, how };
}

/** The view as URL params: a named period by name (the link follows the calendar), a custom one by its days. */
export function lostSearch(p: LostParams): URLSearchParams {
  const sp = new URLSearchParams();
  if (p.period === "custom") {
    sp.set("from", p.from);
    sp.set("to", p.to);
  } else if (p.period !== "this_month") {
    sp.set("period", p.period);
  }
  if (p.owner) sp.set("owner", p.owner);
  if (p.how) sp.set("how", p.how);
  return sp;
}

/** The API's `from` / `to` (`to` exclusive) for whole China days. */
export function lostApiRange(from: string, to: string): { from: string; to: string } {
  return { from: chinaDayStart(from), to: chinaDayStart(addDays(to, 1)) };
}

export type HowCounts = Record<LostHow, number>;

function zero(): HowCounts {
  return { release: 0, recycle: 0, transfer: 0 };
}

/** Total lost and the split by how. */
export function lostTotals(rows: LostRow[]): HowCounts & { total: number } {
  const out = zero();
  for (const r of rows) out[r.how] += r.count;
  return { ...out, total: out.release + out.recycle + out.transfer };
}

export interface OwnerLoss extends HowCounts {
  id: string;
  name: string;
  total: number;
}

/** One line per rep, the one who lost most first (ties by name). */
export function lostByOwner(rows: LostRow[]): OwnerLoss[] {
  const byId = new Map<string, OwnerLoss>();
  for (const r of rows) {
    const o = byId.get(r.owner.id) ?? { id: r.owner.id, name: r.owner.name, ...zero(), total: 0 };
    o[r.how] += r.count;
    o.total += r.count;
    byId.set(r.owner.id, o);
  }
  return [...byId.values()].sort((a, b) => b.total - a.total || a.name.localeCompare(b.name));
}

export interface RuleLoss {
  key: string;
  how: LostHow;
  rule: string | null;
  count: number;
}

/** One line per (how, rule) over all the rows' reps, the most frequent first. */
export function lostByRule(rows: LostRow[]): RuleLoss[] {
  const byKey = new Map<string, RuleLoss>();
  for (const r of rows) {
    const key = `${r.how}\u0000${r.rule ?? ""}`;
    const e = byKey.get(key) ?? { key, how: r.how, rule: r.rule, count: 0 };
    e.count += r.count;
    byKey.set(key, e);
  }
  return [...byKey.values()].sort((a, b) => b.count - a.count || HOWS.indexOf(a.how) - HOWS.indexOf(b.how));
}

/** The rows the view counts: one rep's and / or one way's. */
export function filterRows(rows: LostRow[], owner: string | null, how: LostHow | null): LostRow[] {
  return rows.filter((r) => (!owner || r.owner.id === owner) && (!how || r.how === how));
}

export interface RuleTexts {
  tier: (tier: string, days: string) => string;
  noDeal: (days: string) => string;
  contractEnded: (days: string) => string;
  /** The text for a row without a rule (a release or transfer: the rep's or manager's choice). */
  none: (how: LostHow) => string;
}

/** The rule texts in the reader's language. */
export function ruleTexts(t: Translate): RuleTexts {
  return {
    tier: (tier, days) => t("recycle.rule.tier", { tier, days }),
    noDeal: (days) => t("recycle.rule.noDeal", { days }),
    contractEnded: (days) => t("recycle.rule.contractEnded", { days }),
    none: (how) => t(`lost.noRule.${how}`),
  };
}

/**
 * A recycle rule as the server records it ("tier A: not followed up within 30 days", "no won
 * deal within 90 days of the claim"), in the reader's language; anything else as it is.
 */
export function ruleText(how: LostHow, rule: string | null, texts: RuleTexts): string {
  if (!rule) return texts.none(how);
  const tier = /^tier (\S+): not followed up within (\d+) days$/.exec(rule);
  if (tier) return texts.tier(tier[1]!, tier[2]!);
  const deal = /^no won deal within (\d+) days of the claim$/.exec(rule);
  if (deal) return texts.noDeal(deal[1]!);
  const ended = /^contract ended (\d+) days ago$/.exec(rule);
  if (ended) return texts.contractEnded(ended[1]!);
  return rule;
}

export type LostChartOption = ComposeOption<BarSeriesOption | TooltipComponentOption | LegendComponentOption | GridComponentOption>;

/** The chart shows this many reps at most (the table lists them all). */
export const CHART_OWNERS = 15;

export const HOW_COLORS: Record<LostHow, string> = { release: "#faad14", recycle: "#ff4d4f", transfer: "#1677ff" };

/** Lost customers per rep as horizontal bars stacked by how, the rep who lost most on top. */
export function lostOwnersOption(owners: OwnerLoss[], howLabel: (how: LostHow) => string, selected: string | null = null): LostChartOption {
  const shown = owners.slice(0, CHART_OWNERS);
  return {
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
    legend: { top: 0 },
    grid: { left: 8, right: 24, top: 32, bottom: 8, containLabel: true },
    xAxis: { type: "value", minInterval: 1 },
    yAxis: {
      type: "category",
      inverse: true,
      data: shown.map((o) => ({ value: o.name, textStyle: o.id === selected ? { fontWeight: "bold" } : {} })),
    },
    series: HOWS.map((how) => ({
      type: "bar" as const,
      name: howLabel(how),
      stack: "lost",
      barMaxWidth: 24,
      itemStyle: { color: HOW_COLORS[how] },
      emphasis: { focus: "series" as const },
      data: shown.map((o) => o[how]),
    })),
  };
}

/** Height of the chart for `n` reps: a bar of about 28 px each. */
export function chartHeight(n: number): number {
  return Math.max(200, Math.min(n, CHART_OWNERS) * 28 + 60);
}

/**
 * Pure ECharts option builders of the pipeline board (商机漏斗): the funnel of the open stages,
 * amount vs weighted per stage, loss reasons and loss by competitor. Texts and money formatting
 * come in from the page, so nothing here depends on React or i18n. The series keep the order of
 * the server's arrays, so a click's dataIndex names the stage / reason / competitor clicked.
 * Numbers given to ECharts only size the shapes; every figure shown is the server's string.
 */
import type { BarSeriesOption, FunnelSeriesOption, PieSeriesOption } from "echarts/charts";
import type { GridComponentOption, LegendComponentOption, TooltipComponentOption } from "echarts/components";
import type { ComposeOption } from "echarts/core";
import type { PipelineLossCompetitor, PipelineLossReason, PipelineStageRow } from "./pipelineHelpers";

export type PipelineChartOption = ComposeOption<
  FunnelSeriesOption | BarSeriesOption | PieSeriesOption | TooltipComponentOption | LegendComponentOption | GridComponentOption
>;

export interface ChartTexts {
  /** A stage's display name. */
  stage: (s: PipelineStageRow) => string;
  /** A decimal string as money ("¥1,000,000.00"). */
  money: (value: string) => string;
  /** A percent string ("30.00" → "30%"). */
  rate: (value: string) => string;
  /** "{n} opportunities". */
  count: (n: number) => string;
  amount: string;
  weighted: string;
}

/** A funnel layer's text: the stage with its win rate, then count, amount and weighted value. */
export function funnelLabel(s: PipelineStageRow, x: ChartTexts): string {
  return `${x.stage(s)} (${x.rate(s.win_rate)})\n${x.count(s.count)} · ${x.money(s.amount)} · ${x.weighted} ${x.money(s.weighted)}`;
}

/**
 * The open stages as a funnel, in the server's order (by position): the layers narrow with the
 * stage, whatever their amounts (a classic sales funnel), and each layer's label carries the
 * real figures. The layer's `id` is its stage_id.
 */
export function funnelOption(stages: PipelineStageRow[], x: ChartTexts): PipelineChartOption {
  const labels = stages.map((s) => funnelLabel(s, x));
  const n = stages.length;
  return {
    tooltip: { trigger: "item", formatter: (p) => labels[(p as { dataIndex: number }).dataIndex]!.replace("\n", "<br/>") },
    series: [
      {
        type: "funnel",
        sort: "none",
        min: 0,
        max: Math.max(n, 1),
        minSize: "30%",
        maxSize: "100%",
        left: "5%",
        width: "90%",
        gap: 2,
        label: { show: true, position: "inside", formatter: (p) => labels[p.dataIndex] ?? "" },
        data: stages.map((s, i) => ({ id: s.stage_id, name: x.stage(s), value: n - i })),
      },
    ],
  };
}

/** Amount and weighted value per open stage as grouped bars, figures in the tooltip. */
export function amountWeightedOption(stages: PipelineStageRow[], x: ChartTexts): PipelineChartOption {
  return {
    tooltip: {
      trigger: "axis",
      axisPointer: { type: "shadow" },
      formatter: (params) => {
        const first = (Array.isArray(params) ? params[0] : params) as { dataIndex: number } | undefined;
        const s = first ? stages[first.dataIndex] : undefined;
        if (!s) return "";
        return `${x.stage(s)}<br/>${x.amount}: ${x.money(s.amount)}<br/>${x.weighted}: ${x.money(s.weighted)}`;
      },
    },
    legend: { top: 0 },
    grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
    xAxis: { type: "category", data: stages.map((s) => x.stage(s)), axisLabel: { interval: 0 } },
    yAxis: { type: "value" },
    series: [
      { type: "bar", name: x.amount, barMaxWidth: 32, data: stages.map((s) => Number(s.amount)) },
      { type: "bar", name: x.weighted, barMaxWidth: 32, data: stages.map((s) => Number(s.weighted)) },
    ],
  };
}

/** Lost opportunities per reason (count) as a doughnut, amounts in the tooltip. */
export function lossReasonsOption(reasons: PipelineLossReason[], x: Pick<ChartTexts, "money" | "count">, name: (r: PipelineLossReason) => string): PipelineChartOption {
  return {
    tooltip: {
      trigger: "item",
      formatter: (p) => {
        const r = reasons[(p as { dataIndex: number }).dataIndex];
        return r ? `${name(r)}<br/>${x.count(r.count)} · ${x.money(r.amount)}` : "";
      },
    },
    legend: { type: "scroll", orient: "vertical", left: 0, top: "middle" },
    series: [
      {
        type: "pie",
        radius: ["38%", "66%"],
        center: ["62%", "50%"],
        label: { formatter: "{b}: {c}" },
        data: reasons.map((r) => ({ id: r.reason, name: name(r), value: r.count })),
      },
    ],
  };
}

/** Lost opportunities per competitor (count) as horizontal bars, the most on top. */
export function lossCompetitorsOption(rivals: PipelineLossCompetitor[], x: Pick<ChartTexts, "money" | "count">, seriesName: string): PipelineChartOption {
  return {
    tooltip: {
      trigger: "axis",
      axisPointer: { type: "shadow" },
      formatter: (params) => {
        const first = (Array.isArray(params) ? params[0] : params) as { dataIndex: number } | undefined;
        const r = first ? rivals[first.dataIndex] : undefined;
        return r ? `${r.name}<br/>${x.count(r.count)} · ${x.money(r.amount)}` : "";
      },
    },
    grid: { left: 8, right: 32, top: 8, bottom: 8, containLabel: true },
    xAxis: { type: "value", minInterval: 1 },
    yAxis: { type: "category", inverse: true, data: rivals.map((r) => r.name) },
    series: [
      {
        type: "bar",
        name: seriesName,
        barMaxWidth: 24,
        label: { show: true, position: "right" },
        data: rivals.map((r) => ({ id: r.competitor_id, value: r.count })),
      },
    ],
  };
}

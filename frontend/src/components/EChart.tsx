/**
 * A minimal React wrapper around an ECharts instance: created on mount in a div of its own,
 * fed each new `option` (replacing the previous one), resized with the window and the container,
 * disposed on unmount. Only the chart types and components registered below are available
 * (tree-shaken build); import this module lazily, it carries ECharts with it.
 */
import { BarChart, FunnelChart, LineChart, PieChart } from "echarts/charts";
import { GridComponent, LegendComponent, TooltipComponent } from "echarts/components";
import { init, use as registerECharts, type ECharts, type EChartsCoreOption } from "echarts/core";
import { CanvasRenderer } from "echarts/renderers";
import { useEffect, useRef, type CSSProperties } from "react";

registerECharts([BarChart, FunnelChart, LineChart, PieChart, GridComponent, LegendComponent, TooltipComponent, CanvasRenderer]);

export interface EChartProps {
  option: EChartsCoreOption;
  /** Height of the chart (the width follows the container). */
  height?: number | string;
  /** Shows ECharts' loading mask over the chart. */
  loading?: boolean;
  style?: CSSProperties;
  "data-testid"?: string;
}

export function EChart({ option, height = 320, loading = false, style, "data-testid": testId }: EChartProps) {
  const el = useRef<HTMLDivElement>(null);
  const chart = useRef<ECharts | null>(null);

  useEffect(() => {
    const node = el.current;
    if (!node) return;
    const instance = init(node);
    chart.current = instance;
    const resize = () => instance.resize();
    window.addEventListener("resize", resize);
    // the container also changes size without the window (e.g. the side menu collapsing)
    const observer = typeof ResizeObserver === "undefined" ? null : new ResizeObserver(resize);
    observer?.observe(node);
    return () => {
      window.removeEventListener("resize", resize);
      observer?.disconnect();
      chart.current = null;
      instance.dispose();
    };
  }, []);

  useEffect(() => {
    chart.current?.setOption(option, { notMerge: true });
  }, [option]);

  useEffect(() => {
    if (loading) chart.current?.showLoading();
    else chart.current?.hideLoading();
  }, [loading]);

  return <div ref={el} data-testid={testId} style={{ width: "100%", height, ...style }} />;
}

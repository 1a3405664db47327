/**
 * An ECharts chart whose items can be clicked (the board's drill-down): like components/EChart,
 * plus `onItemClick(dataIndex)`. Carries ECharts: import it lazily (PipelineRoute does).
 */
import { BarChart, FunnelChart, PieChart } from "echarts/charts";
import { GridComponent, LegendComponent, TooltipComponent } from "echarts/components";
import { init, use as registerECharts, type ECharts, type EChartsCoreOption } from "echarts/core";
import { CanvasRenderer } from "echarts/renderers";
import { useEffect, useRef } from "react";

registerECharts([BarChart, FunnelChart, PieChart, GridComponent, LegendComponent, TooltipComponent, CanvasRenderer]);

export interface PipelineChartProps {
  option: EChartsCoreOption;
  height?: number;
  loading?: boolean;
  /** Called with the index of the clicked item in the series' data. */
  onItemClick?: (dataIndex: number) => void;
  "data-testid"?: string;
}

export function PipelineChart({ option, height = 320, loading = false, onItemClick, "data-testid": testId }: PipelineChartProps) {
  const el = useRef<HTMLDivElement>(null);
  const chart = useRef<ECharts | null>(null);
  const onClick = useRef(onItemClick);
  useEffect(() => {
    onClick.current = onItemClick;
  }, [onItemClick]);

  useEffect(() => {
    const node = el.current;
    if (!node) return;
    const instance = init(node);
    chart.current = instance;
    instance.on("click", (p) => {
      if (typeof p.dataIndex === "number") onClick.current?.(p.dataIndex);
    });
    const resize = () => instance.resize();
    window.addEventListener("resize", resize);
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

  return <div ref={el} data-testid={testId} style={{ width: "100%", height, cursor: onItemClick ? "pointer" : undefined }} />;
}

import { Spin } from "antd";
import { lazy, Suspense } from "react";

// The board carries ECharts: loaded on first visit, in a chunk of its own.
const PipelinePage = lazy(() => import("./PipelinePage").then((m) => ({ default: m.PipelinePage })));

/** The pipeline board (商机漏斗), loaded on demand. */
export function PipelineRoute() {
  return (
    <Suspense
      fallback={
        <div style={{ display: "flex", justifyContent: "center", padding: 96 }}>
          <Spin size="large" />
        </div>
      }
    >
      <PipelinePage />
    </Suspense>
  );
}

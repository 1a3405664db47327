import { Spin } from "antd";
import { lazy, Suspense } from "react";

// The board carries ECharts: loaded on first visit, in a chunk of its own.
const LeadBoardPage = lazy(() => import("./LeadBoardPage").then((m) => ({ default: m.LeadBoardPage })));

/** The lead board (线索看板), loaded on demand. */
export function LeadBoardRoute() {
  return (
    <Suspense
      fallback={
        <div style={{ display: "flex", justifyContent: "center", padding: 96 }}>
          <Spin size="large" />
        </div>
      }
    >
      <LeadBoardPage />
    </Suspense>
  );
}

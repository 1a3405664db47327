import { Spin } from "antd";
import { lazy, Suspense } from "react";

// The board carries ECharts: loaded on first visit, in a chunk of its own.
const LostBoardPage = lazy(() => import("./LostBoardPage").then((m) => ({ default: m.LostBoardPage })));

/** The lost-customer board (遗失看板), loaded on demand. */
export function LostBoardRoute() {
  return (
    <Suspense
      fallback={
        <div style={{ display: "flex", justifyContent: "center", padding: 96 }}>
          <Spin size="large" />
        </div>
      }
    >
      <LostBoardPage />
    </Suspense>
  );
}

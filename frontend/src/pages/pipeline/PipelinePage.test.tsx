import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import { App as AntApp } from "antd";
import { afterEach, describe, expect, it, vi } from "vitest";
import { chinaDay } from "../../components/chinaTime";
import { fakeApi, json, renderPage, type Seen } from "../../test/fakeApi";
import type { DrillItem, PipelineBoard, PipelineStageRow } from "./pipelineHelpers";
import { periodRange } from "./pipelineHelpers";

// no canvas in jsdom: the charts are placeholders here (the option builders have their own test)
vi.mock("./PipelineChart", () => ({
  PipelineChart: ({ "data-testid": testId }: { "data-testid"?: string }) => <div data-testid={testId} />,
}));

const { PipelinePage } = await import("./PipelinePage");

function stage(code: string, name: string, rate: string, weighted: string): PipelineStageRow {
  return {
    stage_id: `s-${code}`,
    code,
    name,
    win_rate: rate,
    forecast_category: code === "signing" ? "commit" : "pipeline",
    count: 2,
    amount: "1000000.00",
    weighted,
    reached: 10,
    conversion_to_next: "50.00",
    avg_days: "3.25",
    moves: 4,
  };
}

// the seed's funnel (2,600,000 weighted); the target is beyond a double's exact integers, so a
// gap computed in the browser would come out as …996.00, the server's is …995.00
const BOARD: PipelineBoard = {
  business_line: { id: "b1", name: "标准销售流程 / Standard" },
  period: { from: "2026-10-01", to: "2026-12-31" },
  currency: "CNY",
  stages: [
    stage("initial", "初步接洽 / Initial", "10.00", "100000.00"),
    stage("needs", "需求确认 / Needs", "30.00", "300000.00"),
    stage("solution", "方案报价 / Solution", "50.00", "500000.00"),
    stage("negotiation", "商务谈判 / Negotiation", "70.00", "700000.00"),
    stage("signing", "签约 / Signing", "100.00", "1000000.00"),
  ],
  totals: { count: 10, amount: "5000000.00", weighted: "2600000.00" },
  by_forecast_category: [{ category: "pipeline", count: 8, amount: "4000000.00", weighted: "1600000.00" }],
  target: { amount: "9007199254740995.00", weighted_pipeline: "2600000.00", gap: "9007199252140995.00", attainment: "0.01" },
  stock_vs_new: { new: { count: 3, amount: "300000.00" }, stock: { count: 7, amount: "4700000.00" } },
  outcomes: { won: { count: 1, amount: "800000.00" }, lost: { count: 3, amount: "900000.00" }, loss_rate: "75.00" },
  loss_reasons: [{ reason: "price", name: "价格", count: 2, amount: "600000.00" }],
  loss_competitors: [{ competitor_id: "c1", name: "友商甲", count: 1, amount: "300000.00" }],
};

function item(id: string, name: string): DrillItem {
  return {
    id,
    name,
    customer_id: "cu1",
    customer_name: "华东精密",
    owner_id: "u2",
    owner_name: "张三",
    stage_id: "s-needs",
    stage_name: "需求确认 / Needs",
    amount: "1000000.00",
    won_amount: null,
    currency: "CNY",
    weighted: "300000.00",
    expected_close_date: "2026-12-20",
    status: "open",
    created_at: "2026-10-02T02:00:00Z",
    closed_at: null,
    lost_reason: null,
    lost_to_id: null,
  };
}

function server(board: (req: Seen) => Response = () => json(BOARD)) {
  return fakeApi((req) => {
    if (req.path === "/analytics/pipeline") return board(req);
    if (req.path === "/analytics/pipeline/opportunities") {
      return req.query.get("cursor")
        ? json({ items: [item("o3", "三号项目")], next_cursor: null })
        : json({ items: [item("o1", "一号项目"), item("o2", "二号项目")], next_cursor: "next" });
    }
    return json({ items: [], next_cursor: null });
  });
}

const DIRECTOR = { opportunity: { read: "zone" }, sales_target: { manage: "zone" }, business_line: { read: "all" } } as const;
const REP = { opportunity: { read: "own" }, business_line: { read: "all" } } as const;

function open(url: string, permissions: typeof DIRECTOR | typeof REP = DIRECTOR) {
  return renderPage(
    <AntApp>
      <PipelinePage />
    </AntApp>,
    { url, path: "/pipeline", permissions },
  );
}

const boards = (seen: Seen[]) => seen.filter((s) => s.path === "/analytics/pipeline");
const drills = (seen: Seen[]) => seen.filter((s) => s.path === "/analytics/pipeline/opportunities");

describe("PipelinePage", () => {
  afterEach(() => vi.unstubAllGlobals());

  it("shows the server's figures — the gap exactly as sent — and the period asked from the URL", async () => {
    const seen = server();
    open("/pipeline?period=quarter&team_id=t1");
    const gap = await screen.findByTestId("pipeline-kpi-gap");
    await waitFor(() => expect(gap).toHaveAttribute("data-value", "9007199252140995.00"));
    expect(gap).toHaveTextContent("¥9,007,199,252,140,995.00");
    expect(screen.getByTestId("pipeline-kpi-weighted")).toHaveTextContent("¥2,600,000.00");
    expect(screen.getByTestId("pipeline-kpi-target")).toHaveTextContent("¥9,007,199,254,740,995.00");
    expect(screen.getByTestId("pipeline-kpi-lost")).toHaveTextContent("¥900,000.00");
    expect(screen.getByTestId("pipeline-kpi-loss-rate")).toHaveTextContent("75%");
    expect(screen.getByTestId("pipeline-kpi-stock")).toHaveTextContent("7 个商机");

    const quarter = periodRange("quarter", chinaDay(Date.now()));
    const q = boards(seen).at(-1)!.query;
    expect(q.get("from")).toBe(quarter.from);
    expect(q.get("to")).toBe(quarter.to);
    expect(q.get("team_id")).toBe("t1");
    // a director picks zones, teams and people
    expect(screen.getByTestId("pipeline-zone")).toBeInTheDocument();
    expect(screen.getByTestId("pipeline-owner")).toBeInTheDocument();

    const rows = within(screen.getByTestId("pipeline-stages")).getAllByTestId("pipeline-stage-row");
    expect(rows.map((r) => r.getAttribute("data-code"))).toEqual(["initial", "needs", "solution", "negotiation", "signing"]);
    expect(rows[1]).toHaveTextContent("需求确认");
    expect(rows[1]).toHaveTextContent("¥300,000.00");
    expect(rows[1]).toHaveTextContent("50%");
    expect(rows[1]).toHaveTextContent("3.25 天");
    expect(screen.getByTestId("pipeline-funnel")).toBeInTheDocument();
  });

  it("drills into a stage: the drawer lists its opportunities, a page at a time", async () => {
    const seen = server();
    open("/pipeline?business_line_id=b1", REP);
    const rows = await screen.findAllByTestId("pipeline-stage-row");
    expect(screen.queryByTestId("pipeline-zone")).toBeNull(); // a rep sees only their own
    fireEvent.click(rows[1]!);

    const drawer = await screen.findByTestId("pipeline-drill");
    await waitFor(() => expect(within(drawer).getAllByTestId("pipeline-drill-row")).toHaveLength(2));
    const q = drills(seen)[0]!.query;
    expect(q.get("stage_id")).toBe("s-needs");
    expect(q.get("business_line_id")).toBe("b1");
    expect(q.has("bucket")).toBe(false);
    expect(within(drawer).getAllByTestId("pipeline-drill-link")[0]).toHaveAttribute("href", "/opportunities/o1");
    expect(screen.getByText("阶段：需求确认")).toBeInTheDocument();

    fireEvent.click(within(drawer).getByTestId("pipeline-drill-more"));
    await waitFor(() => expect(within(drawer).getAllByTestId("pipeline-drill-row")).toHaveLength(3));
    expect(drills(seen).at(-1)!.query.get("cursor")).toBe("next");
    expect(drills(seen).at(-1)!.query.get("stage_id")).toBe("s-needs");
  });
});

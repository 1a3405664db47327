import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { fakeApi, json, renderPage, type Seen } from "../../test/fakeApi";
import { OpportunityBoardPage } from "./OpportunityBoardPage";
import type { Board, OpportunityItem } from "./opportunityHelpers";

const REP = { opportunity: { read: "own", create: "own", update: "own", move: "own" }, business_line: { read: "all" } } as const;

const CARD: OpportunityItem = {
  id: "o1",
  name: "华东精密 MES 一期",
  customer: { id: "c1", name: "华东精密" },
  business_line_id: "L1",
  stage: { id: "s-initial", name: "初步接洽 / Initial contact" },
  stage_code: "initial",
  win_rate: "10.00",
  status: "open",
  amount: "1200000.00",
  currency: "CNY",
  weighted: "120000.00",
  expected_close_date: "2026-12-31",
  grade: "A",
  priority: "key",
  source: "manual",
  owner: { id: "u1", display_name: "王销售" },
  zone_id: null,
  team_id: null,
  queue: null,
  next_step: null,
  approval_status: "pending",
  special_kind: "key_customer",
  conflict: true,
  days_in_stage: 12,
  stage_entered_at: "2026-11-11T00:00:00Z",
  updated_at: "2026-11-23T00:00:00Z",
  version: 3,
};

function stage(id: string, code: string, name: string, kind: string, position: number, rate: string, count: number, amount: string, weighted: string, cards: OpportunityItem[] = []) {
  return { id, code, name, kind, position, win_rate: rate, forecast_category: "pipeline", count, amount, weighted, cards };
}

const BOARD: Board = {
  business_line: { id: "L1", name: "标准销售流程 / Standard" },
  stages: [
    stage("s-initial", "initial", "初步接洽 / Initial contact", "open", 1, "10.00", 3, "1500000.00", "150000.00", [CARD]),
    stage("s-needs", "needs", "需求确认 / Needs confirmed", "open", 2, "30.00", 0, "0.00", "0.00"),
    stage("s-won", "won", "赢单 / Won", "won", 6, "100.00", 2, "900000.00", "0.00"),
    stage("s-lost", "lost", "输单 / Lost", "lost", 7, "0.00", 1, "50000.00", "0.00"),
  ],
};

const LINES = [
  {
    id: "L1",
    code: "standard",
    name: "标准销售流程 / Standard",
    description: null,
    is_active: true,
    is_default: true,
    position: 0,
    grade_thresholds: {},
    version: 1,
    created_at: "",
    updated_at: "",
    stages: [],
  },
];

const MISSING = {
  type: "https://l2c-crm.dev/problems/stage-criteria-not-met",
  title: "The stage's exit criteria are not met",
  status: 422,
  detail: "before leaving 初步接洽: …",
  missing: [
    { stage: "initial", kind: "required_field", item: "expected_close_date", message: "填写预计成交日期" },
    { stage: "initial", kind: "min_contacts", item: "1", message: "决策链中至少 1 位联系人" },
    { stage: "needs", kind: "key_role", item: "decision_maker", message: "在决策链中确定决策者 / identify one" },
  ],
  errors: [],
};

function serve(move: (req: Seen) => Response) {
  return fakeApi((req) => {
    if (req.method === "POST" && req.path === "/opportunities/o1/stage") return move(req);
    if (req.path === "/opportunities/board") return json(BOARD);
    if (req.path === "/business-lines") return json({ items: LINES });
    if (req.path === "/opportunities/lost-reasons")
      return json({ items: [{ code: "price", name: "价格 / Price" }, { code: "timing", name: "时机未到 / Timing" }] });
    if (req.path === "/competitors") return json({ items: [], next_cursor: null });
    return json({ items: [], next_cursor: null });
  });
}

const posts = (seen: Seen[]) => seen.filter((s) => s.method === "POST");

describe("OpportunityBoardPage", () => {
  afterEach(() => vi.unstubAllGlobals());

  it("shows the columns with the server's totals; a move to an open stage posts it, and unmet criteria are listed", async () => {
    const seen = serve(() => json(MISSING, 422));
    renderPage(<OpportunityBoardPage />, { url: "/opportunities/board", path: "/opportunities/board", permissions: REP });

    const initial = await screen.findByTestId("board-column-initial");
    expect(initial).toHaveAttribute("data-count", "3");
    expect(within(initial).getByTestId("board-column-name")).toHaveTextContent("初步接洽");
    expect(within(initial).getByTestId("board-column-rate")).toHaveTextContent("10%");
    expect(within(initial).getByTestId("board-column-count")).toHaveTextContent("3 个");
    expect(within(initial).getByTestId("board-column-amount")).toHaveTextContent("¥1,500,000.00");
    expect(within(initial).getByTestId("board-column-weighted")).toHaveTextContent("¥150,000.00");
    // won and lost are drop targets with this month's closes, without a weighted value
    const won = screen.getByTestId("board-column-won");
    expect(within(won).getByTestId("board-column-amount")).toHaveTextContent("¥900,000.00");
    expect(within(won).queryByTestId("board-column-weighted")).toBeNull();
    expect(within(initial).getByTestId("board-column-more")).toHaveAttribute("href", "/opportunities?business_line_id=L1&stage_id=s-initial");
    expect(seen.find((s) => s.path === "/opportunities/board")!.query.get("per_stage")).toBe("20");

    const card = within(initial).getByTestId("opportunity-card");
    expect(card).toHaveAttribute("data-id", "o1");
    expect(card).toHaveTextContent("华东精密");
    expect(within(card).getByTestId("card-amount")).toHaveTextContent("¥1,200,000.00");
    expect(within(card).getByTestId("card-owner")).toHaveTextContent("王销售");
    expect(within(card).getByTestId("card-close-date")).toHaveTextContent("2026-12-31");
    expect(within(card).getByTestId("card-days")).toHaveTextContent("停留 12 天");
    expect(within(card).getByTestId("card-special")).toHaveTextContent("重点客户");
    expect(within(card).getByTestId("card-approval-pending")).toBeInTheDocument();
    expect(within(card).getByTestId("card-conflict")).toBeInTheDocument();

    fireEvent.click(within(card).getByTestId("opportunity-card-move"));
    fireEvent.click(await screen.findByTestId("move-to-needs"));
    await waitFor(() => expect(posts(seen)).toHaveLength(1));
    const post = posts(seen)[0]!;
    expect(JSON.parse(post.body)).toEqual({ stage_id: "s-needs" });
    expect(post.headers.get("If-Match")).toBe('"3"');

    const missing = await screen.findByTestId("stage-missing");
    const groups = within(missing).getAllByTestId("stage-missing-group");
    expect(groups.map((g) => g.getAttribute("data-stage"))).toEqual(["initial", "needs"]);
    expect(groups[0]).toHaveTextContent("初步接洽");
    expect(within(groups[0]!).getAllByTestId("stage-missing-item").map((i) => i.textContent)).toEqual(["填写预计成交日期", "决策链中至少 1 位联系人"]);
    expect(within(groups[1]!).getByTestId("stage-missing-item")).toHaveTextContent("在决策链中确定决策者");
    expect(within(missing).getByTestId("stage-missing-open")).toHaveAttribute("href", "/opportunities/o1");
  });

  it("dropping a card on lost asks for the reason before posting it", async () => {
    const seen = serve(() => json({ ...CARD, id: "o1" }));
    renderPage(<OpportunityBoardPage />, { url: "/opportunities/board", path: "/opportunities/board", permissions: REP });
    const card = await screen.findByTestId("opportunity-card");
    const lost = screen.getByTestId("board-column-lost");
    fireEvent.dragStart(card);
    fireEvent.dragOver(lost);
    fireEvent.drop(lost);

    fireEvent.click(await screen.findByTestId("stage-move-confirm"));
    expect(await screen.findByText("请选择输单原因")).toBeInTheDocument();
    expect(posts(seen)).toHaveLength(0);

    fireEvent.mouseDown((await screen.findByTestId("stage-move-reason")).querySelector(".ant-select-selector")!);
    fireEvent.click((await screen.findAllByTitle("价格")).find((o) => o.classList.contains("ant-select-item-option"))!);
    fireEvent.change(screen.getByTestId("stage-move-note"), { target: { value: " 对方报价低 20% " } });
    fireEvent.click(screen.getByTestId("stage-move-confirm"));
    await waitFor(() => expect(posts(seen)).toHaveLength(1));
    expect(JSON.parse(posts(seen)[0]!.body)).toEqual({ stage_id: "s-lost", lost: { reason: "price", note: "对方报价低 20%" } });
    await waitFor(() => expect(screen.queryByTestId("stage-move-form")).toBeNull());
  });
});

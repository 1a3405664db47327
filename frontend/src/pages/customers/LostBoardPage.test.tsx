import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { fakeApi, json, renderPage, type Seen } from "../../test/fakeApi";
import { lostApiRange, type LostRow } from "./lostBoard";

// no canvas in jsdom: the chart is a placeholder here (its option is tested in lostBoard.test.ts)
vi.mock("../../components/EChart", () => ({
  EChart: ({ "data-testid": testId }: { "data-testid"?: string }) => <div data-testid={testId} />,
}));

const { LostBoardPage } = await import("./LostBoardPage");

const ZHANG = { id: "u-zhang", name: "张三" };
const LI = { id: "u-li", name: "李四" };

const ROWS: LostRow[] = [
  { owner: ZHANG, how: "recycle", rule: "tier A: not followed up within 30 days", count: 5 },
  { owner: ZHANG, how: "recycle", rule: "no won deal within 90 days of the claim", count: 2 },
  { owner: ZHANG, how: "release", rule: null, count: 1 },
  { owner: LI, how: "recycle", rule: "tier A: not followed up within 30 days", count: 3 },
  { owner: LI, how: "transfer", rule: null, count: 9 },
];

function serve(rows: LostRow[] | ((req: Seen) => Response)) {
  return fakeApi((req) => {
    if (req.path === "/analytics/lost-customers") return typeof rows === "function" ? rows(req) : json({ items: rows });
    return json({ status: 404, title: "Not found" }, 404);
  });
}

function open(search: string) {
  return renderPage(<LostBoardPage />, { url: `/customers/lost${search}`, path: "/customers/lost", permissions: { customer: { read: "team" } } });
}

const ownerKeys = () => screen.getAllByTestId("lost-owner-row").map((r) => r.getAttribute("data-key"));

describe("LostBoardPage", () => {
  afterEach(() => vi.unstubAllGlobals());

  it("asks for the range in the URL and shows the totals, the reps and the rules", async () => {
    const seen = serve(ROWS);
    open("?from=2024-05-01&to=2024-05-31");

    await waitFor(() => expect(screen.getByTestId("lost-kpi-total")).toHaveAttribute("data-value", "20"));
    expect(screen.getByTestId("lost-kpi-total")).toHaveTextContent("20");
    expect(screen.getByTestId("lost-kpi-recycle")).toHaveTextContent("10");
    expect(screen.getByTestId("lost-kpi-recycle")).toHaveTextContent("占 50.0%");
    expect(screen.getByTestId("lost-kpi-transfer")).toHaveTextContent("9");
    expect(screen.getByTestId("lost-kpi-release")).toHaveTextContent("1");

    const range = lostApiRange("2024-05-01", "2024-05-31");
    const q = seen.find((s) => s.path === "/analytics/lost-customers")!.query;
    expect([q.get("from"), q.get("to")]).toEqual([range.from, range.to]);
    expect(range.from).toBe("2024-04-30T16:00:00.000Z"); // China midnight

    // the rep who lost most first
    expect(ownerKeys()).toEqual(["u-li", "u-zhang"]);
    const [li] = screen.getAllByTestId("lost-owner-row");
    expect(li).toHaveTextContent("李四");
    expect(li).toHaveTextContent("12");

    const rules = screen.getAllByTestId("lost-rule-row");
    expect(rules.map((r) => r.textContent)).toEqual([
      "转交转交给其他销售945.0%",
      "自动回收分层 A：30 天未跟进840.0%",
      "自动回收领取后 90 天未成交210.0%",
      "主动释放销售主动释放15.0%",
    ]);
    expect(screen.getByTestId("lost-rules-total")).toHaveTextContent("20");
    expect(screen.getByTestId("lost-chart")).toBeInTheDocument();
  });

  it("narrows to a rep clicked in the table, in the URL, and back", async () => {
    serve(ROWS);
    const { where } = open("?from=2024-05-01&to=2024-05-31");
    await waitFor(() => expect(ownerKeys()).toEqual(["u-li", "u-zhang"]));

    fireEvent.click(screen.getAllByTestId("lost-owner-row")[1]!);
    await waitFor(() => expect(where()).toBe("/customers/lost?from=2024-05-01&to=2024-05-31&owner=u-zhang"));
    expect(screen.getByTestId("lost-filter-owner")).toHaveTextContent("销售：张三");
    expect(screen.getByTestId("lost-kpi-total")).toHaveAttribute("data-value", "8");
    expect(screen.getByTestId("lost-kpi-recycle")).toHaveTextContent("7");
    expect(screen.getAllByTestId("lost-rule-row")).toHaveLength(3);
    expect(screen.getByTestId("lost-rules-total")).toHaveTextContent("8");
    // the reps stay listed to compare and switch
    expect(ownerKeys()).toEqual(["u-li", "u-zhang"]);

    fireEvent.click(screen.getAllByTestId("lost-owner-row")[1]!);
    await waitFor(() => expect(where()).toBe("/customers/lost?from=2024-05-01&to=2024-05-31"));
    expect(screen.getByTestId("lost-kpi-total")).toHaveAttribute("data-value", "20");
  });

  it("compares the reps on one way of losing, picked from its KPI", async () => {
    serve(ROWS);
    const { where } = open("?from=2024-05-01&to=2024-05-31");
    await waitFor(() => expect(screen.getByTestId("lost-kpi-total")).toHaveAttribute("data-value", "20"));
    fireEvent.click(screen.getByTestId("lost-kpi-recycle"));
    await waitFor(() => expect(where()).toContain("how=recycle"));
    expect(ownerKeys()).toEqual(["u-zhang", "u-li"]); // 7 recycled vs 3
    expect(screen.getAllByTestId("lost-rule-row").map((r) => r.getAttribute("data-how"))).toEqual(["recycle", "recycle"]);
    fireEvent.click(screen.getByTestId("lost-clear"));
    await waitFor(() => expect(where()).toBe("/customers/lost?from=2024-05-01&to=2024-05-31"));
  });

  it("switches to last month", async () => {
    const seen = serve(ROWS);
    const { where } = open("");
    await waitFor(() => expect(screen.getByTestId("lost-kpi-total")).toHaveAttribute("data-value", "20"));
    fireEvent.click(within(screen.getByTestId("lost-period")).getByText("上月"));
    await waitFor(() => expect(where()).toBe("/customers/lost?period=last_month"));
    await waitFor(() => expect(seen.filter((s) => s.path === "/analytics/lost-customers")).toHaveLength(2));
    const [thisMonth, lastMonth] = seen.map((s) => s.query.get("from")!);
    expect(Date.parse(lastMonth!)).toBeLessThan(Date.parse(thisMonth!));
  });

  it("says so when nobody lost a customer", async () => {
    serve([]);
    open("?period=last_month");
    expect(await screen.findByTestId("lost-empty")).toHaveTextContent("该期间内没有遗失的客户");
    expect(screen.getByTestId("lost-kpi-total")).toHaveTextContent("0");
    expect(screen.queryByTestId("lost-owners")).toBeNull();
  });

  it("shows an API error with a way to retry", async () => {
    serve(() => json({ type: "about:blank", title: "Forbidden", status: 403, detail: "没有查看客户的权限" }, 403));
    open("");
    const error = await screen.findByTestId("lost-error");
    expect(error).toHaveTextContent("没有查看客户的权限");
  });
});

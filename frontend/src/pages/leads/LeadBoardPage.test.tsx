import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { MemoryRouter, useLocation } from "react-router";
import { afterEach, describe, expect, it, vi } from "vitest";
import { I18nProvider } from "../../i18n/I18nProvider";
import type { LeadBoard } from "./boardCharts";
import { apiRange } from "./boardParams";

// no canvas in jsdom: the charts are placeholders here (EChart has its own test)
vi.mock("../../components/EChart", () => ({
  EChart: ({ "data-testid": testId }: { "data-testid"?: string }) => <div data-testid={testId} />,
}));

const { LeadBoardPage } = await import("./LeadBoardPage");

const counts = { contacted: 0, qualified: 0, invalid: 0, duplicates: 0 };

function boardFor(groupBy: string): LeadBoard {
  return {
    totals: { leads: 40, contacted: 10, qualified: 7, converted: 5, invalid: 6, duplicates: 2, conversion_rate: 0.125 },
    funnel: [
      { stage: "new", count: 40 },
      { stage: "contacted", count: 22 },
      { stage: "qualified", count: 12 },
      { stage: "converted", count: 5 },
    ],
    group_by: groupBy,
    groups:
      groupBy === "day" || groupBy === "week"
        ? [{ ...counts, key: "2024-05-02", label: "2024-05-02", leads: 40, converted: 5, conversion_rate: 0.125 }]
        : [
            { ...counts, key: "u1", label: "张三", leads: 30, converted: 5, invalid: 4, conversion_rate: 0.1667 },
            { ...counts, key: null, label: "—", leads: 10, converted: 0, invalid: 2, conversion_rate: 0 },
          ],
    invalid_reasons: [
      { reason: "空号", count: 4 },
      { reason: "merged", count: 2 },
    ],
  };
}

const EMPTY: LeadBoard = {
  totals: { leads: 0, contacted: 0, qualified: 0, converted: 0, invalid: 0, duplicates: 0, conversion_rate: 0 },
  funnel: [],
  group_by: "channel",
  groups: [],
  invalid_reasons: [],
};

function json(body: unknown, status = 200) {
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": status < 400 ? "application/json" : "application/problem+json" } });
}

/** Stubs fetch; returns the query strings of the board requests made. */
function stubApi(answer: (groupBy: string) => Response) {
  const queries: URLSearchParams[] = [];
  vi.stubGlobal(
    "fetch",
    vi.fn(async (req: Request) => {
      const url = new URL(req.url);
      queries.push(url.searchParams);
      return answer(url.searchParams.get("group_by") ?? "");
    }),
  );
  return queries;
}

/** A column header of a table, by its text (role queries are slow on antd tables). */
function header(table: HTMLElement, text: string): HTMLElement {
  const th = [...table.querySelectorAll<HTMLElement>("th")].find((h) => h.textContent === text);
  if (!th) throw new Error(`no column ${text}`);
  return th;
}

function Search() {
  return <span data-testid="search">{useLocation().search}</span>;
}

function renderBoard(search: string) {
  const qc = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return render(
    <QueryClientProvider client={qc}>
      <I18nProvider initial="zh-CN">
        <MemoryRouter initialEntries={[`/leads/board${search}`]}>
          <LeadBoardPage />
          <Search />
        </MemoryRouter>
      </I18nProvider>
    </QueryClientProvider>,
  );
}

describe("LeadBoardPage", () => {
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it("asks for the range and breakdown in the URL and shows the KPIs and groups", async () => {
    const queries = stubApi((g) => json(boardFor(g)));
    renderBoard("?from=2024-05-01&to=2024-05-31&group_by=owner");

    await waitFor(() => expect(screen.getByTestId("board-kpi-leads")).toHaveTextContent("40"));
    expect(screen.getByTestId("board-kpi-converted")).toHaveTextContent("5");
    expect(screen.getByTestId("board-kpi-conversion")).toHaveTextContent("12.5%");
    expect(screen.getByTestId("board-kpi-conversion")).toHaveAttribute("data-value", "0.125");
    expect(screen.getByTestId("board-kpi-invalid")).toHaveTextContent("15.0%"); // 6 of 40 leads
    expect(screen.getByTestId("board-kpi-duplicates")).toHaveTextContent("2");

    const range = apiRange("2024-05-01", "2024-05-31");
    const main = queries.find((q) => q.get("group_by") === "owner");
    expect(main?.get("from")).toBe(range.from);
    expect(main?.get("to")).toBe(range.to);
    // 31 days: the trend is daily
    expect(queries.some((q) => q.get("group_by") === "day" && q.get("from") === range.from)).toBe(true);

    const table = screen.getByTestId("board-groups");
    const rows = within(table).getAllByTestId("board-group-row");
    expect(rows.map((r) => r.getAttribute("data-key"))).toEqual(["u1", ""]);
    expect(rows[0]).toHaveTextContent("张三");
    expect(rows[0]).toHaveTextContent("16.7%");
    expect(rows[1]).toHaveTextContent("未分配"); // the group without owner
    expect(header(table, "销售代表")).toBeDefined();
    expect(screen.getByText("线索分布（按销售代表）")).toBeInTheDocument();
    expect(screen.getByTestId("board-funnel")).toBeInTheDocument();
    expect(screen.getByTestId("board-invalid-reasons")).toBeInTheDocument();
  });

  it("charts a range longer than 60 days by week", async () => {
    const queries = stubApi((g) => json(boardFor(g)));
    renderBoard("?from=2024-02-01&to=2024-04-30");
    await waitFor(() => expect(queries.some((q) => q.get("group_by") === "week")).toBe(true));
    expect(queries.some((q) => q.get("group_by") === "day")).toBe(false);
    expect(queries.some((q) => q.get("group_by") === "channel")).toBe(true);
    expect(await screen.findByText("按周")).toBeInTheDocument();
  });

  it("sorts the groups table by a column", async () => {
    stubApi((g) => json(boardFor(g)));
    renderBoard("?from=2024-05-01&to=2024-05-31&group_by=owner");
    const table = await screen.findByTestId("board-groups");
    await waitFor(() => expect(within(table).getAllByTestId("board-group-row")).toHaveLength(2));
    fireEvent.click(header(table, "线索数")); // ascending
    expect(within(table).getAllByTestId("board-group-row").map((r) => r.getAttribute("data-key"))).toEqual(["", "u1"]);
  });

  it("keeps the chosen breakdown in the URL", async () => {
    stubApi((g) => json(boardFor(g)));
    renderBoard("?from=2024-05-01&to=2024-05-31");
    await waitFor(() => expect(screen.getByTestId("board-kpi-leads")).toHaveTextContent("40"));
    const select = screen.getByTestId("board-group-by");
    fireEvent.mouseDown(select.querySelector(".ant-select-selector")!);
    fireEvent.click(await screen.findByTitle("战区"));
    await waitFor(() => expect(screen.getByTestId("search")).toHaveTextContent("from=2024-05-01&to=2024-05-31&group_by=zone"));
  });

  it("says so when the range holds no leads", async () => {
    stubApi(() => json(EMPTY));
    renderBoard("");
    expect(await screen.findByTestId("board-empty")).toHaveTextContent("该时间段内没有线索");
    expect(screen.getByTestId("board-kpi-leads")).toHaveTextContent("0");
    expect(screen.queryByTestId("board-groups")).toBeNull();
  });

  it("shows an API error with a way to retry", async () => {
    stubApi(() => json({ type: "about:blank", title: "Forbidden", status: 403, detail: "没有查看线索看板的权限" }, 403));
    renderBoard("");
    const error = await screen.findByTestId("board-error");
    expect(error).toHaveTextContent("没有查看线索看板的权限");
    expect(within(error).getByText("重新加载").closest("button")).not.toBeNull();
  });
});

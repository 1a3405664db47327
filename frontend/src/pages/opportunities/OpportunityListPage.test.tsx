import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { fakeApi, json, renderPage, type Seen } from "../../test/fakeApi";
import { OpportunityListPage } from "./OpportunityListPage";
import type { OpportunityItem } from "./opportunityHelpers";

const MANAGER = { opportunity: { read: "team", create: "team", reassign: "team" }, business_line: { read: "all" }, user: { read: "team" } } as const;

const ITEM: OpportunityItem = {
  id: "o1",
  name: "华东精密 MES 一期",
  customer: { id: "c1", name: "华东精密" },
  business_line_id: "L1",
  stage: { id: "s-solution", name: "方案 / Solution" },
  stage_code: "solution",
  win_rate: "50.00",
  status: "open",
  amount: "1200000.00",
  currency: "CNY",
  weighted: "600000.00",
  expected_close_date: "2026-12-31",
  grade: "A",
  priority: "normal",
  source: "registration",
  owner: null,
  zone_id: "z1",
  team_id: null,
  queue: "leader",
  next_step: null,
  approval_status: "none",
  special_kind: null,
  conflict: false,
  days_in_stage: 3,
  stage_entered_at: "2026-11-20T00:00:00Z",
  updated_at: "2026-11-23T02:00:00Z",
  version: 1,
};

const lists = (seen: Seen[]) => seen.filter((s) => s.path === "/opportunities");
const last = (seen: Seen[]) => lists(seen).at(-1)!.query;

describe("OpportunityListPage", () => {
  afterEach(() => vi.unstubAllGlobals());

  it("sends the URL's filters, adds the ones ticked on the page, and loads more with the cursor", async () => {
    const seen = fakeApi((req) => {
      if (req.path === "/opportunities")
        return req.query.get("cursor") === "n1"
          ? json({ items: [{ ...ITEM, id: "o2", name: "第二页商机", queue: null, owner: { id: "u2", display_name: "张三" } }], next_cursor: null })
          : json({ items: [ITEM], next_cursor: "n1" });
      if (req.path === "/business-lines") return json({ items: [] });
      return json({ items: [], next_cursor: null });
    });
    const { where } = renderPage(<OpportunityListPage />, {
      url: "/opportunities?business_line_id=L1&status=open&grade=A&source=registration&close_from=2026-12-01&close_to=2026-12-31&amount_min=100000.50&q=华东&sort=-amount",
      path: "/opportunities",
      permissions: MANAGER,
    });

    const row = await screen.findByTestId("opportunity-row");
    const q = last(seen);
    expect(Object.fromEntries(q.entries())).toEqual({
      business_line_id: "L1",
      status: "open",
      grade: "A",
      source: "registration",
      close_from: "2026-12-01",
      close_to: "2026-12-31",
      amount_min: "100000.50",
      q: "华东",
      sort: "-amount",
      limit: "50",
    });
    expect(within(row).getByTestId("opportunity-link")).toHaveAttribute("href", "/opportunities/o1");
    expect(within(row).getByTestId("opportunity-amount")).toHaveTextContent("¥1,200,000.00");
    expect(within(row).getByTestId("opportunity-weighted")).toHaveTextContent("¥600,000.00");
    expect(within(row).getByTestId("opportunity-stage")).toHaveTextContent("方案");
    expect(row).toHaveTextContent("待分配");
    expect(screen.getByTestId("opportunity-filter-owner")).toBeInTheDocument();

    fireEvent.click(screen.getByTestId("opportunity-filter-queue"));
    fireEvent.click(screen.getByTestId("opportunity-filter-conflict"));
    fireEvent.click(screen.getByTestId("opportunity-filter-apply"));
    await waitFor(() => expect(last(seen).get("queue")).toBe("true"));
    expect(last(seen).get("conflict")).toBe("true");
    expect(last(seen).get("close_from")).toBe("2026-12-01");
    expect(last(seen).get("q")).toBe("华东");
    expect(where()).toContain("queue=1");

    fireEvent.click(await screen.findByTestId("opportunity-load-more"));
    await waitFor(() => expect(last(seen).get("cursor")).toBe("n1"));
    expect(await screen.findByText("第二页商机")).toBeInTheDocument();
    expect(screen.getAllByTestId("opportunity-row")).toHaveLength(2);
  });
});

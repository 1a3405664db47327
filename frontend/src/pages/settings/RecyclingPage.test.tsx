import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Tier } from "../../api/types";
import { fakeApi, json, renderPage, type Seen } from "../../test/fakeApi";
import { RecyclingPage } from "./RecyclingPage";
import { changedTiers, dueByOwner, recycledByOwner, rulesBody, toForm, type RecycleOut, type RecycleRules } from "./recycling";

const RULES: RecycleRules = { no_deal_days: 90, remind_days_before: 3 };

const TIERS: Tier[] = (
  [
    ["A", "重点", 30],
    ["B", "潜力", 15],
    ["C", "一般", 7],
    ["D", "观望", 7],
    ["E", "沉睡", 3],
  ] as const
).map(([code, name, days], i) => ({ code, name, no_follow_up_days: days, sort_order: i, description: null, criteria: null }));

const USERS = [
  { id: "u-zhang", username: "zhang", display_name: "张三", is_active: true },
  { id: "u-li", username: "li", display_name: "李四", is_active: true },
];

const PREVIEW: RecycleOut = {
  dry_run: true,
  count: 3,
  reminded: 0,
  by_owner: {},
  customers: [
    { customer_id: "c1", name: "甲科技", owner_id: "u-zhang", due_at: "2024-05-01T02:00:00Z", rule: "tier A: not followed up within 30 days" },
    { customer_id: "c2", name: "乙贸易", owner_id: "u-li", due_at: "2024-05-03T02:00:00Z", rule: "no won deal within 90 days of the claim" },
    { customer_id: "c3", name: "丙工厂", owner_id: "u-zhang", due_at: "2024-04-20T02:00:00Z", rule: "tier C: not followed up within 7 days" },
  ],
};

const RUN: RecycleOut = { dry_run: false, count: 3, reminded: 4, customers: [], by_owner: { "u-li": 1, "u-zhang": 2 } };

describe("recycling form helpers", () => {
  it("sends only what changed", () => {
    const form = toForm(RULES, TIERS);
    expect(form).toEqual({ no_deal_on: true, no_deal_days: 90, remind_days_before: 3, tiers: { A: 30, B: 15, C: 7, D: 7, E: 3 } });
    expect(rulesBody(form, RULES)).toBeNull();
    expect(changedTiers(form, TIERS)).toEqual([]);
    expect(rulesBody({ ...form, no_deal_on: false }, RULES)).toEqual({ no_deal_days: null, remind_days_before: 3 });
    expect(rulesBody({ ...form, remind_days_before: 5 }, RULES)).toEqual({ no_deal_days: 90, remind_days_before: 5 });
    expect(changedTiers({ ...form, tiers: { ...form.tiers, B: 20, E: 5 } }, TIERS)).toEqual([
      { code: "B", days: 20 },
      { code: "E", days: 5 },
    ]);
  });

  it("suggests 90 days when the no-deal rule is off, and keeps it off unless turned on", () => {
    const form = toForm({ no_deal_days: null, remind_days_before: 3 }, TIERS);
    expect(form).toMatchObject({ no_deal_on: false, no_deal_days: 90 });
    expect(rulesBody(form, { no_deal_days: null, remind_days_before: 3 })).toBeNull();
  });

  it("counts the customers per owner, the most first", () => {
    expect(dueByOwner(PREVIEW.customers)).toEqual([
      { ownerId: "u-zhang", count: 2 },
      { ownerId: "u-li", count: 1 },
    ]);
    expect(recycledByOwner(RUN.by_owner)).toEqual([
      { ownerId: "u-zhang", count: 2 },
      { ownerId: "u-li", count: 1 },
    ]);
  });
});

function serve(over: (req: Seen) => Response | null = () => null) {
  return fakeApi((req) => {
    const answer = over(req);
    if (answer) return answer;
    if (req.path === "/settings/recycle-rules" && req.method === "GET") return json(RULES);
    if (req.path === "/settings/recycle-rules" && req.method === "PUT") return json({ ...RULES, ...(JSON.parse(req.body) as object) });
    if (req.path === "/customer-tiers" && req.method === "GET") return json({ items: TIERS });
    if (req.path.startsWith("/customer-tiers/") && req.method === "PATCH") {
      const tier = TIERS.find((t) => req.path.endsWith(`/${t.code}`))!;
      return json({ ...tier, ...(JSON.parse(req.body) as object) });
    }
    if (req.path === "/customers/recycle") return json((JSON.parse(req.body) as { dry_run: boolean }).dry_run ? PREVIEW : RUN);
    if (req.path === "/users") return json({ items: USERS, next_cursor: null });
    return json({ status: 404, title: "Not found" }, 404);
  });
}

const ADMIN = { setting: { read: "all", update: "all" }, user: { read: "all" } };

function open(permissions: Record<string, Record<string, string>> = ADMIN) {
  return renderPage(<RecyclingPage />, { url: "/settings/recycling", path: "/settings/recycling", permissions });
}

describe("RecyclingPage", () => {
  afterEach(() => vi.unstubAllGlobals());

  it("shows the rules and the tiers' days, read-only without setting:update", async () => {
    serve();
    open({ setting: { read: "all" } });
    await waitFor(() => expect(screen.getByTestId("recycling-no-deal-days")).toHaveValue("90"));
    expect(screen.getByTestId("recycling-remind-days")).toHaveValue("3");
    expect(screen.getByTestId("recycling-tier-A")).toHaveValue("30");
    expect(screen.getByTestId("recycling-tier-E")).toHaveValue("3");
    expect(screen.getByTestId("recycling-tier-A")).toBeDisabled();
    expect(screen.queryByTestId("recycling-save")).toBeNull();
    expect(screen.queryByTestId("recycling-run")).toBeNull();
  });

  it("saves the rules and only the tiers that changed", async () => {
    const seen = serve();
    open();
    await waitFor(() => expect(screen.getByTestId("recycling-tier-B")).toHaveValue("15"));
    fireEvent.click(screen.getByTestId("recycling-no-deal-on")); // no-deal rule off
    fireEvent.change(screen.getByTestId("recycling-remind-days"), { target: { value: "5" } });
    fireEvent.change(screen.getByTestId("recycling-tier-B"), { target: { value: "20" } });
    fireEvent.click(screen.getByTestId("recycling-save"));

    await waitFor(() => expect(seen.some((s) => s.method === "PATCH")).toBe(true));
    const put = seen.find((s) => s.method === "PUT")!;
    expect(JSON.parse(put.body)).toEqual({ no_deal_days: null, remind_days_before: 5 });
    const patches = seen.filter((s) => s.method === "PATCH");
    expect(patches.map((p) => [p.path, JSON.parse(p.body)])).toEqual([["/customer-tiers/B", { no_follow_up_days: 20 }]]);
    expect(await screen.findByText("已保存")).toBeInTheDocument();
  });

  it("shows the server's field errors on their fields, a tier's on its row", async () => {
    const problem = (field: string, message: string) =>
      json({ type: "about:blank", title: "Invalid input", status: 422, errors: [{ field, message }] }, 422);
    serve((req) => {
      if (req.method === "PUT") return problem("body.remind_days_before", "Input should be less than or equal to 90");
      if (req.method === "PATCH") return problem("body.no_follow_up_days", "Input should be less than or equal to 3650");
      return null;
    });
    open();
    await waitFor(() => expect(screen.getByTestId("recycling-remind-days")).toHaveValue("3"));
    fireEvent.change(screen.getByTestId("recycling-remind-days"), { target: { value: "7" } });
    fireEvent.click(screen.getByTestId("recycling-save"));
    const remind = screen.getByTestId("recycling-remind-days").closest(".ant-form-item") as HTMLElement;
    expect(await within(remind).findByText("Input should be less than or equal to 90")).toBeInTheDocument();

    // the rules go through; a tier is refused
    fireEvent.change(screen.getByTestId("recycling-remind-days"), { target: { value: "3" } });
    fireEvent.change(screen.getByTestId("recycling-tier-C"), { target: { value: "9" } });
    fireEvent.click(screen.getByTestId("recycling-save"));
    const tierC = screen.getByTestId("recycling-tier-C").closest(".ant-form-item") as HTMLElement;
    expect(await within(tierC).findByText("Input should be less than or equal to 3650")).toBeInTheDocument();
    expect(screen.getByTestId("recycling-tier-C")).toHaveValue("9"); // what the user typed stays
  });

  it("lists who a dry run would recycle, with links, owners, due dates and rules", async () => {
    const seen = serve();
    open();
    fireEvent.click(await screen.findByTestId("recycling-dry-run"));
    const count = await screen.findByTestId("recycling-preview-count");
    expect(count).toHaveAttribute("data-count", "3");
    expect(count).toHaveTextContent("将回收 3 个客户");
    expect(JSON.parse(seen.find((s) => s.path === "/customers/recycle")!.body)).toEqual({ dry_run: true });

    const table = screen.getByTestId("recycling-preview-table");
    await waitFor(() => expect(table).toHaveTextContent("张三"));
    const rows = within(table).getAllByTestId("recycling-preview-row");
    // the longest overdue first
    expect(rows.map((r) => r.getAttribute("data-id"))).toEqual(["c3", "c1", "c2"]);
    expect(within(rows[0]!).getByTestId("recycling-customer-link")).toHaveAttribute("href", "/customers/c3");
    expect(rows[0]).toHaveTextContent("丙工厂");
    expect(rows[0]).toHaveTextContent("张三");
    expect(rows[0]).toHaveTextContent("分层 C：7 天未跟进");
    expect(rows[0]).toHaveTextContent(/逾期 \d+ 天/);
    expect(rows[2]).toHaveTextContent("李四");
    expect(rows[2]).toHaveTextContent("领取后 90 天未成交");
    expect(screen.getByTestId("recycling-preview-owners")).toHaveTextContent("张三：2 个");
    // nothing was recycled
    expect(seen.filter((s) => s.path === "/customers/recycle")).toHaveLength(1);
  });

  it("runs recycling after a confirmation and shows the count per owner", async () => {
    const seen = serve();
    open();
    fireEvent.click(await screen.findByTestId("recycling-dry-run"));
    await screen.findByTestId("recycling-preview-table");
    fireEvent.click(screen.getByTestId("recycling-run-now"));
    expect(await screen.findByTestId("recycling-run-expected")).toHaveTextContent("最近一次预演：将回收 3 个客户。");
    expect(seen.filter((s) => s.path === "/customers/recycle")).toHaveLength(1); // not before the confirmation
    fireEvent.click(screen.getByTestId("recycling-run-confirm"));

    const result = await screen.findByTestId("recycling-result");
    expect(JSON.parse(seen.filter((s) => s.path === "/customers/recycle")[1]!.body)).toEqual({ dry_run: false });
    expect(within(result).getByTestId("recycling-result-count")).toHaveTextContent("已回收 3 个客户，4 个即将到期的客户已提醒负责人");
    await waitFor(() => expect(result).toHaveTextContent("张三"));
    const owners = within(result).getAllByTestId("recycling-result-owners-row");
    expect(owners.map((r) => r.textContent)).toEqual(["张三2", "李四1"]);
    expect(screen.queryByTestId("recycling-preview")).toBeNull(); // the dry run is stale now
  });
});

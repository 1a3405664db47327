import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Tier } from "../../api/types";
import { fakeApi, json, renderPage, type Seen } from "../../test/fakeApi";
import { RecyclingPage } from "./RecyclingPage";
import { changedTiers, dueByOwner, recycledByOwner, rulesBody, toForm, type RecycleOut, type RecycleRules } from "./recycling";

const RULES: RecycleRules = { no_deal_days: 90, contract_ended_days: null, exempt: ["contract", "opportunity"], remind_days_before: 3 };

// tier B has its own no-deal days (60) and days after the contract ended (45)
const TIERS: Tier[] = (
  [
    ["A", "重点", 30, null, null],
    ["B", "潜力", 15, 60, 45],
    ["C", "一般", 7, null, null],
    ["D", "观望", 7, null, null],
    ["E", "沉睡", 3, null, null],
  ] as const
).map(([code, name, days, noDeal, ended], i) => ({
  code,
  name,
  no_follow_up_days: days,
  no_deal_days: noDeal,
  contract_ended_days: ended,
  sort_order: i,
  description: null,
  criteria: null,
}));

const days = (no_follow_up_days: number, no_deal_days: number | null = null, contract_ended_days: number | null = null) => ({
  no_follow_up_days,
  no_deal_days,
  contract_ended_days,
});

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
    expect(form).toEqual({
      no_deal_on: true,
      no_deal_days: 90,
      contract_ended_on: false,
      contract_ended_days: 30,
      exempt: ["contract", "opportunity"],
      remind_days_before: 3,
      tiers: { A: days(30), B: days(15, 60, 45), C: days(7), D: days(7), E: days(3) },
    });
    expect(rulesBody(form, RULES)).toBeNull();
    expect(changedTiers(form, TIERS)).toEqual([]);
    expect(rulesBody({ ...form, no_deal_on: false }, RULES)).toEqual({ no_deal_days: null });
    expect(rulesBody({ ...form, remind_days_before: 5 }, RULES)).toEqual({ remind_days_before: 5 });
    expect(rulesBody({ ...form, contract_ended_on: true, contract_ended_days: 0 }, RULES)).toEqual({ contract_ended_days: 0 });
    expect(rulesBody({ ...form, exempt: ["opportunity"] }, RULES)).toEqual({ exempt: ["opportunity"] });
    expect(rulesBody({ ...form, exempt: [] }, RULES)).toEqual({ exempt: [] });
    // the order of the checked kinds is no change
    expect(rulesBody({ ...form, exempt: ["opportunity", "contract"] }, RULES)).toBeNull();
    expect(changedTiers({ ...form, tiers: { ...form.tiers, B: days(20, 60, 45), E: days(5) } }, TIERS)).toEqual([
      { code: "B", body: { no_follow_up_days: 20 } },
      { code: "E", body: { no_follow_up_days: 5 } },
    ]);
  });

  it("sends a tier's own days, and null to go back to the rule's", () => {
    const form = toForm(RULES, TIERS);
    expect(changedTiers({ ...form, tiers: { ...form.tiers, A: days(30, 120, 0), B: days(15, null, 45) } }, TIERS)).toEqual([
      { code: "A", body: { no_deal_days: 120, contract_ended_days: 0 } },
      { code: "B", body: { no_deal_days: null } },
    ]);
    // a blank no-follow-up day count keeps the stored one (the form requires it anyway)
    expect(changedTiers({ ...form, tiers: { ...form.tiers, C: days(7), D: { ...days(7), no_follow_up_days: null } } }, TIERS)).toEqual([]);
  });

  it("suggests days when a rule is off, and keeps it off unless turned on", () => {
    const off: RecycleRules = { no_deal_days: null, contract_ended_days: null, exempt: ["contract"], remind_days_before: 3 };
    const form = toForm(off, TIERS);
    expect(form).toMatchObject({ no_deal_on: false, no_deal_days: 90, contract_ended_on: false, contract_ended_days: 30, exempt: ["contract"] });
    expect(rulesBody(form, off)).toBeNull();
    expect(rulesBody({ ...form, contract_ended_on: true }, off)).toEqual({ contract_ended_days: 30 });
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
    expect(screen.getByTestId("recycling-contract-ended-days")).toBeDisabled();
    expect(screen.getByTestId("recycling-exempt-contract")).toBeChecked();
    expect(screen.getByTestId("recycling-exempt-contract")).toBeDisabled();
    expect(screen.getByTestId("recycling-tier-B-no-deal")).toHaveValue("60");
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

  it("shows the contract-ended rule, the exemptions and the tiers' own days, blank inheriting the rule's", async () => {
    serve();
    open();
    await waitFor(() => expect(screen.getByTestId("recycling-tier-B-contract-ended")).toHaveValue("45"));
    expect(screen.getByTestId("recycling-contract-ended-on")).toHaveAttribute("aria-checked", "false");
    expect(screen.getByTestId("recycling-contract-ended-days")).toBeDisabled();
    expect(screen.getByTestId("recycling-contract-ended-days")).toHaveValue("30"); // suggested
    expect(screen.getByTestId("recycling-exempt-contract")).toBeChecked();
    expect(screen.getByTestId("recycling-exempt-opportunity")).toBeChecked();
    expect(screen.getByTestId("recycling-tier-A-no-deal")).toHaveValue("");
    expect(screen.getByTestId("recycling-tier-A-no-deal")).toHaveAttribute("placeholder", "按规则（90 天）");
    expect(screen.getByTestId("recycling-tier-A-contract-ended")).toHaveAttribute("placeholder", "按规则（关闭）");
    expect(screen.getByTestId("recycling-tier-B-no-deal")).toHaveValue("60");

    // the placeholders follow the rules as edited
    fireEvent.click(screen.getByTestId("recycling-contract-ended-on"));
    expect(screen.getByTestId("recycling-contract-ended-days")).toBeEnabled();
    fireEvent.change(screen.getByTestId("recycling-contract-ended-days"), { target: { value: "60" } });
    await waitFor(() => expect(screen.getByTestId("recycling-tier-A-contract-ended")).toHaveAttribute("placeholder", "按规则（60 天）"));
    fireEvent.click(screen.getByTestId("recycling-no-deal-on"));
    await waitFor(() => expect(screen.getByTestId("recycling-tier-A-no-deal")).toHaveAttribute("placeholder", "按规则（关闭）"));
  });

  it("saves the contract-ended rule, the exemptions and the tiers' own days (blank resets to the rule)", async () => {
    const seen = serve();
    open();
    await waitFor(() => expect(screen.getByTestId("recycling-tier-B-contract-ended")).toHaveValue("45"));
    fireEvent.click(screen.getByTestId("recycling-contract-ended-on"));
    fireEvent.change(screen.getByTestId("recycling-contract-ended-days"), { target: { value: "60" } });
    fireEvent.click(screen.getByTestId("recycling-exempt-opportunity")); // late-stage opportunities no longer protect
    fireEvent.change(screen.getByTestId("recycling-tier-A-no-deal"), { target: { value: "120" } });
    fireEvent.change(screen.getByTestId("recycling-tier-B-contract-ended"), { target: { value: "" } });
    fireEvent.click(screen.getByTestId("recycling-save"));

    await waitFor(() => expect(seen.filter((s) => s.method === "PATCH")).toHaveLength(2));
    const puts = seen.filter((s) => s.method === "PUT");
    expect(puts.map((p) => JSON.parse(p.body))).toEqual([{ contract_ended_days: 60, exempt: ["contract"] }]);
    const patches = seen.filter((s) => s.method === "PATCH");
    expect(patches.map((p) => [p.path, JSON.parse(p.body)])).toEqual([
      ["/customer-tiers/A", { no_deal_days: 120 }],
      ["/customer-tiers/B", { contract_ended_days: null }],
    ]);
    expect(await screen.findByText("已保存")).toBeInTheDocument();
  });

  it("checks the contract-ended days while the rule is on", async () => {
    const seen = serve();
    open();
    await waitFor(() => expect(screen.getByTestId("recycling-contract-ended-days")).toHaveValue("30"));
    fireEvent.click(screen.getByTestId("recycling-contract-ended-on"));
    fireEvent.change(screen.getByTestId("recycling-contract-ended-days"), { target: { value: "" } });
    fireEvent.click(screen.getByTestId("recycling-save"));
    const ended = screen.getByTestId("recycling-contract-ended-days").closest(".ant-form-item") as HTMLElement;
    await waitFor(() => expect(ended.querySelector(".ant-form-item-explain-error")).not.toBeNull());
    expect(seen.some((s) => s.method === "PUT")).toBe(false);
  });

  it("puts the server's errors on the exemptions and on a tier's own days", async () => {
    const problem = (field: string, message: string) =>
      json({ type: "about:blank", title: "Invalid input", status: 422, errors: [{ field, message }] }, 422);
    serve((req) => {
      if (req.method === "PUT") return problem("body.exempt.0", "Input should be 'contract' or 'opportunity'");
      if (req.method === "PATCH") return problem("body.no_deal_days", "Input should be greater than or equal to 1");
      return null;
    });
    open();
    await waitFor(() => expect(screen.getByTestId("recycling-exempt-opportunity")).toBeChecked());
    fireEvent.click(screen.getByTestId("recycling-exempt-opportunity"));
    fireEvent.click(screen.getByTestId("recycling-save"));
    const exempt = screen.getByTestId("recycling-exempt");
    expect(await within(exempt).findByText("Input should be 'contract' or 'opportunity'")).toBeInTheDocument();

    // the rules as stored; a tier's own days refused (once the first save has settled)
    await waitFor(() => expect(screen.getByTestId("recycling-save")).not.toHaveClass("ant-btn-loading"));
    fireEvent.click(screen.getByTestId("recycling-exempt-opportunity"));
    fireEvent.change(screen.getByTestId("recycling-tier-D-no-deal"), { target: { value: "30" } });
    fireEvent.click(screen.getByTestId("recycling-save"));
    const tierD = screen.getByTestId("recycling-tier-D-no-deal").closest(".ant-form-item") as HTMLElement;
    expect(await within(tierD).findByText("Input should be greater than or equal to 1")).toBeInTheDocument();
    expect(screen.getByTestId("recycling-tier-D-no-deal")).toHaveValue("30");
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

    // the rules go through; a tier is refused (once the first save has settled)
    await waitFor(() => expect(screen.getByTestId("recycling-save")).not.toHaveClass("ant-btn-loading"));
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

import { describe, expect, it } from "vitest";
import { convertBody } from "../leads/leadConvert";
import {
  boardQuery,
  createBody,
  filtersFromSearch,
  filtersToSearch,
  fmtAmount,
  fmtRate,
  groupMissing,
  isStageCriteriaError,
  listQuery,
  managesOpportunities,
  moveBody,
  moveError,
  registrationBody,
} from "./opportunityHelpers";

describe("list filters", () => {
  it("round-trip through the URL and build the API query with only what is set", () => {
    const params = new URLSearchParams(
      "business_line_id=L1&stage_id=S2&status=open&owner_id=u2&grade=A&source=registration&close_from=2026-12-01&close_to=2026-12-31&amount_min=100000&amount_max=2000000.50&q=%20华东%20&queue=1&conflict=1&sort=-amount&junk=x",
    );
    const f = filtersFromSearch(params);
    expect(f).toEqual({
      business_line_id: "L1",
      stage_id: "S2",
      status: "open",
      owner_id: "u2",
      grade: "A",
      source: "registration",
      close_from: "2026-12-01",
      close_to: "2026-12-31",
      amount_min: "100000",
      amount_max: "2000000.50",
      q: "华东",
      queue: true,
      conflict: true,
      sort: "-amount",
    });
    expect(listQuery(f, "c2", 50)).toEqual({ ...f, queue: true, conflict: true, sort: "-amount", limit: 50, cursor: "c2" });
    // amounts are sent as typed, never through a float
    expect(listQuery(f).amount_max).toBe("2000000.50");
    expect(filtersFromSearch(filtersToSearch(f))).toEqual(f);
  });

  it("leaves out empty values, false flags and the default sort", () => {
    const f = filtersFromSearch(new URLSearchParams("q=&mine=0&sort=bogus&status="));
    expect(f).toEqual({});
    expect(listQuery(f)).toEqual({ sort: "-updated_at", limit: 50 });
    expect(filtersToSearch({ sort: "-updated_at", q: "  ", mine: false }).toString()).toBe("");
    expect(boardQuery({ business_line_id: "L2", mine: true, q: " 光 " })).toEqual({ per_stage: 20, business_line_id: "L2", mine: true, q: "光" });
  });
});

describe("money", () => {
  it("groups the digits of the decimal string itself", () => {
    expect(fmtAmount("1234567.5")).toBe("¥1,234,567.50");
    expect(fmtAmount("12345678901234567.89")).toBe("¥12,345,678,901,234,567.89");
    expect(fmtAmount("0", "USD")).toBe("$0.00");
    expect(fmtAmount("100.00", "GBP")).toBe("GBP 100.00");
    expect(fmtAmount(null)).toBe("");
    expect(fmtRate("30.00")).toBe("30%");
    expect(fmtRate("12.50")).toBe("12.5%");
  });
});

describe("stage moves", () => {
  const stages = [
    { code: "initial", name: "初步接洽 / Initial contact", position: 1 },
    { code: "needs", name: "需求确认 / Needs confirmed", position: 2 },
  ];

  it("groups the missing criteria by stage in the line's order", () => {
    const groups = groupMissing(
      [
        { stage: "needs", kind: "key_role", item: "decision_maker", message: "在决策链中确定决策者" },
        { stage: "initial", kind: "required_field", item: "expected_close_date", message: "填写预计成交日期" },
        { stage: "needs", kind: "min_contacts", item: "2", message: "至少 2 位联系人" },
      ],
      stages,
    );
    expect(groups.map((g) => [g.code, g.items.length])).toEqual([
      ["initial", 1],
      ["needs", 2],
    ]);
    expect(groups[1]!.name).toBe("需求确认 / Needs confirmed");
  });

  it("recognises a stage-criteria-not-met answer", () => {
    const res = new Response(null, { status: 422 });
    const err = moveError(res, {
      type: "https://l2c-crm.dev/problems/stage-criteria-not-met",
      status: 422,
      title: "The stage's exit criteria are not met",
      detail: "before leaving 初步接洽: 填写预计成交日期",
      missing: [{ stage: "initial", kind: "required_field", item: "expected_close_date", message: "填写预计成交日期" }],
    });
    expect(isStageCriteriaError(err)).toBe(true);
    expect(isStageCriteriaError(err) && err.missing[0]!.item).toBe("expected_close_date");
    expect(isStageCriteriaError(moveError(res, { type: "https://l2c-crm.dev/problems/validation-error", status: 422 }))).toBe(false);
  });

  it("builds the won and lost bodies", () => {
    expect(moveBody({ id: "s3", kind: "open" }, { note: "  " })).toEqual({ stage_id: "s3" });
    expect(moveBody({ id: "w", kind: "won" }, { won: { amount: " 880000.10 ", signed_on: "2026-12-01", contract_number: "" }, note: "签了" })).toEqual({
      stage_id: "w",
      note: "签了",
      won: { amount: "880000.10", signed_on: "2026-12-01" },
    });
    const known = [{ id: "c1", name: "华为", website: null, notes: null, open_count: 1, lost_to_count: 0, created_at: "" }];
    expect(moveBody({ id: "l", kind: "lost" }, { lost: { reason: "price", competitor: "华为", note: " 价格低 " } }, known)).toEqual({
      stage_id: "l",
      lost: { reason: "price", competitor_id: "c1", note: "价格低" },
    });
    expect(moveBody({ id: "l", kind: "lost" }, { lost: { reason: "competitor", competitor: "新对手" } }, known).lost).toEqual({
      reason: "competitor",
      competitor_name: "新对手",
    });
  });
});

describe("form bodies", () => {
  it("keep the amount string and leave empty fields out", () => {
    expect(
      createBody({
        customer_id: "c1",
        name: " 华东精密 MES ",
        amount: "1234567.89",
        currency: "CNY",
        business_line_id: "L1",
        products: [{ name: " MES ", quantity: 3 }, { name: "  " }],
        product: "",
        priority: "key",
        special_kind: undefined,
        special_reason: "ignored without a kind",
        owner_id: null,
      }),
    ).toEqual({
      customer_id: "c1",
      name: "华东精密 MES",
      amount: "1234567.89",
      currency: "CNY",
      business_line_id: "L1",
      products: [{ name: "MES", quantity: 3 }],
      priority: "key",
    });
    expect(
      registrationBody({
        mode: "company",
        customer_id: "ignored",
        name: "报备",
        company: { name: " 新公司 ", uscc: "91310000mA1k00000x", region: ["310000", "310100"], contact_mobile: "13800000000" },
      }),
    ).toEqual({
      name: "报备",
      company: { name: "新公司", uscc: "91310000MA1K00000X", province_code: "310000", city_code: "310100", contact_mobile: "13800000000" },
    });
    expect(registrationBody({ mode: "customer", customer_id: "c9", name: "x", special_kind: "cross_zone", special_reason: " 跨区 " })).toEqual({
      name: "x",
      customer_id: "c9",
      special_kind: "cross_zone",
      special_reason: "跨区",
    });
  });

  it("lead conversion sends an opportunity only when asked", () => {
    expect(convertBody({ with_opportunity: false, opportunity: { name: "x" } })).toEqual({});
    expect(convertBody({ with_opportunity: true, opportunity: { name: " ", amount: "50000.00", business_line_id: "L1" } })).toEqual({
      opportunity: { amount: "50000.00", business_line_id: "L1" },
    });
  });

  it("managers pick the owner", () => {
    expect(managesOpportunities({ opportunity: { create: "own" } })).toBe(false);
    expect(managesOpportunities({ opportunity: { create: "team" } })).toBe(true);
    expect(managesOpportunities({ opportunity: { create: "own", reassign: "team" } })).toBe(true);
  });
});

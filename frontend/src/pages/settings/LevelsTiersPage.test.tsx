import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { LevelDefinition, Tier } from "../../api/types";
import { fakeApi, json, renderPage, type Seen } from "../../test/fakeApi";
import { LevelsTiersPage } from "./LevelsTiersPage";
import { fmtAmount, levelFormToBody } from "./levelCriteria";

const LEVELS: LevelDefinition[] = [
  { code: "normal", name: "普通客户", name_en: "Normal", sort_order: 1, company_sizes: [], min_annual_amount: null, min_cooperation_years: null, cooperation_depth: "初次合作", description: null, updated_at: "2026-11-23T00:00:00Z" },
  { code: "KA", name: "KA 重点客户", name_en: "Key account", sort_order: 2, company_sizes: ["500-999", "1000+"], min_annual_amount: "1000000.00", min_cooperation_years: 1, cooperation_depth: "持续复购", description: "重点", updated_at: "2026-11-23T00:00:00Z" },
];
const TIERS: Tier[] = [
  { code: "A", name: "A 类（重点）", sort_order: 1, no_follow_up_days: 30, no_deal_days: 120, contract_ended_days: null, description: null, criteria: "商机 ≥ 100 万" },
];

const ADMIN = { setting: { read: "all", update: "all" }, customer: { read: "all" } } as const;

function server(patch?: (req: Seen) => Response) {
  return fakeApi((req) => {
    if (req.method === "PATCH" && patch) return patch(req);
    if (req.path === "/customer-levels") return json({ items: LEVELS });
    if (req.path === "/customer-tiers") return json({ items: TIERS });
    return json({ status: 404, title: "Not found" }, 404);
  });
}

describe("level criteria helpers", () => {
  it("formats money strings without floats and sends blanks as null", () => {
    expect(fmtAmount("10000000.50")).toBe("10,000,000.50");
    expect(fmtAmount(null)).toBe("—");
    expect(
      levelFormToBody({ name: " KA ", name_en: "Key", company_sizes: ["1000+"], min_annual_amount: " ", min_cooperation_years: null, cooperation_depth: "", description: " x " }),
    ).toEqual({ name: "KA", name_en: "Key", company_sizes: ["1000+"], min_annual_amount: null, min_cooperation_years: null, cooperation_depth: null, description: "x" });
  });
});

describe("LevelsTiersPage", () => {
  afterEach(() => vi.unstubAllGlobals());

  it("shows levels and tiers read-only without setting:update", async () => {
    server();
    renderPage(<LevelsTiersPage />, { url: "/settings/levels-tiers", path: "/settings/levels-tiers", permissions: { setting: { read: "all" } } });
    const levels = await screen.findByTestId("level-table");
    await waitFor(() => expect(within(levels).getByText("1,000,000.00")).toBeInTheDocument());
    expect(within(levels).getByText("1000+ 人")).toBeInTheDocument();
    expect(within(await screen.findByTestId("tier-criteria-table")).getByText("商机 ≥ 100 万")).toBeInTheDocument();
    expect(screen.queryByTestId("level-edit")).toBeNull();
    expect(screen.queryByTestId("tier-criteria-edit")).toBeNull();
  });

  it("lets an admin change a level's minimum amount (sent as a string)", async () => {
    const seen = server((req) => json({ ...LEVELS[1], ...JSON.parse(req.body) }));
    renderPage(<LevelsTiersPage />, { url: "/settings/levels-tiers", path: "/settings/levels-tiers", permissions: ADMIN });
    const row = await waitFor(() => {
      const r = document.querySelector('[data-code="KA"]');
      expect(r).not.toBeNull();
      return r as HTMLElement;
    });
    fireEvent.click(within(row).getByTestId("level-edit"));
    const amount = await screen.findByTestId("level-amount");
    fireEvent.change(amount, { target: { value: "2000000.5x" } });
    fireEvent.click(screen.getByTestId("level-save"));
    expect(await screen.findByText("请输入金额，最多两位小数")).toBeInTheDocument();
    fireEvent.change(amount, { target: { value: "2000000.50" } });
    fireEvent.click(screen.getByTestId("level-save"));
    await waitFor(() => expect(seen.some((s) => s.method === "PATCH")).toBe(true));
    const patch = seen.find((s) => s.method === "PATCH")!;
    expect(patch.path).toBe("/customer-levels/KA");
    expect(JSON.parse(patch.body)).toMatchObject({ min_annual_amount: "2000000.50", company_sizes: ["500-999", "1000+"], min_cooperation_years: 1 });
  });

  it("lets an admin edit a tier's criteria and days", async () => {
    const seen = server((req) => json({ ...TIERS[0], ...JSON.parse(req.body) }));
    renderPage(<LevelsTiersPage />, { url: "/settings/levels-tiers", path: "/settings/levels-tiers", permissions: ADMIN });
    fireEvent.click(await screen.findByTestId("tier-criteria-edit"));
    fireEvent.change(await screen.findByTestId("tier-criteria-criteria"), { target: { value: "商机 ≥ 500 万" } });
    fireEvent.click(screen.getByTestId("tier-criteria-save"));
    await waitFor(() => expect(seen.some((s) => s.method === "PATCH")).toBe(true));
    const patch = seen.find((s) => s.method === "PATCH")!;
    expect(patch.path).toBe("/customer-tiers/A");
    // the tier's recycling days (settings › recycling) are left as they are: not sent
    expect(JSON.parse(patch.body)).toEqual({ name: "A 类（重点）", no_follow_up_days: 30, description: null, criteria: "商机 ≥ 500 万" });
  });
});

import { screen, waitFor, within } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Customer, CustomerListItem } from "../../api/types";
import { fakeApi, json, renderPage } from "../../test/fakeApi";
import { CustomerDetailPage } from "./CustomerDetailPage";
import { CustomerListPage } from "./CustomerListPage";
import { isProtected, recycleDue } from "./recycleDue";

const DAY = 86_400_000;
const OWNER = { id: "u1", display_name: "Rep" };

describe("days until recycle", () => {
  const now = Date.parse("2024-05-10T04:00:00Z"); // 12:00 in China

  it("counts China calendar days, red within the reminder period", () => {
    expect(recycleDue({ owner: OWNER, recycle_due_at: "2024-05-20T04:00:00Z" }, now, 3)).toMatchObject({ days: 10, urgent: false });
    expect(recycleDue({ owner: OWNER, recycle_due_at: "2024-05-13T01:00:00Z" }, now, 3)).toMatchObject({ days: 3, urgent: true });
    // 23:30 China time today is still today; 00:30 tomorrow is tomorrow
    expect(recycleDue({ owner: OWNER, recycle_due_at: "2024-05-10T15:30:00Z" }, now, 3)).toMatchObject({ days: 0, urgent: true });
    expect(recycleDue({ owner: OWNER, recycle_due_at: "2024-05-10T16:30:00Z" }, now, 0)).toMatchObject({ days: 1, urgent: false });
    expect(recycleDue({ owner: OWNER, recycle_due_at: "2024-05-08T04:00:00Z" }, now, 3)).toMatchObject({ days: -2, urgent: true });
  });

  it("has none for a customer in the pool, locked, or under no rule", () => {
    expect(recycleDue({ owner: null, recycle_due_at: "2024-05-20T04:00:00Z" }, now, 3)).toBeNull();
    expect(recycleDue({ owner: OWNER, locked_at: "2024-05-01T00:00:00Z", recycle_due_at: "2024-05-20T04:00:00Z" }, now, 3)).toBeNull();
    expect(recycleDue({ owner: OWNER, recycle_due_at: null }, now, 3)).toBeNull();
  });

  it("is protected while an active protection leaves it without a due date", () => {
    const contract = { source: "contract" as const, source_id: "k1", starts_at: "2024-01-01T00:00:00Z", ends_at: null, note: null };
    expect(isProtected({ owner: OWNER, recycle_due_at: null, protections: [contract] })).toBe(true);
    // the rules do not exempt it: the countdown runs
    expect(isProtected({ owner: OWNER, recycle_due_at: "2024-05-20T04:00:00Z", protections: [contract] })).toBe(false);
    expect(isProtected({ owner: OWNER, recycle_due_at: null, protections: [] })).toBe(false);
    expect(isProtected({ owner: OWNER, recycle_due_at: null })).toBe(false); // a list item
    expect(isProtected({ owner: OWNER, locked_at: "2024-05-01T00:00:00Z", recycle_due_at: null, protections: [contract] })).toBe(false);
    expect(isProtected({ owner: null, recycle_due_at: null, protections: [contract] })).toBe(false);
  });
});

function item(id: string, over: Partial<CustomerListItem>): CustomerListItem {
  return {
    id,
    kind: "enterprise",
    name: `客户 ${id}`,
    short_name: null,
    industry: null,
    uscc: null,
    mobile: null,
    level: "normal",
    tier: "A",
    province_code: null,
    city_code: null,
    district_code: null,
    owner: OWNER,
    zone: null,
    tags: [],
    last_followed_up_at: null,
    claimed_at: null,
    locked_at: null,
    recycle_due_at: null,
    created_at: "2024-05-01T08:00:00Z",
    updated_at: "2024-05-01T08:00:00Z",
    version: 1,
    ...over,
  } as CustomerListItem;
}

const inDays = (n: number) => new Date(Date.now() + n * DAY).toISOString();

describe("customer list: until recycle", () => {
  afterEach(() => vi.unstubAllGlobals());

  it("shows the days left, red within the reminder days, and — without a due date", async () => {
    const items = [
      item("c1", { recycle_due_at: inDays(10) }),
      item("c2", { recycle_due_at: inDays(2) }),
      item("c3", { owner: null }),
      item("c4", { locked_at: "2024-05-01T00:00:00Z", recycle_due_at: inDays(2) }),
    ];
    const seen = fakeApi((req) => {
      if (req.path === "/customers") return json({ items, next_cursor: null });
      if (req.path === "/customer-tiers") return json({ items: [] });
      if (req.path === "/settings/recycle-rules") return json({ no_deal_days: null, remind_days_before: 5 });
      return json({ status: 404, title: "Not found" }, 404);
    });
    // a rep: may not read the settings, the product's 3 days apply
    renderPage(<CustomerListPage />, { url: "/customers", path: "/customers", permissions: { customer: { read: "own" } } });
    const table = await screen.findByTestId("customer-row-c1");
    const row = (id: string) => within(screen.getByTestId(`customer-row-${id}`)).getByTestId("recycle-due");
    expect([...table.closest("table")!.querySelectorAll("th")].some((th) => th.textContent === "距回收")).toBe(true);
    expect(row("c1")).toHaveTextContent("10 天");
    expect(row("c1")).toHaveAttribute("data-urgent", "false");
    expect(row("c2")).toHaveTextContent("2 天");
    expect(row("c2")).toHaveAttribute("data-urgent", "true");
    expect(row("c2").className).toContain("ant-typography-danger");
    expect(row("c3")).toHaveTextContent("—");
    expect(row("c4")).toHaveTextContent("—");
    expect(seen.some((s) => s.path === "/settings/recycle-rules")).toBe(false);
  });

  it("uses the configured reminder days for whoever may read the settings", async () => {
    const items = [item("c1", { recycle_due_at: inDays(5) })];
    fakeApi((req) => {
      if (req.path === "/customers") return json({ items, next_cursor: null });
      if (req.path === "/customer-tiers") return json({ items: [] });
      if (req.path === "/settings/recycle-rules") return json({ no_deal_days: null, remind_days_before: 5 });
      return json({ status: 404, title: "Not found" }, 404);
    });
    renderPage(<CustomerListPage />, { url: "/customers", path: "/customers", permissions: { customer: { read: "all" }, setting: { read: "all" } } });
    const due = within(await screen.findByTestId("customer-row-c1")).getByTestId("recycle-due");
    expect(due).toHaveTextContent("5 天");
    await waitFor(() => expect(within(screen.getByTestId("customer-row-c1")).getByTestId("recycle-due")).toHaveAttribute("data-urgent", "true"));
  });
});

describe("customer detail: until recycle", () => {
  afterEach(() => vi.unstubAllGlobals());

  it("shows the days left in the profile", async () => {
    const customer = {
      ...item("c1", { recycle_due_at: inDays(1) }),
      country: "CN",
      address: null,
      size: null,
      company_type: null,
      phone: null,
      fax: null,
      email: null,
      website: null,
      notes: null,
      gender: null,
      birthday: null,
      id_type: null,
      id_number: null,
      occupation: null,
      position: null,
      education: null,
      parent: null,
      subsidiaries: [],
      warnings: [],
      contact_count: 0,
      pool_id: null,
      recycle_count: 0,
      protections: [],
      created_by: null,
    } as unknown as Customer;
    fakeApi((req) => {
      if (req.path === "/customers/c1") return json(customer);
      if (req.path === "/customer-tiers") return json({ items: [] });
      return json({ status: 404, title: "Not found" }, 404);
    });
    renderPage(<CustomerDetailPage />, { url: "/customers/c1", path: "/customers/:id", permissions: { customer: { read: "own" } } });
    const profile = await screen.findByTestId("customer-profile");
    expect(within(profile).getByText("距回收")).toBeInTheDocument();
    const due = within(profile).getByTestId("recycle-due");
    expect(due).toHaveTextContent("1 天");
    expect(due).toHaveAttribute("data-urgent", "true");
  });
});

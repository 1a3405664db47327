import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Customer } from "../../api/types";
import { fakeApi, json, renderPage, type Seen } from "../../test/fakeApi";
import { CustomerDetailPage } from "./CustomerDetailPage";

function customer(over: Partial<Customer> = {}): Customer {
  return {
    id: "c1",
    kind: "enterprise",
    name: "甲科技有限公司",
    short_name: null,
    uscc: null,
    industry: null,
    country: "CN",
    province_code: null,
    city_code: null,
    district_code: null,
    address: null,
    size: null,
    company_type: null,
    phone: null,
    fax: null,
    email: null,
    website: null,
    notes: null,
    mobile: null,
    gender: null,
    birthday: null,
    id_type: null,
    id_number: null,
    occupation: null,
    position: null,
    education: null,
    level: "normal",
    tier: null,
    owner: { id: "u1", display_name: "Rep" },
    zone: { id: "z1", name: "华东战区" },
    parent: null,
    subsidiaries: [],
    tags: [],
    warnings: [],
    contact_count: 0,
    last_followed_up_at: null,
    pool_id: null,
    claimed_at: "2024-05-02T08:00:00Z",
    locked_at: null,
    recycle_count: 2,
    recycle_due_at: null,
    protections: [],
    created_by: null,
    created_at: "2024-05-01T08:00:00Z",
    updated_at: "2024-05-02T08:00:00Z",
    version: 3,
    ...over,
  } as Customer;
}

const REP = { customer: { read: "own", update: "own" }, pool: { read: "own", claim: "own" } };

function serve(state: { customer: Customer }, extra: (req: Seen) => Response | null = () => null) {
  return fakeApi((req) => {
    const answer = extra(req);
    if (answer) return answer;
    if (req.path === "/customers/c1" && req.method === "GET") return json(state.customer);
    return json({ status: 404, title: "Not found" }, 404);
  });
}

describe("customer detail: pool actions", () => {
  afterEach(() => vi.unstubAllGlobals());

  it("shows since when the customer is owned and how often it was recycled", async () => {
    serve({ customer: customer() });
    renderPage(<CustomerDetailPage />, { url: "/customers/c1", path: "/customers/:id", permissions: REP });
    const profile = await screen.findByTestId("customer-profile");
    expect(within(profile).getByText("领取时间")).toBeInTheDocument();
    expect(within(profile).getByTestId("customer-claimed-at")).toHaveTextContent(/^2024-05-02 \d\d:00$/);
    expect(within(profile).getByText("回收次数")).toBeInTheDocument();
    expect(within(profile).getByTestId("customer-recycle-count")).toHaveTextContent("2");
    expect(screen.queryByTestId("customer-locked")).toBeNull();
  });

  it("releases the customer with a reason, then goes to the pool", async () => {
    const seen = serve({ customer: customer() }, (req) => (req.path === "/customers/c1/release" ? json({ customer_id: "c1", pool_id: "p1" }) : null));
    const { where } = renderPage(<CustomerDetailPage />, { url: "/customers/c1", path: "/customers/:id", permissions: REP });
    fireEvent.click(await screen.findByTestId("customer-release"));
    // a reason is required
    fireEvent.click(await screen.findByTestId("customer-release-ok"));
    expect(await screen.findByText("请输入释放原因")).toBeInTheDocument();
    expect(seen.some((s) => s.path === "/customers/c1/release")).toBe(false);

    fireEvent.change(screen.getByTestId("customer-release-reason"), { target: { value: " 客户暂无需求 " } });
    fireEvent.click(screen.getByTestId("customer-release-ok"));
    await waitFor(() => expect(where()).toBe("/pools"));
    const post = seen.find((s) => s.path === "/customers/c1/release")!;
    expect(post.method).toBe("POST");
    expect(JSON.parse(post.body)).toEqual({ reason: "客户暂无需求" });
  });

  it("locks and unlocks the customer, showing its locked state", async () => {
    const state = { customer: customer() };
    const seen = serve(state, (req) => {
      if (req.path !== "/customers/c1/lock") return null;
      const locked = (JSON.parse(req.body) as { locked: boolean }).locked;
      state.customer = customer({ locked_at: locked ? "2024-05-03T08:00:00Z" : null });
      return json(state.customer);
    });
    renderPage(<CustomerDetailPage />, { url: "/customers/c1", path: "/customers/:id", permissions: REP });
    const lock = await screen.findByTestId("customer-lock");
    expect(lock).toHaveTextContent("锁定");
    expect(lock).toHaveAttribute("data-locked", "false");
    fireEvent.click(lock);
    expect(await screen.findByTestId("customer-locked")).toHaveTextContent("已锁定");
    await waitFor(() => expect(screen.getByTestId("customer-lock")).toHaveAttribute("data-locked", "true"));
    expect(screen.getByTestId("customer-lock")).toHaveTextContent("解锁");
    fireEvent.click(screen.getByTestId("customer-lock"));
    await waitFor(() => expect(screen.queryByTestId("customer-locked")).toBeNull());
    const bodies = seen.filter((s) => s.path === "/customers/c1/lock").map((s) => JSON.parse(s.body) as unknown);
    expect(bodies).toEqual([{ locked: true }, { locked: false }]);
  });

  it("shows the server's refusal to lock beyond the cap", async () => {
    serve({ customer: customer() }, (req) =>
      req.path === "/customers/c1/lock" ? json({ type: "rule-violation", title: "Not allowed", status: 422, detail: "20 customers are locked already: the limit is 20" }, 422) : null,
    );
    renderPage(<CustomerDetailPage />, { url: "/customers/c1", path: "/customers/:id", permissions: REP });
    fireEvent.click(await screen.findByTestId("customer-lock"));
    await waitFor(() => expect(document.querySelector(".ant-message")).toHaveTextContent("20 customers are locked already: the limit is 20"));
    expect(screen.queryByTestId("customer-locked")).toBeNull();
  });

  it("offers neither for a customer waiting in the pool, nor without customer:update", async () => {
    serve({ customer: customer({ owner: null, pool_id: "p1", claimed_at: null }) });
    const first = renderPage(<CustomerDetailPage />, { url: "/customers/c1", path: "/customers/:id", permissions: REP });
    expect(await screen.findByTestId("customer-in-pool")).toHaveTextContent("公海中");
    expect(screen.queryByTestId("customer-release")).toBeNull();
    expect(screen.queryByTestId("customer-lock")).toBeNull();
    first.unmount();
    vi.unstubAllGlobals();

    serve({ customer: customer() });
    renderPage(<CustomerDetailPage />, { url: "/customers/c1", path: "/customers/:id", permissions: { customer: { read: "all" } } });
    await screen.findByTestId("customer-profile");
    expect(screen.queryByTestId("customer-release")).toBeNull();
    expect(screen.queryByTestId("customer-lock")).toBeNull();
  });
});

describe("customer detail: protected from recycling", () => {
  afterEach(() => vi.unstubAllGlobals());

  const CONTRACT = {
    source: "contract" as const,
    source_id: "k1",
    starts_at: "2026-05-01T00:00:00Z",
    ends_at: "2027-04-30T16:00:00Z", // 2027-05-01 00:00 China time
    note: "HT-2026-001 年度服务合同",
  };
  const OPPORTUNITY = { source: "opportunity" as const, source_id: "o1", starts_at: "2026-10-01T00:00:00Z", ends_at: null, note: null };

  it("shows 受保护 instead of the days, with a tag per protection and its note as tooltip", async () => {
    serve({ customer: customer({ tier: "A", recycle_due_at: null, protections: [CONTRACT, OPPORTUNITY] }) });
    renderPage(<CustomerDetailPage />, { url: "/customers/c1", path: "/customers/:id", permissions: REP });
    const profile = await screen.findByTestId("customer-profile");
    const due = within(profile).getByTestId("recycle-due");
    expect(due).toHaveTextContent("受保护");
    expect(due).toHaveAttribute("data-protected", "true");
    const tags = within(profile).getAllByTestId("recycle-protection");
    expect(tags.map((t) => t.textContent)).toEqual(["受保护：有效合同至 2027-05-01", "受保护：商机推进中"]);
    expect(tags.map((t) => t.getAttribute("data-active"))).toEqual(["true", "true"]);
    fireEvent.mouseEnter(tags[0]!);
    expect(await screen.findByText("HT-2026-001 年度服务合同")).toBeInTheDocument();
  });

  it("counts down as before when no protection holds, and greys one the rules do not exempt", async () => {
    const inTenDays = new Date(Date.now() + 10 * 86_400_000).toISOString();
    serve({ customer: customer({ recycle_due_at: inTenDays, protections: [OPPORTUNITY] }) });
    renderPage(<CustomerDetailPage />, { url: "/customers/c1", path: "/customers/:id", permissions: REP });
    const profile = await screen.findByTestId("customer-profile");
    expect(within(profile).getByTestId("recycle-due")).toHaveTextContent("10 天");
    const tag = within(profile).getByTestId("recycle-protection");
    expect(tag).toHaveTextContent(/^商机推进中$/);
    expect(tag).toHaveAttribute("data-active", "false");
  });

  it("shows — and no tag for a locked customer or one without protections", async () => {
    serve({ customer: customer({ locked_at: "2024-05-03T08:00:00Z", protections: [CONTRACT] }) });
    const view = renderPage(<CustomerDetailPage />, { url: "/customers/c1", path: "/customers/:id", permissions: REP });
    let profile = await screen.findByTestId("customer-profile");
    expect(within(profile).getByTestId("recycle-due")).toHaveTextContent("—");
    expect(within(profile).queryByTestId("recycle-protection")).toBeNull();
    view.unmount();
    vi.unstubAllGlobals();

    serve({ customer: customer() });
    renderPage(<CustomerDetailPage />, { url: "/customers/c1", path: "/customers/:id", permissions: REP });
    profile = await screen.findByTestId("customer-profile");
    expect(within(profile).getByTestId("recycle-due")).toHaveTextContent("—");
    expect(within(profile).queryByTestId("recycle-protection")).toBeNull();
  });
});

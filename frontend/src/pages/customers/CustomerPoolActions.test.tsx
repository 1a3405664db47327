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

import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Pool, PoolCustomer } from "../../api/types";
import { fakeApi, json, renderPage, type Seen } from "../../test/fakeApi";
import { PoolPage } from "./PoolPage";

const POOLS: Pool[] = [
  { id: "p-company", name: "全公司公海", zone_id: null, is_default: true, description: null, is_active: true, customers: 2, version: 1 },
  { id: "p-east", name: "华东战区 公海", zone_id: "z-east", is_default: true, description: null, is_active: true, customers: 12, version: 1 },
];

function customer(id: string, name: string, over: Partial<PoolCustomer> = {}): PoolCustomer {
  return {
    id,
    name,
    kind: "enterprise",
    level: "KA",
    tier: "B",
    industry: "制造业",
    province_code: null,
    city_code: null,
    last_followed_up_at: null,
    recycle_count: 0,
    previous_owner: null,
    updated_at: "2024-05-02T08:00:00Z",
    ...over,
  };
}

const REP = { pool: { read: "own", claim: "own" }, customer: { read: "own", update: "own" } };
const MANAGER = { pool: { read: "team", claim: "team", allocate: "team" }, customer: { read: "team" }, user: { read: "all" }, team: { read: "all" } };

function notFound() {
  return json({ status: 404, title: "Not found" }, 404);
}

/** A pool API: `east` are the customers of the east pool (the handler may change it). */
function poolApi(state: { east: PoolCustomer[] }, extra: (req: Seen) => Response | null = () => null) {
  return fakeApi((req) => {
    const answer = extra(req);
    if (answer) return answer;
    if (req.path === "/pools") return json({ items: POOLS });
    if (req.path === "/pools/p-east/customers") return json({ items: state.east, next_cursor: null });
    if (req.path === "/pools/p-company/customers") return json({ items: [customer("c-co", "公司池客户")], next_cursor: null });
    return notFound();
  });
}

describe("PoolPage", () => {
  afterEach(() => vi.unstubAllGlobals());

  it("opens the caller's zone pool, shows the pool sizes and keeps filters in the URL", async () => {
    const seen = poolApi({ east: [customer("c1", "甲科技")] });
    const { where } = renderPage(<PoolPage />, { url: "/pools", path: "/pools", permissions: REP, user: { zone_ids: ["z-east"] } });
    const row = await screen.findByTestId("pool-row-c1");
    expect(within(row).getByTestId("pool-customer-name")).toHaveTextContent("甲科技");
    expect(screen.getByTestId("pool-tab-p-east")).toHaveTextContent("华东战区 公海 (12)");
    expect(screen.getByTestId("pool-tab-p-company")).toHaveTextContent("(2)");
    // a rep: no selection, no allocation, no previous owner column
    expect(screen.queryByTestId("pool-allocate")).toBeNull();
    expect(row.querySelector(".ant-checkbox")).toBeNull();
    expect(screen.queryByText("原负责人")).toBeNull();

    fireEvent.change(screen.getByTestId("pool-filter-industry"), { target: { value: " 制造业 " } });
    fireEvent.click(screen.getByTestId("pool-filter-apply"));
    await waitFor(() => expect(where()).toBe("/pools?industry=%E5%88%B6%E9%80%A0%E4%B8%9A"));
    await waitFor(() => expect(seen.some((s) => s.path === "/pools/p-east/customers" && s.query.get("industry") === "制造业")).toBe(true));

    fireEvent.click(screen.getByText("全公司公海"));
    await waitFor(() => expect(where()).toBe("/pools?industry=%E5%88%B6%E9%80%A0%E4%B8%9A&pool=p-company"));
    expect(await screen.findByTestId("pool-row-c-co")).toBeInTheDocument();
    const company = seen.filter((s) => s.path === "/pools/p-company/customers");
    expect(company.at(-1)!.query.get("industry")).toBe("制造业");
  });

  it("sends the filters held in the URL, the follow-up day as a time", async () => {
    const seen = poolApi({ east: [] });
    renderPage(<PoolPage />, {
      url: "/pools?pool=p-east&level=SKA&tier=A&province=440000&city=440100&before=2024-05-01&q=科技",
      path: "/pools",
      permissions: REP,
    });
    await waitFor(() => expect(seen.some((s) => s.path === "/pools/p-east/customers")).toBe(true));
    const q = seen.find((s) => s.path === "/pools/p-east/customers")!.query;
    expect(Object.fromEntries([...q.entries()].filter(([k]) => k !== "followed_before"))).toEqual({
      level: "SKA",
      tier: "A",
      province_code: "440000",
      city_code: "440100",
      q: "科技",
      limit: "50",
    });
    expect(new Date(q.get("followed_before")!).getTime()).toBe(new Date(2024, 4, 1).getTime());
    expect(screen.getByTestId("pool-search")).toHaveValue("科技");
  });

  it("claims a customer: it leaves the list and a link opens it", async () => {
    const state = { east: [customer("c1", "甲科技"), customer("c2", "乙贸易")] };
    const seen = poolApi(state, (req) => {
      if (req.path === "/customers/c1/claim") {
        state.east = state.east.filter((c) => c.id !== "c1");
        return json({ id: "c1", name: "甲科技" });
      }
      return null;
    });
    renderPage(<PoolPage />, { url: "/pools", path: "/pools", permissions: REP, user: { zone_ids: ["z-east"] } });
    const row = await screen.findByTestId("pool-row-c1");
    const button = within(row).getByTestId("pool-claim");
    expect(button).toHaveAttribute("data-customer-id", "c1");
    fireEvent.click(button);
    expect(await screen.findByTestId("pool-claimed")).toHaveTextContent("已领取「甲科技」");
    expect(screen.getByTestId("pool-claimed-link")).toHaveAttribute("href", "/customers/c1");
    await waitFor(() => expect(screen.queryByTestId("pool-row-c1")).toBeNull());
    expect(screen.getByTestId("pool-row-c2")).toBeInTheDocument();
    expect(seen.find((s) => s.path === "/customers/c1/claim")!.method).toBe("POST");
  });

  it("says why a claim is refused when another rep got the customer first", async () => {
    const state = { east: [customer("c1", "甲科技")] };
    poolApi(state, (req) => {
      if (req.path === "/customers/c1/claim") {
        state.east = [];
        return json({ type: "conflict", title: "Conflict", status: 409, detail: "another rep has already claimed this customer" }, 409);
      }
      return null;
    });
    renderPage(<PoolPage />, { url: "/pools", path: "/pools", permissions: REP, user: { zone_ids: ["z-east"] } });
    fireEvent.click(within(await screen.findByTestId("pool-row-c1")).getByTestId("pool-claim"));
    const alert = await screen.findByTestId("pool-claim-error");
    expect(within(alert).getByTestId("pool-claim-error-detail")).toHaveTextContent("another rep has already claimed this customer");
    expect(alert).toHaveTextContent("领取失败");
    // the message too, and the list as it is now
    await waitFor(() => expect(document.querySelector(".ant-message")).toHaveTextContent("another rep has already claimed this customer"));
    await waitFor(() => expect(screen.queryByTestId("pool-row-c1")).toBeNull());
    expect(screen.queryByTestId("pool-claimed")).toBeNull();
  });

  it("shows a cap refusal (422) the same way", async () => {
    poolApi({ east: [customer("c1", "甲科技")] }, (req) =>
      req.path === "/customers/c1/claim"
        ? json({ type: "rule-violation", title: "Not allowed", status: 422, detail: "you have claimed 20 customers today: the limit is 20" }, 422)
        : null,
    );
    renderPage(<PoolPage />, { url: "/pools", path: "/pools", permissions: REP, user: { zone_ids: ["z-east"] } });
    fireEvent.click(within(await screen.findByTestId("pool-row-c1")).getByTestId("pool-claim"));
    expect(await screen.findByTestId("pool-claim-error-detail")).toHaveTextContent("you have claimed 20 customers today: the limit is 20");
    expect(screen.getByTestId("pool-row-c1")).toBeInTheDocument();
  });

  it("hides claim without pool:claim", async () => {
    poolApi({ east: [customer("c1", "甲科技")] });
    renderPage(<PoolPage />, { url: "/pools", path: "/pools", permissions: { pool: { read: "all" } }, user: { zone_ids: ["z-east"] } });
    await screen.findByTestId("pool-row-c1");
    expect(screen.queryByTestId("pool-claim")).toBeNull();
    expect(screen.queryByTestId("pool-new")).toBeNull();
  });
});

describe("allocation", () => {
  afterEach(() => vi.unstubAllGlobals());

  const TEAMS = [
    { id: "t1", name: "华东一组", zone_id: "z-east", parent_id: null, manager: { id: "u1", display_name: "Rep" }, member_count: 3, version: 1 },
    { id: "t2", name: "华北一组", zone_id: "z-north", parent_id: null, manager: null, member_count: 1, version: 1 },
  ];
  const rep = (id: string, name: string, team_id: string) => ({
    id,
    username: id,
    display_name: name,
    team_id,
    zone_ids: [],
    is_active: true,
    on_leave: false,
    roles: ["sales_rep"],
  });
  const USERS = [rep("r1", "张三", "t1"), rep("r2", "李四", "t1"), rep("r3", "王五", "t1"), rep("r9", "赵六", "t2")];

  function allocationApi(answer: (req: Seen) => Response) {
    const east = Array.from({ length: 12 }, (_, i) => customer(`c${i + 1}`, `客户${i + 1}`, { previous_owner: i === 0 ? { id: "r9", name: "赵六" } : null }));
    return poolApi({ east }, (req) => {
      if (req.path === "/users") {
        const team = req.query.get("team_id");
        return json({ items: USERS.filter((u) => !team || u.team_id === team), next_cursor: null });
      }
      if (req.path === "/teams") return json({ items: TEAMS });
      if (req.path === "/pools/p-east/allocate") return answer(req);
      return null;
    });
  }

  async function pickReps(names: string[]) {
    const select = within(await screen.findByTestId("allocate-dialog")).getByTestId("allocate-reps");
    fireEvent.mouseDown(select.querySelector(".ant-select-selector")!);
    for (const name of names) fireEvent.click(await screen.findByTitle(`${name} (${USERS.find((u) => u.display_name === name)!.id})`));
  }

  it("allocates N at random to the chosen reps of the caller's teams and shows 4/3/3", async () => {
    const seen = allocationApi(() => json({ allocated: { r2: ["c1", "c2", "c3"], r1: ["c4", "c5", "c6", "c7"], r3: ["c8", "c9", "c10"] } }));
    renderPage(<PoolPage />, { url: "/pools", path: "/pools", permissions: MANAGER, user: { zone_ids: ["z-east"] } });
    const row = await screen.findByTestId("pool-row-c1");
    // managers see the previous owner
    expect(within(row).getByTestId("pool-previous-owner")).toHaveTextContent("赵六");
    fireEvent.click(screen.getByTestId("pool-allocate"));
    await pickReps(["张三", "李四", "王五"]);
    // a rep of another team is not offered
    expect(screen.queryByTitle("赵六 (r9)")).toBeNull();
    expect(screen.getByTestId("allocate-submit")).toBeDisabled();
    fireEvent.change(screen.getByTestId("allocate-count"), { target: { value: "10" } });
    await waitFor(() => expect(screen.getByTestId("allocate-submit")).toBeEnabled());
    fireEvent.click(screen.getByTestId("allocate-submit"));

    const result = await screen.findByTestId("allocate-result");
    expect(screen.getByTestId("allocate-summary")).toHaveTextContent("4/3/3");
    expect(result).toHaveAttribute("data-summary", "4/3/3");
    expect(within(result).getAllByTestId("allocate-result-item").map((li) => li.textContent)).toEqual(["张三：4 个", "李四：3 个", "王五：3 个"]);
    // the reps were asked for by the manager's team
    expect(seen.filter((s) => s.path === "/users").map((s) => s.query.get("team_id"))).toEqual(["t1"]);
    const post = seen.find((s) => s.path === "/pools/p-east/allocate")!;
    expect(post.method).toBe("POST");
    expect(JSON.parse(post.body)).toEqual({ user_ids: ["r1", "r2", "r3"], count: 10 });
    // the pool is read again
    await waitFor(() => expect(seen.filter((s) => s.path === "/pools/p-east/customers").length).toBeGreaterThan(1));
  });

  it("allocates the selected rows, and shows the quota refusal", async () => {
    const seen = allocationApi(() =>
      json({ type: "rule-violation", title: "Not allowed", status: 422, detail: "the zone's weekly allocation quota has 1 customers left this week (499 allocated of 500)" }, 422),
    );
    renderPage(<PoolPage />, { url: "/pools", path: "/pools", permissions: MANAGER, user: { zone_ids: ["z-east"] } });
    for (const id of ["c2", "c3"]) fireEvent.click((await screen.findByTestId(`pool-row-${id}`)).querySelector("input[type=checkbox]")!);
    expect(screen.getByTestId("pool-allocate")).toHaveTextContent("(2)");
    fireEvent.click(screen.getByTestId("pool-allocate"));
    await pickReps(["李四"]);
    // with rows selected the dialog offers them first
    expect(screen.getByTestId("allocate-mode-selected")).toBeChecked();
    fireEvent.click(screen.getByTestId("allocate-submit"));
    expect(await screen.findByTestId("allocate-error")).toHaveTextContent("weekly allocation quota has 1 customers left");
    expect(JSON.parse(seen.find((s) => s.path === "/pools/p-east/allocate")!.body)).toEqual({ user_ids: ["r2"], customer_ids: ["c2", "c3"] });
    expect(screen.queryByTestId("allocate-result")).toBeNull();
  });
});

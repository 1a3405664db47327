import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Lead, LeadDetail } from "../../api/types";
import { fakeApi, json, renderPage } from "../../test/fakeApi";
import { LeadDetailPage } from "./LeadDetailPage";
import { LeadListPage } from "./LeadListPage";
import { canRelease, isOpenLead, leadView, seesUnownedLeads } from "./poolHelpers";

function lead(over: Partial<Lead> = {}): Lead {
  return {
    id: "L1",
    company_name: "甲公司",
    contact_name: "张三",
    mobile: "13800000001",
    email: null,
    title: null,
    uscc: null,
    industry: null,
    company_size: null,
    product: null,
    campaign: null,
    notes: null,
    province_code: null,
    city_code: null,
    channel_id: null,
    customer_id: null,
    duplicate_of_id: null,
    import_id: null,
    invalid_reason: null,
    last_contacted_at: null,
    owner: null,
    queue: "pool",
    zone_id: "z1",
    grade: "A",
    score: 75,
    score_breakdown: {},
    routing_trace: {},
    status: "new",
    utm: {},
    version: 1,
    created_at: "2024-05-02T08:00:00Z",
    updated_at: "2024-05-02T08:00:00Z",
    ...over,
  };
}

const REP = { lead: { read: "own", create: "own", update: "own", claim: "own" } };

describe("pool helpers", () => {
  it("reads the view from the URL and offers release only for owned open leads", () => {
    expect(leadView("pool")).toBe("pool");
    expect(leadView(null)).toBe("mine");
    expect(leadView("whatever")).toBe("mine");
    expect(["new", "contacted", "qualified", "converted", "invalid"].filter(isOpenLead)).toEqual(["new", "contacted", "qualified"]);
    const owned = { owner: { id: "u1", display_name: "Rep" }, status: "contacted" };
    expect(canRelease(owned, true)).toBe(true);
    expect(canRelease(owned, false)).toBe(false);
    expect(canRelease({ ...owned, owner: null }, true)).toBe(false);
    expect(canRelease({ ...owned, status: "converted" }, true)).toBe(false);
  });

  it("lets only team scope and above open unowned leads", () => {
    expect(seesUnownedLeads("own")).toBe(false);
    expect(seesUnownedLeads(undefined)).toBe(false);
    expect(["team", "zone", "all"].every(seesUnownedLeads)).toBe(true);
  });
});

describe("lead pool on the list", () => {
  afterEach(() => vi.unstubAllGlobals());

  it("lists the pool by grade, shows the queue and claims, saying why a claim is refused", async () => {
    const seen = fakeApi((req) => {
      if (req.path === "/leads" && req.query.get("pool") === "true")
        return json({ items: [lead(), lead({ id: "L2", company_name: "乙公司", grade: "B" })], next_cursor: null });
      if (req.path === "/leads") return json({ items: [lead({ id: "M1", company_name: "我的公司", owner: { id: "u1", display_name: "Rep" }, queue: null })], next_cursor: null });
      if (req.path === "/leads/L1/claim")
        return json({ type: "rule-violation", title: "Not allowed", status: 422, detail: "you have claimed 20 leads today: the limit is 20" }, 422);
      return json({ status: 404, title: "Not found" }, 404);
    });
    const { where } = renderPage(<LeadListPage />, { url: "/leads", path: "/leads", permissions: REP });
    expect(await screen.findByTestId("lead-row-M1")).toBeInTheDocument();
    expect(screen.queryByTestId("claim-lead")).toBeNull();

    fireEvent.click(screen.getByTestId("lead-pool-tab"));
    await waitFor(() => expect(where()).toBe("/leads?view=pool"));
    const row = await screen.findByTestId("lead-row-L1");
    const poolQuery = seen.find((s) => s.path === "/leads" && s.query.get("pool") === "true")!;
    expect(poolQuery.query.get("sort")).toBe("grade");
    expect(within(row).getByTestId("lead-queue")).toHaveAttribute("data-queue", "pool");
    expect(within(row).getByTestId("lead-queue")).toHaveTextContent("线索池");
    // not the rep's yet: no link to a page they may not open
    expect(within(row).queryByTestId("lead-link")).toBeNull();
    expect(within(row).getByTestId("lead-name")).toHaveTextContent("甲公司");

    fireEvent.click(within(row).getByTestId("claim-lead"));
    expect(await screen.findByText("you have claimed 20 leads today: the limit is 20")).toBeInTheDocument();
    const claim = seen.find((s) => s.path === "/leads/L1/claim")!;
    expect(claim.method).toBe("POST");
  });

  it("hides claim from users without lead:claim", async () => {
    fakeApi((req) => (req.path === "/leads" ? json({ items: [lead()], next_cursor: null }) : json({ status: 404, title: "Not found" }, 404)));
    renderPage(<LeadListPage />, { url: "/leads?view=pool", path: "/leads", permissions: { lead: { read: "all" } } });
    const row = await screen.findByTestId("lead-row-L1");
    expect(within(row).getByTestId("lead-link")).toHaveAttribute("href", "/leads/L1");
    expect(screen.queryByTestId("claim-lead")).toBeNull();
    expect(screen.queryByTestId("lead-import")).toBeNull();
  });

  it("offers the import button with lead:import", async () => {
    fakeApi((req) => (req.path === "/leads" ? json({ items: [], next_cursor: null }) : json({ status: 404, title: "Not found" }, 404)));
    const { where } = renderPage(<LeadListPage />, { url: "/leads", path: "/leads", permissions: { lead: { read: "zone", import: "zone" } } });
    fireEvent.click(await screen.findByTestId("lead-import"));
    await waitFor(() => expect(where()).toBe("/leads/import"));
  });
});

function detail(over: Partial<LeadDetail> = {}): LeadDetail {
  return { ...lead(), actions: [], duplicates: [], ...over } as LeadDetail;
}

describe("lead pool on the detail page", () => {
  afterEach(() => vi.unstubAllGlobals());

  it("releases an owned open lead with a reason, then shows the pool", async () => {
    const seen = fakeApi((req) => {
      if (req.path === "/leads/L1" && req.method === "GET") return json(detail({ owner: { id: "u1", display_name: "Rep" }, queue: null, status: "contacted" }));
      if (req.path === "/leads/L1/release") return json(lead({ owner: null, queue: "pool" }));
      return json({ status: 404, title: "Not found" }, 404);
    });
    const { where } = renderPage(<LeadDetailPage />, { url: "/leads/L1", path: "/leads/:id", permissions: REP });
    fireEvent.click(await screen.findByTestId("lead-release"));
    fireEvent.change(await screen.findByTestId("lead-release-reason"), { target: { value: " 客户暂无需求 " } });
    fireEvent.click(screen.getByTestId("lead-release-ok"));
    await waitFor(() => expect(seen.some((s) => s.path === "/leads/L1/release")).toBe(true));
    expect(JSON.parse(seen.find((s) => s.path === "/leads/L1/release")!.body)).toEqual({ reason: "客户暂无需求" });
    // a rep no longer sees the released lead: on to the pool it went back to
    await waitFor(() => expect(where()).toBe("/leads?view=pool"));
  });

  it("shows where an unowned lead waits instead of an owner, and no release", async () => {
    fakeApi((req) => (req.path === "/leads/L1" ? json(detail({ queue: "leader" })) : json({ status: 404, title: "Not found" }, 404)));
    renderPage(<LeadDetailPage />, { url: "/leads/L1", path: "/leads/:id", permissions: REP });
    const queue = await screen.findByTestId("lead-queue");
    expect(queue).toHaveAttribute("data-queue", "leader");
    expect(queue).toHaveTextContent("负责人队列");
    expect(screen.queryByTestId("lead-release")).toBeNull();
    // only pool leads can be claimed
    expect(screen.queryByTestId("claim-lead")).toBeNull();
  });
});

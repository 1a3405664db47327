import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { fakeApi, json, renderPage, type Seen } from "../../test/fakeApi";
import type { Opportunity, StagePath } from "./detailHelpers";

// no canvas in jsdom: the chart records the option it is given (EChart has its own test)
const charts: { option: unknown }[] = [];
vi.mock("../../components/EChart", () => ({
  EChart: ({ option, "data-testid": testId }: { option: unknown; "data-testid"?: string }) => {
    charts.push({ option });
    return <div data-testid={testId} />;
  },
}));

const { OpportunityDetailPage } = await import("./OpportunityDetailPage");

const CHECK = "初次拜访完成 / First visit done";

function stage(code: string, position: number, rate: string, extra: Partial<StagePath> = {}): StagePath {
  return {
    id: `s-${code}`,
    code,
    name: `${code}-阶段 / ${code}`,
    position,
    kind: "open",
    win_rate: rate,
    forecast_category: "pipeline",
    is_current: false,
    reached: false,
    exit_criteria: {},
    unmet: [],
    checklist: [],
    ...extra,
  };
}

const OPP: Opportunity = {
  id: "o1",
  name: "华东精密 MES 二期",
  customer: { id: "c1", name: "华东精密制造有限公司" },
  business_line_id: "bl1",
  business_line: { id: "bl1", name: "标准销售流程 / Standard" },
  stage: { id: "s-initial", name: "initial-阶段 / initial" },
  stage_code: "initial",
  win_rate: "10.00",
  status: "open",
  amount: "1000000.00",
  currency: "CNY",
  weighted: "100000.00",
  expected_close_date: null,
  grade: "A",
  priority: "key",
  source: "manual",
  owner: { id: "u1", display_name: "Rep" },
  zone_id: null,
  team_id: null,
  team: null,
  queue: null,
  next_step: null,
  approval_status: "none",
  special_kind: null,
  conflict: false,
  days_in_stage: 3,
  stage_entered_at: "2026-11-20T02:00:00Z",
  updated_at: "2026-11-20T02:00:00Z",
  version: 4,
  products: [],
  product: null,
  description: null,
  lead_id: null,
  furthest_position: 1,
  closed_at: null,
  won_amount: null,
  won_on: null,
  contract_number: null,
  lost_reason: null,
  lost_note: null,
  lost_to: null,
  conflict_with: null,
  conflict_status: null,
  routing_trace: {},
  approval_request_id: null,
  permissions: { update: true, move: true, reassign: false },
  created_by: "u1",
  created_at: "2026-11-20T02:00:00Z",
  path: [
    stage("initial", 1, "10.00", {
      is_current: true,
      reached: true,
      exit_criteria: { required_fields: ["expected_close_date"], key_roles: [], documents: [], checklist: [CHECK], min_contacts: 1 },
      unmet: [
        { stage: "initial", kind: "required_field", item: "expected_close_date", message: "填写预计成交日期 / Expected close date" },
        { stage: "initial", kind: "checklist", item: CHECK, message: `完成检查项 / tick: ${CHECK}` },
      ],
      checklist: [{ item: CHECK, done: false }],
    }),
    stage("needs", 2, "30.00", {
      exit_criteria: { key_roles: ["decision_maker"], min_contacts: 2 },
      unmet: [{ stage: "needs", kind: "key_role", item: "decision_maker", message: "在决策链中确定决策者" }],
    }),
    stage("solution", 3, "50.00"),
    { ...stage("won", 6, "100.00"), kind: "won" },
    { ...stage("lost", 7, "0.00"), kind: "lost" },
  ],
};

const TICKED: Opportunity = {
  ...OPP,
  version: 5,
  path: OPP.path.map((s) =>
    s.code === "initial"
      ? { ...s, unmet: s.unmet.filter((m) => m.kind !== "checklist"), checklist: [{ item: CHECK, done: true, by: "u1", at: "2026-11-23T03:00:00Z" }] }
      : s,
  ),
};

const MISSING = [
  { stage: "initial", kind: "required_field", item: "expected_close_date", message: "填写预计成交日期 / Expected close date" },
  { stage: "initial", kind: "checklist", item: CHECK, message: `完成检查项 / tick: ${CHECK}` },
];

const PERMS = { opportunity: { read: "own", update: "own", move: "own" }, contact: { read: "own" }, user: { read: "all" } } as const;

function open(url = "/opportunities/o1", routes: (req: Seen) => Response | null = () => null) {
  const seen = fakeApi((req) => {
    const answer = routes(req);
    if (answer) return answer;
    if (req.method === "GET" && req.path === "/opportunities/o1") return json(OPP);
    if (req.path.endsWith("/follow-ups")) return json({ items: [], next_cursor: null });
    if (req.path.endsWith("/history")) return json({ stages: [], assignments: [], time_in_stage: [] });
    if (req.path.endsWith("/tasks")) return json({ items: [] });
    if (req.path === "/users") return json({ items: [], next_cursor: null });
    return json({ status: 404, title: "Not found" }, 404);
  });
  renderPage(<OpportunityDetailPage />, { url, path: "/opportunities/:id", permissions: PERMS });
  return seen;
}

const posts = (seen: Seen[], suffix: string) => seen.filter((s) => s.method === "POST" && s.path.endsWith(suffix));

describe("OpportunityDetailPage", () => {
  afterEach(() => {
    vi.unstubAllGlobals();
    charts.length = 0;
  });

  it("shows the current stage's exit criteria met and unmet, and ticking a checklist item posts it", async () => {
    const seen = open("/opportunities/o1", (req) => (req.method === "POST" && req.path.endsWith("/checklist") ? json(TICKED) : null));
    expect(await screen.findByTestId("opp-name")).toHaveTextContent("华东精密 MES 二期");
    expect(screen.getByTestId("opp-amount")).toHaveTextContent("CNY 1,000,000.00");
    expect(screen.getByTestId("opp-weighted")).toHaveTextContent("CNY 100,000.00");
    expect(screen.getByTestId("opp-customer")).toHaveAttribute("href", "/customers/c1");

    const path = screen.getByTestId("stage-path");
    expect(path).toHaveAttribute("data-current", "initial");
    expect(within(path).getByTestId("stage-step-initial")).toHaveAttribute("data-current", "true");
    expect(within(path).getByTestId("stage-rate-needs")).toHaveTextContent("30%");

    const items = screen.getAllByTestId("criteria-item");
    expect(items.map((i) => [i.getAttribute("data-kind"), i.getAttribute("data-met")])).toEqual([
      ["required_field", "false"],
      ["checklist", "false"],
      ["min_contacts", "true"],
    ]);
    expect(items[0]).toHaveTextContent("填写预计成交日期");
    expect(items[2]).toHaveTextContent("决策链至少 1 位客户联系人");
    expect(screen.getByTestId("criteria-summary")).toHaveTextContent("已满足 1/3");

    const check = screen.getByTestId("checklist-item");
    expect(check).toHaveTextContent("初次拜访完成");
    fireEvent.click(within(check).getByRole("checkbox"));
    await waitFor(() => expect(posts(seen, "/checklist")).toHaveLength(1));
    expect(JSON.parse(posts(seen, "/checklist")[0]!.body)).toEqual({ stage_code: "initial", item: CHECK, done: true });
    await waitFor(() => expect(screen.getAllByTestId("criteria-item")[1]).toHaveAttribute("data-met", "true"));
    expect(screen.getByTestId("criteria-summary")).toHaveTextContent("已满足 2/3");
  });

  it("a click on a later stage tries the move and lists what the 422 says is missing", async () => {
    const seen = open("/opportunities/o1", (req) =>
      req.method === "POST" && req.path.endsWith("/stage")
        ? json(
            {
              type: "https://l2c-crm.dev/problems/stage-criteria-not-met",
              title: "The stage's exit criteria are not met",
              status: 422,
              detail: "before leaving initial",
              missing: MISSING,
            },
            422,
          )
        : null,
    );
    fireEvent.click(await screen.findByTestId("stage-step-needs"));
    fireEvent.click(await screen.findByTestId("stage-move-confirm"));
    await waitFor(() => expect(posts(seen, "/stage")).toHaveLength(1));
    const sent = posts(seen, "/stage")[0]!;
    expect(JSON.parse(sent.body)).toMatchObject({ stage_id: "s-needs" });
    expect(sent.headers.get("If-Match")).toBe('"4"');
    const missing = await screen.findAllByTestId("stage-missing-item");
    expect(missing.map((m) => m.getAttribute("data-item"))).toEqual(["expected_close_date", CHECK]);
    expect(missing[0]).toHaveTextContent("填写预计成交日期");
  });

  it("the team tab shows each member's phone and e-mail", async () => {
    open("/opportunities/o1?tab=team", (req) =>
      req.path === "/opportunities/o1/members"
        ? json({
            owner: { user_id: "u1", display_name: "Rep", team_name: "华东一组", department_name: null, phone: "13800000001", email: "rep@example.com", is_active: true },
            items: [
              {
                user_id: "u7",
                display_name: "王售前",
                team_name: null,
                department_name: "售前部",
                phone: "13900000007",
                email: "wang@example.com",
                is_active: true,
                role: "presales",
                note: null,
                added_by: { id: "u1", display_name: "Rep" },
                added_at: "2026-11-21T02:00:00Z",
              },
            ],
          })
        : null,
    );
    const rows = await screen.findAllByTestId("team-member");
    expect(rows).toHaveLength(2);
    expect(within(rows[1]!).getByTestId("member-phone")).toHaveTextContent("13900000007");
    expect(within(rows[1]!).getByTestId("member-email")).toHaveAttribute("href", "mailto:wang@example.com");
    expect(rows[1]).toHaveTextContent("售前部");
    expect(within(rows[0]!).getByTestId("member-phone")).toHaveTextContent("13800000001");
  });

  it("the decision chain's chart gets the chain's contacts as a tree, coloured by attitude", async () => {
    const entry = (id: string, name: string, role: string | null, attitude: string | null, reports: string | null) => ({
      id: `e-${id}`,
      contact_id: id,
      name,
      title: null,
      department: null,
      mobile: null,
      email: null,
      reports_to_id: reports,
      role,
      attitude,
      satisfaction: null,
      influence: null,
      covered_by_id: null,
      covered_by_name: null,
      last_touch_at: null,
      notes: null,
      created_at: "2026-11-21T02:00:00Z",
      updated_at: "2026-11-21T02:00:00Z",
    });
    const items = [entry("k1", "陈总", "decision_maker", "supporter", null), entry("k2", "李工", "influencer", "opponent", "k1")];
    open("/opportunities/o1?tab=decision-chain", (req) => {
      if (req.path === "/opportunities/o1/decision-chain")
        return json({
          items,
          chart: {
            nodes: items.map((e) => ({ id: e.contact_id, entry_id: e.id, name: e.name, title: null, department: null, role: e.role, attitude: e.attitude, influence: null })),
            edges: [{ source: "k1", target: "k2", direct: true }],
            roots: ["k1"],
          },
        });
      if (req.path === "/opportunities/o1/members") return json({ owner: null, items: [] });
      return null;
    });
    expect(await screen.findAllByTestId("chain-row")).toHaveLength(2);
    await screen.findByTestId("chain-chart");
    const option = charts.at(-1)!.option as { series: { type: string; data: { name: string; children: { name: string; itemStyle: { color: string }; children: { name: string; itemStyle: { color: string } }[] }[] }[] }[] };
    const root = option.series[0]!.data[0]!;
    expect(option.series[0]!.type).toBe("tree");
    expect(root.name).toBe("华东精密制造有限公司");
    expect(root.children.map((c) => c.name)).toEqual(["陈总\n决策者"]);
    expect(root.children[0]!.children.map((c) => c.name)).toEqual(["李工\n影响者"]);
    expect(root.children[0]!.itemStyle.color).toBe("#52c41a");
    expect(root.children[0]!.children[0]!.itemStyle.color).toBe("#ff4d4f");
  });
});

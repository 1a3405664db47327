import { describe, expect, it } from "vitest";
import { fmtAmount, fmtRate } from "../opportunities/opportunityHelpers";
import { amountWeightedOption, funnelLabel, funnelOption, lossCompetitorsOption, type ChartTexts } from "./pipelineCharts";
import {
  batchBody,
  batchErrors,
  boardQuery,
  drillQuery,
  isPositive,
  manageReach,
  paramsFromSearch,
  paramsToSearch,
  periodRange,
  targetRows,
  type PipelineStageRow,
  type SalesTarget,
} from "./pipelineHelpers";
import type { SalesZone, Team, User } from "../../api/types";

function stage(code: string, name: string, rate: string, amount: string, weighted: string, count = 1): PipelineStageRow {
  return {
    stage_id: `s-${code}`,
    code,
    name,
    win_rate: rate,
    forecast_category: "pipeline",
    count,
    amount,
    weighted,
    reached: count,
    conversion_to_next: null,
    avg_days: null,
    moves: 0,
  };
}

// the seed's funnel: a million in each stage, 10/30/50/70/100 → 2,600,000 weighted
const SEED = [
  stage("initial", "初步接洽", "10.00", "1000000.00", "100000.00"),
  stage("needs", "需求确认", "30.00", "1000000.00", "300000.00"),
  stage("solution", "方案报价", "50.00", "1000000.00", "500000.00"),
  stage("negotiation", "商务谈判", "70.00", "1000000.00", "700000.00"),
  stage("signing", "签约", "100.00", "1000000.00", "1000000.00"),
];

const X: ChartTexts = {
  stage: (s) => s.name,
  money: (v) => fmtAmount(v),
  rate: (v) => fmtRate(v),
  count: (n) => `${n} 个`,
  amount: "金额",
  weighted: "加权",
};

type Series = { data: { id?: string; name?: string; value: number }[]; label: { formatter: (p: { dataIndex: number }) => string } };
const seriesOf = (option: object, i = 0) => (option as { series: Series[] }).series[i]!;

describe("funnelOption", () => {
  it("lays the open stages out in the server's order, narrowing, each labelled with its weighted value", () => {
    const series = seriesOf(funnelOption(SEED, X));
    expect(series.data.map((d) => d.id)).toEqual(["s-initial", "s-needs", "s-solution", "s-negotiation", "s-signing"]);
    expect(series.data.map((d) => d.value)).toEqual([5, 4, 3, 2, 1]);
    const labels = SEED.map((_, i) => series.label.formatter({ dataIndex: i }));
    expect(labels[0]).toBe("初步接洽 (10%)\n1 个 · ¥1,000,000.00 · 加权 ¥100,000.00");
    expect(labels[3]).toContain("加权 ¥700,000.00");
    expect(labels[4]).toContain("签约 (100%)");
  });

  it("keeps exact decimal strings in the labels (no float round trip)", () => {
    const big = stage("x", "大单", "30.00", "9007199254740993.00", "2702159776422297.90");
    expect(funnelLabel(big, X)).toContain("¥2,702,159,776,422,297.90");
  });

  it("bars amount and weighted per stage in the same order", () => {
    const option = amountWeightedOption(SEED, X) as { series: { data: number[] }[]; xAxis: { data: string[] } };
    expect(option.xAxis.data).toEqual(["初步接洽", "需求确认", "方案报价", "商务谈判", "签约"]);
    expect(option.series[1]!.data).toEqual([100000, 300000, 500000, 700000, 1000000]);
  });

  it("keys the competitor bars by competitor id", () => {
    const option = lossCompetitorsOption([{ competitor_id: "c1", name: "友商甲", count: 3, amount: "10.00" }], X, "输单数");
    expect(seriesOf(option).data).toEqual([{ id: "c1", value: 3 }]);
  });
});

describe("board filters and queries", () => {
  it("computes the quick-pick periods on China days", () => {
    expect(periodRange("month", "2026-02-11")).toEqual({ from: "2026-02-01", to: "2026-02-28" });
    expect(periodRange("quarter", "2026-11-23")).toEqual({ from: "2026-10-01", to: "2026-12-31" });
    expect(periodRange("year", "2024-05-05")).toEqual({ from: "2024-01-01", to: "2024-12-31" });
  });

  it("round-trips the URL and asks for the drill's condition with the board's filters", () => {
    const p = paramsFromSearch(new URLSearchParams("from=2026-03-31&to=2026-01-01&team_id=t1&business_line_id=b1"));
    expect(p).toEqual({ period: "custom", from: "2026-01-01", to: "2026-03-31", team_id: "t1", business_line_id: "b1" });
    expect(paramsToSearch(p).toString()).toBe("business_line_id=b1&team_id=t1&from=2026-01-01&to=2026-03-31");
    expect(boardQuery({ period: "month" }, "2026-11-23")).toEqual({ from: "2026-11-01", to: "2026-11-30" });
    expect(drillQuery(p, "2026-11-23", { kind: "competitor", competitorId: "c9", name: "x" }, "cur")).toEqual({
      from: "2026-01-01",
      to: "2026-03-31",
      business_line_id: "b1",
      team_id: "t1",
      competitor_id: "c9",
      limit: 50,
      cursor: "cur",
    });
    expect(drillQuery(p, "2026-11-23", { kind: "bucket", bucket: "stock" }).bucket).toBe("stock");
  });

  it("tells a gap still open from a covered one without parsing floats", () => {
    expect(isPositive("2400000.00")).toBe(true);
    expect(isPositive("0.00")).toBe(false);
    expect(isPositive("0.01")).toBe(true);
    expect(isPositive(null)).toBe(false);
  });
});

describe("sales target grid", () => {
  const team = (id: string, name: string, zone: string, parent: string | null, manager: string | null) =>
    ({ id, name, zone_id: zone, parent_id: parent, manager: manager ? { id: manager, display_name: manager } : null, member_count: 1, version: 1 }) as Team;
  const TEAMS = [team("t1", "华东一组", "z1", null, "m1"), team("t2", "华东一组-A", "z1", "t1", null), team("t3", "华南组", "z2", null, "m2")];
  const ZONES = [{ id: "z1", name: "华东", leader: { id: "d1", display_name: "d1" } }, { id: "z2", name: "华南", leader: null }] as SalesZone[];

  it("reaches a manager's teams with sub-teams, a director's zones with their teams", () => {
    const mgr = manageReach("team", { id: "m1" }, TEAMS, ZONES);
    expect([...mgr.teams].sort()).toEqual(["t1", "t2"]);
    expect(mgr.userTeams).toEqual(["t1"]);
    const dir = manageReach("zone", { id: "d1" }, TEAMS, ZONES);
    expect([...dir.zones]).toEqual(["z1"]);
    expect([...dir.teams].sort()).toEqual(["t1", "t2"]);
    expect(manageReach("all", { id: "a" }, TEAMS, ZONES).zones.size).toBe(2);
  });

  it("sends the edited rows only, amounts as typed, and maps items.N back to the row", () => {
    const target = { id: "x", scope_type: "user", scope_id: "r1", scope_name: "李四", month: "2026-11", amount: "1000000.00", currency: "CNY" } as SalesTarget;
    const rows = targetRows({
      zones: ZONES,
      teams: TEAMS,
      users: [{ id: "r1", display_name: "李四", is_active: true }, { id: "r2", display_name: "王五", is_active: true }] as User[],
      reach: manageReach("team", { id: "m1" }, TEAMS, ZONES),
      targets: [target],
    });
    expect(rows.map((r) => r.key)).toEqual(["team:t1", "team:t2", "user:r1", "user:r2"]);
    const { body, keys, invalid } = batchBody(rows, { "user:r1": "1000000.00", "user:r2": " 0012.50 ", "team:t2": "" }, "2026-11", "b1");
    expect(invalid).toEqual([]);
    expect(body.items).toEqual([{ scope_type: "user", scope_id: "r2", month: "2026-11", amount: "0012.50", currency: "CNY", business_line_id: "b1" }]);
    expect(batchBody(rows, { "user:r2": "1.234" }, "2026-11", undefined).invalid).toEqual(["user:r2"]);
    const errors = batchErrors({ status: 422, errors: [{ field: "body.items.0.amount", message: "too big" }, { field: "month", message: "bad" }] }, keys);
    expect(errors.byRow).toEqual({ "user:r2": "too big" });
    expect(errors.unmatched).toEqual(["month: bad"]);
  });
});

import { describe, expect, it } from "vitest";
import { addDays, chinaDay, chinaDayStart, daysBetween } from "../../components/chinaTime";
import {
  CHART_OWNERS,
  filterRows,
  lostApiRange,
  lostByOwner,
  lostByRule,
  lostOwnersOption,
  lostSearch,
  lostTotals,
  parseLostParams,
  periodRange,
  ruleText,
  type LostRow,
  type RuleTexts,
} from "./lostBoard";

const ZHANG = { id: "u-zhang", name: "张三" };
const LI = { id: "u-li", name: "李四" };
const WANG = { id: "u-wang", name: "王五" };

const ROWS: LostRow[] = [
  { owner: ZHANG, how: "recycle", rule: "tier A: not followed up within 30 days", count: 5 },
  { owner: ZHANG, how: "recycle", rule: "no won deal within 90 days of the claim", count: 2 },
  { owner: ZHANG, how: "release", rule: null, count: 1 },
  { owner: LI, how: "recycle", rule: "tier A: not followed up within 30 days", count: 3 },
  { owner: LI, how: "transfer", rule: null, count: 9 },
  { owner: WANG, how: "release", rule: null, count: 4 },
];

const TEXTS: RuleTexts = {
  tier: (tier, days) => `分层 ${tier}：${days} 天未跟进`,
  noDeal: (days) => `领取后 ${days} 天未成交`,
  contractEnded: (days) => `合同结束已 ${days} 天`,
  none: (how) => `(${how})`,
};

describe("China days", () => {
  it("reads an instant's day in China time, whatever the browser's zone", () => {
    expect(chinaDay("2024-05-31T15:59:59Z")).toBe("2024-05-31");
    expect(chinaDay("2024-05-31T16:00:00Z")).toBe("2024-06-01");
    expect(chinaDayStart("2024-06-01")).toBe("2024-05-31T16:00:00.000Z");
    expect(addDays("2024-02-28", 1)).toBe("2024-02-29");
    expect(daysBetween("2024-05-30", "2024-06-02")).toBe(3);
  });
});

describe("lost board view in the URL", () => {
  it("defaults to this month up to today, China time", () => {
    const p = parseLostParams(new URLSearchParams(""), "2024-05-17");
    expect(p).toEqual({ period: "this_month", from: "2024-05-01", to: "2024-05-17", owner: null, how: null });
    expect(lostSearch(p).toString()).toBe("");
  });

  it("knows last month, across a year", () => {
    expect(periodRange("last_month", "2024-01-09")).toEqual(["2023-12-01", "2023-12-31"]);
    expect(periodRange("last_month", "2024-03-31")).toEqual(["2024-02-01", "2024-02-29"]);
    const p = parseLostParams(new URLSearchParams("period=last_month&owner=u-li&how=recycle"), "2024-05-17");
    expect(p).toEqual({ period: "last_month", from: "2024-04-01", to: "2024-04-30", owner: "u-li", how: "recycle" });
    expect(lostSearch(p).toString()).toBe("period=last_month&owner=u-li&how=recycle");
  });

  it("reads a custom range, the right way round, and ignores malformed values", () => {
    expect(parseLostParams(new URLSearchParams("from=2024-03-10&to=2024-03-01&how=stolen"), "2024-05-17")).toEqual({
      period: "custom",
      from: "2024-03-01",
      to: "2024-03-10",
      owner: null,
      how: null,
    });
    expect(parseLostParams(new URLSearchParams("from=2024-02-30&to=2024-03-01"), "2024-05-17").period).toBe("this_month");
    expect(lostSearch({ period: "custom", from: "2024-03-01", to: "2024-03-10", owner: null, how: "release" }).toString()).toBe(
      "from=2024-03-01&to=2024-03-10&how=release",
    );
  });

  it("asks the API for whole China days, the end exclusive", () => {
    expect(lostApiRange("2024-05-01", "2024-05-31")).toEqual({ from: "2024-04-30T16:00:00.000Z", to: "2024-05-31T16:00:00.000Z" });
  });
});

describe("lost board numbers", () => {
  it("totals the rows by how", () => {
    expect(lostTotals(ROWS)).toEqual({ release: 5, recycle: 10, transfer: 9, total: 24 });
    expect(lostTotals(filterRows(ROWS, "u-zhang", null))).toEqual({ release: 1, recycle: 7, transfer: 0, total: 8 });
  });

  it("lists the reps who lost most first", () => {
    const owners = lostByOwner(ROWS);
    expect(owners.map((o) => [o.name, o.total])).toEqual([
      ["李四", 12],
      ["张三", 8],
      ["王五", 4],
    ]);
    expect(owners[0]).toMatchObject({ release: 0, recycle: 3, transfer: 9 });
    // compared on recycling only
    expect(lostByOwner(filterRows(ROWS, null, "recycle")).map((o) => [o.name, o.total])).toEqual([
      ["张三", 7],
      ["李四", 3],
    ]);
  });

  it("sums each rule over the reps, the most frequent first", () => {
    const rules = lostByRule(ROWS);
    expect(rules.map((r) => [r.how, r.rule, r.count])).toEqual([
      ["transfer", null, 9],
      ["recycle", "tier A: not followed up within 30 days", 8],
      ["release", null, 5],
      ["recycle", "no won deal within 90 days of the claim", 2],
    ]);
  });

  it("says the server's rules in the reader's words", () => {
    expect(ruleText("recycle", "tier A: not followed up within 30 days", TEXTS)).toBe("分层 A：30 天未跟进");
    expect(ruleText("recycle", "no won deal within 90 days of the claim", TEXTS)).toBe("领取后 90 天未成交");
    expect(ruleText("recycle", "contract ended 30 days ago", TEXTS)).toBe("合同结束已 30 天");
    expect(ruleText("release", null, TEXTS)).toBe("(release)");
    expect(ruleText("recycle", "something new", TEXTS)).toBe("something new");
  });
});

describe("lost-by-rep chart", () => {
  it("stacks each rep's losses by how, the rep who lost most on top", () => {
    const option = lostOwnersOption(lostByOwner(ROWS), (how) => how.toUpperCase(), "u-zhang");
    const y = option.yAxis as { inverse: boolean; data: { value: string; textStyle: object }[] };
    expect(y.inverse).toBe(true);
    expect(y.data.map((d) => d.value)).toEqual(["李四", "张三", "王五"]);
    expect(y.data[1]!.textStyle).toEqual({ fontWeight: "bold" }); // the chosen rep
    const series = option.series as { name: string; stack: string; data: number[] }[];
    expect(series.map((s) => [s.name, s.stack, s.data])).toEqual([
      ["RELEASE", "lost", [0, 1, 4]],
      ["RECYCLE", "lost", [3, 7, 0]],
      ["TRANSFER", "lost", [9, 0, 0]],
    ]);
  });

  it("shows at most the first reps", () => {
    const many: LostRow[] = Array.from({ length: CHART_OWNERS + 5 }, (_, i) => ({
      owner: { id: `u${i}`, name: `rep ${String(i).padStart(2, "0")}` },
      how: "release",
      rule: null,
      count: 100 - i,
    }));
    const y = lostOwnersOption(lostByOwner(many), String).yAxis as { data: { value: string }[] };
    expect(y.data).toHaveLength(CHART_OWNERS);
    expect(y.data[0]!.value).toBe("rep 00");
  });
});

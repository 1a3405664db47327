import { describe, expect, it } from "vitest";
import {
  formatRate,
  funnelCounts,
  funnelLabel,
  funnelOption,
  invalidReasonsOption,
  periodKey,
  periodLabels,
  ratio,
  sourceOption,
  topSlices,
  trendOption,
  trendPeriod,
  trendPoints,
  type LeadBoardGroup,
} from "./boardCharts";

const STAGE_NAMES: Record<string, string> = { new: "新线索", contacted: "已联系", qualified: "已确认", converted: "已转化" };

function group(key: string | null, leads: number, converted = 0): LeadBoardGroup {
  return { key, label: key ?? "—", leads, contacted: 0, qualified: 0, converted, invalid: 0, duplicates: 0, conversion_rate: ratio(converted, leads) };
}

/** The first series of an option, as a plain record (options keep series as an array here). */
function series(option: object, index = 0): Record<string, unknown> {
  return (option as { series: Record<string, unknown>[] }).series[index]!;
}

describe("formatRate", () => {
  it("shows a 0..1 rate as a percentage with one decimal", () => {
    expect(formatRate(0.2345)).toBe("23.5%");
    expect(formatRate(0)).toBe("0.0%");
    expect(formatRate(1)).toBe("100.0%");
    expect(formatRate(0.5, 0)).toBe("50%");
    expect(formatRate(0.0005)).toBe("0.1%"); // half up, despite binary fractions
    expect(formatRate(0.3333)).toBe("33.3%");
  });
  it("shows a dash for a missing or non-finite rate", () => {
    expect(formatRate(null)).toBe("—");
    expect(formatRate(undefined)).toBe("—");
    expect(formatRate(Number.NaN)).toBe("—");
  });
  it("ratio is 0 rather than NaN without a whole", () => {
    expect(ratio(3, 0)).toBe(0);
    expect(ratio(1, 4)).toBe(0.25);
  });
});

describe("trendPeriod", () => {
  it("charts up to 60 days by day", () => {
    expect(trendPeriod("2024-05-01", "2024-05-30")).toBe("day"); // 30 days
    expect(trendPeriod("2024-05-01", "2024-06-29")).toBe("day"); // 60 days, both ends included
  });
  it("charts longer ranges by week", () => {
    expect(trendPeriod("2024-05-01", "2024-06-30")).toBe("week"); // 61 days
    expect(trendPeriod("2024-02-01", "2024-04-30")).toBe("week"); // last 90 days
  });
});

describe("periodKey", () => {
  it("keys a day by itself and a week by its Monday", () => {
    expect(periodKey("2024-05-15", "day")).toBe("2024-05-15");
    expect(periodKey("2024-05-15", "week")).toBe("2024-05-13"); // a Wednesday
    expect(periodKey("2024-05-13", "week")).toBe("2024-05-13"); // a Monday
    expect(periodKey("2024-05-19", "week")).toBe("2024-05-13"); // a Sunday closes the ISO week
    expect(periodKey("2024-01-02", "week")).toBe("2024-01-01");
    expect(periodKey("2023-01-01", "week")).toBe("2022-12-26"); // across a year
  });
});

describe("trendPoints", () => {
  it("fills days without leads with zeros, oldest first", () => {
    const points = trendPoints([group("2024-05-03", 2, 1), group("2024-05-01", 5, 0)], "day", "2024-05-01", "2024-05-04");
    expect(points).toEqual([
      { key: "2024-05-01", leads: 5, converted: 0 },
      { key: "2024-05-02", leads: 0, converted: 0 },
      { key: "2024-05-03", leads: 2, converted: 1 },
      { key: "2024-05-04", leads: 0, converted: 0 },
    ]);
  });
  it("steps by week from the Monday of the first day", () => {
    const points = trendPoints([group("2024-05-13", 7, 2)], "week", "2024-05-01", "2024-05-20");
    expect(points.map((p) => p.key)).toEqual(["2024-04-29", "2024-05-06", "2024-05-13", "2024-05-20"]);
    expect(points.map((p) => p.leads)).toEqual([0, 0, 7, 0]);
    expect(points.map((p) => p.converted)).toEqual([0, 0, 2, 0]);
  });
  it("keeps a period the API returns outside the range and ignores a group without key", () => {
    const points = trendPoints([group("2024-04-30", 1), group(null, 9)], "day", "2024-05-01", "2024-05-02");
    expect(points).toEqual([
      { key: "2024-04-30", leads: 1, converted: 0 },
      { key: "2024-05-01", leads: 0, converted: 0 },
      { key: "2024-05-02", leads: 0, converted: 0 },
    ]);
  });
  it("crosses month ends", () => {
    expect(trendPoints([], "day", "2024-02-28", "2024-03-01").map((p) => p.key)).toEqual(["2024-02-28", "2024-02-29", "2024-03-01"]);
  });
});

describe("periodLabels", () => {
  it("drops the year when every period is in the same year", () => {
    expect(periodLabels(["2024-05-01", "2024-05-02"])).toEqual(["05-01", "05-02"]);
    expect(periodLabels(["2023-12-25", "2024-01-01"])).toEqual(["2023-12-25", "2024-01-01"]);
  });
});

describe("funnel", () => {
  const funnel = [
    { stage: "converted", count: 5 },
    { stage: "new", count: 40 },
    { stage: "qualified", count: 12 },
    { stage: "contacted", count: 25 },
  ];

  it("holds the four stages in order with their counts, whatever order the API sends", () => {
    expect(funnelCounts(funnel)).toEqual([
      { stage: "new", count: 40 },
      { stage: "contacted", count: 25 },
      { stage: "qualified", count: 12 },
      { stage: "converted", count: 5 },
    ]);
    const s = series(funnelOption(funnel, (stage) => STAGE_NAMES[stage]!));
    expect(s.type).toBe("funnel");
    expect(s.sort).toBe("none");
    expect(s.max).toBe(40);
    expect(s.data).toEqual([
      { name: "新线索", value: 40 },
      { name: "已联系", value: 25 },
      { name: "已确认", value: 12 },
      { name: "已转化", value: 5 },
    ]);
  });

  it("labels each stage with its count and its share of the new leads", () => {
    expect(funnelLabel("已转化", 5, 40)).toBe("已转化  5 (12.5%)");
    const s = series(funnelOption(funnel, (stage) => STAGE_NAMES[stage]!));
    const formatter = (s.label as { formatter: (p: { name: string; value: number }) => string }).formatter;
    expect(formatter({ name: "已确认", value: 12 })).toBe("已确认  12 (30.0%)");
    expect(formatter({ name: "新线索", value: 40 })).toBe("新线索  40 (100.0%)");
  });

  it("shows missing stages as 0 and keeps a usable scale without leads", () => {
    const s = series(funnelOption([], (stage) => stage));
    expect(s.data).toEqual([
      { name: "new", value: 0 },
      { name: "contacted", value: 0 },
      { name: "qualified", value: 0 },
      { name: "converted", value: 0 },
    ]);
    expect(s.max).toBe(1);
    expect(funnelLabel("new", 0, 0)).toBe("new  0 (0.0%)");
  });
});

describe("source distribution", () => {
  it("shows every group by name, biggest first, leaving out empty ones", () => {
    const s = series(
      sourceOption(
        [
          { name: "官网", value: 3 },
          { name: "展会", value: 9 },
          { name: "空", value: 0 },
        ],
        "线索数",
        "其他",
      ),
    );
    expect(s.type).toBe("pie");
    expect(s.name).toBe("线索数");
    expect(s.data).toEqual([
      { name: "展会", value: 9 },
      { name: "官网", value: 3 },
    ]);
  });

  it("sums the smallest groups into one 'other' slice beyond the limit", () => {
    const items = Array.from({ length: 12 }, (_, i) => ({ name: `g${i + 1}`, value: i + 1 })); // g12 biggest
    const slices = topSlices(items, "其他", 10);
    expect(slices).toHaveLength(10);
    expect(slices.slice(0, 9).map((s) => s.name)).toEqual(["g12", "g11", "g10", "g9", "g8", "g7", "g6", "g5", "g4"]);
    expect(slices[9]).toEqual({ name: "其他", value: 1 + 2 + 3 });
    // nothing is lost
    expect(slices.reduce((sum, s) => sum + s.value, 0)).toBe(items.reduce((sum, s) => sum + s.value, 0));
  });
});

describe("trendOption", () => {
  it("draws leads and converted per period on one category axis", () => {
    const option = trendOption(
      [
        { key: "2024-05-01", leads: 4, converted: 1 },
        { key: "2024-05-02", leads: 0, converted: 0 },
      ],
      { leads: "线索数", converted: "已转化" },
    );
    expect((option.xAxis as { data: string[] }).data).toEqual(["05-01", "05-02"]);
    expect(series(option, 0)).toMatchObject({ type: "line", name: "线索数", data: [4, 0] });
    expect(series(option, 1)).toMatchObject({ type: "line", name: "已转化", data: [1, 0] });
  });
});

describe("invalidReasonsOption", () => {
  it("bars the reasons, most frequent first, with translated names", () => {
    const option = invalidReasonsOption(
      [
        { reason: "merged", count: 2 },
        { reason: "空号", count: 7 },
        { reason: "", count: 1 },
      ],
      (r) => (r === "merged" ? "已合并" : r || "未填写"),
      "无效线索",
    );
    expect(option.yAxis).toMatchObject({ type: "category", inverse: true, data: ["空号", "已合并", "未填写"] });
    expect(series(option)).toMatchObject({ type: "bar", name: "无效线索", data: [7, 2, 1] });
  });
});

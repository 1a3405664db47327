import { describe, expect, it } from "vitest";
import { chainTree, countTreeNodes, fmtDuration, fmtMoney, fmtRate, stageCriteria, type ChainChart, type StagePath } from "./detailHelpers";

const base: StagePath = {
  id: "s1",
  code: "needs",
  name: "需求确认 / Needs",
  position: 2,
  kind: "open",
  win_rate: "30.00",
  forecast_category: "pipeline",
  is_current: true,
  reached: true,
  exit_criteria: {},
  unmet: [],
  checklist: [],
};

describe("stageCriteria", () => {
  it("lists every criterion of the stage, unmet ones from the server's list, and keeps unknown blockers", () => {
    const items = stageCriteria({
      ...base,
      exit_criteria: { required_fields: ["amount"], key_roles: ["decision_maker", "champion"], documents: ["solution"], checklist: ["预算确认"], min_contacts: 2 },
      unmet: [
        { stage: "needs", kind: "key_role", item: "champion", message: "identify a champion" },
        { stage: "needs", kind: "min_contacts", item: "2", message: "at least 2 (have 1)" },
        { stage: "needs", kind: "something_new", item: "x", message: "a rule the SPA does not know" },
      ],
      checklist: [{ item: "预算确认", done: true, by: "u1", at: "2026-11-23T03:00:00Z" }],
    });
    expect(items.map((i) => [i.kind, i.item, i.met])).toEqual([
      ["required_field", "amount", true],
      ["key_role", "decision_maker", true],
      ["key_role", "champion", false],
      ["document", "solution", true],
      ["checklist", "预算确认", true],
      ["min_contacts", "2", false],
      ["something_new", "x", false],
    ]);
    expect(items[4]).toMatchObject({ by: "u1", at: "2026-11-23T03:00:00Z" });
    expect(items[5]!.message).toBe("at least 2 (have 1)");
  });

  it("a stage without criteria has nothing to meet", () => {
    expect(stageCriteria(base)).toEqual([]);
  });
});

describe("chainTree", () => {
  const node = (id: string, attitude: string | null = null) => ({ id, entry_id: `e${id}`, name: id, title: null, department: null, role: null, attitude, influence: null });

  it("hangs several roots under the customer and survives a cycle", () => {
    const chart = {
      nodes: [node("a", "supporter"), node("b", "opponent"), node("c"), node("d")],
      edges: [
        { source: "a", target: "b", direct: true },
        { source: "b", target: "c", direct: false },
        { source: "c", target: "a", direct: true },
      ],
      roots: ["d"],
    } as unknown as ChainChart;
    const tree = chainTree(chart, "客户", (n) => n.name);
    expect(tree.name).toBe("客户");
    expect(countTreeNodes(tree)).toBe(4);
    expect(tree.children.map((c) => c.name)).toEqual(["d", "a"]);
    const a = tree.children[1]!;
    expect(a.itemStyle?.color).toBe("#52c41a");
    expect(a.children[0]!.name).toBe("b");
    expect(a.children[0]!.children[0]).toMatchObject({ name: "c", lineStyle: { type: "dashed" }, children: [] });
  });
});

describe("formatting", () => {
  it("money stays a string with thousands and cents", () => {
    expect(fmtMoney("1000000.5", "CNY")).toBe("CNY 1,000,000.50");
    expect(fmtMoney("2600000.00")).toBe("2,600,000.00");
    expect(fmtMoney("12345678901234567.89")).toBe("12,345,678,901,234,567.89");
    expect(fmtMoney(null)).toBe("—");
  });

  it("win rates and durations", () => {
    expect(fmtRate("30.00")).toBe("30%");
    expect(fmtRate("12.50")).toBe("12.5%");
    const units = { d: "天", h: "小时", m: "分钟" };
    expect(fmtDuration(3 * 86400 + 4 * 3600 + 59, units)).toBe("3天 4小时");
    expect(fmtDuration(2 * 3600 + 5 * 60, units)).toBe("2小时 5分钟");
    expect(fmtDuration(30, units)).toBe("0分钟");
  });
});

import { describe, expect, it } from "vitest";
import { buildTarget, conditionsToRows, describeConditions, moved, rowsToConditions, targetToValues } from "./ruleHelpers";

describe("conditions editor helpers", () => {
  it("round-trips a flat AND list", () => {
    const conditions = {
      all: [
        { field: "province_code", op: "eq", value: "310000" },
        { field: "grade", op: "in", value: ["A", "B"] },
        { field: "industry", op: "present" },
      ],
    };
    const rows = conditionsToRows(conditions);
    expect(rows).toEqual([
      { field: "province_code", op: "eq", value: ["310000"] },
      { field: "grade", op: "in", value: ["A", "B"] },
      { field: "industry", op: "present", value: [] },
    ]);
    expect(rowsToConditions(rows)).toEqual(conditions);
  });
  it("treats {} as no rows and a single condition as one row", () => {
    expect(conditionsToRows({})).toEqual([]);
    expect(conditionsToRows({ field: "grade", op: "eq", value: "A" })).toEqual([{ field: "grade", op: "eq", value: ["A"] }]);
    expect(rowsToConditions([])).toEqual({});
  });
  it("refuses nested or OR groups", () => {
    expect(conditionsToRows({ any: [{ field: "grade", op: "eq", value: "A" }] })).toBeNull();
    expect(conditionsToRows({ all: [{ any: [] }] })).toBeNull();
  });
  it("drops incomplete rows and trims values", () => {
    expect(rowsToConditions([{ field: "grade" }, { field: "product", op: "eq", value: [" X "] }, { field: "industry", op: "in", value: [] }])).toEqual({
      all: [{ field: "product", op: "eq", value: "X" }],
    });
  });
  it("describes conditions", () => {
    expect(describeConditions({ all: [{ field: "grade", op: "in", value: ["A", "B"] }, { field: "industry", op: "missing" }] })).toBe(
      "grade in A,B AND industry missing",
    );
  });
});

describe("targets", () => {
  it("builds the target per action type", () => {
    expect(buildTarget("user", { user_id: "u1", team_id: "t1" })).toEqual({ user_id: "u1" });
    expect(buildTarget("team_round_robin", { team_id: "t1" })).toEqual({ team_id: "t1" });
    expect(buildTarget("team_weighted", { team_id: "t1", weights: [{ user_id: "u1", weight: 3 }, { user_id: "u2" }] })).toEqual({
      team_id: "t1",
      weights: { u1: 3 },
    });
    expect(buildTarget("zone_pool", {})).toEqual({});
  });
  it("reads a target back", () => {
    expect(targetToValues({ team_id: "t1", weights: { u1: 2 } })).toEqual({ user_id: null, team_id: "t1", zone_id: null, weights: [{ user_id: "u1", weight: 2 }] });
  });
});

describe("moved", () => {
  it("swaps neighbours and ignores moves past the ends", () => {
    expect(moved([1, 2, 3], 1, -1)).toEqual([2, 1, 3]);
    expect(moved([1, 2, 3], 1, 1)).toEqual([1, 3, 2]);
    const same = [1, 2];
    expect(moved(same, 0, -1)).toBe(same);
  });
});

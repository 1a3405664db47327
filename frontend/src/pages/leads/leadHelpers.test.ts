import { describe, expect, it } from "vitest";
import { gradeColor, isEmptyTrace, parseBreakdown, parseTrace } from "./leadHelpers";

describe("gradeColor", () => {
  it("maps A..D to green, blue, orange, grey", () => {
    expect(["A", "B", "C", "D"].map(gradeColor)).toEqual(["green", "blue", "orange", "default"]);
    expect(gradeColor(undefined)).toBe("default");
  });
});

describe("parseBreakdown", () => {
  it("reads the three parts and the explanation", () => {
    const b = parseBreakdown({ channel: 20, completeness: 15, actions: 10, total: 45, explain: "B: channel 20 + completeness 15 + actions 10 = 45" });
    expect(b).toEqual({ channel: 20, completeness: 15, actions: 10, total: 45, explain: "B: channel 20 + completeness 15 + actions 10 = 45" });
  });
  it("falls back to 0 and the lead's score", () => {
    expect(parseBreakdown({}, 7)).toEqual({ channel: 0, completeness: 0, actions: 0, total: 7, explain: "" });
  });
});

describe("parseTrace", () => {
  it("reads a rule decision with skipped candidates", () => {
    const t = parseTrace({
      rule_id: "r1",
      rule_name: "华东 A 类",
      action: "team_least_loaded",
      candidates: [
        { user_id: "u1", open_leads: 30, skipped_reason: "at capacity" },
        { user_id: "u2", open_leads: 2, skipped_reason: null },
      ],
      result: { owner_id: "u2", zone_id: "z1", queue: null, reason: null },
    });
    expect(t.ruleName).toBe("华东 A 类");
    expect(t.action).toBe("team_least_loaded");
    expect(t.ownerId).toBe("u2");
    expect(t.candidates).toEqual([
      { userId: "u1", openLeads: 30, skippedReason: "at capacity" },
      { userId: "u2", openLeads: 2, skippedReason: null },
    ]);
    expect(t.missingFields).toEqual([]);
    expect(isEmptyTrace(t)).toBe(false);
  });
  it("reads the customer-owner shortcut and missing fields", () => {
    const t = parseTrace({ result: "customer_owner", customer_id: "c1", missing_fields: ["industry", 3] });
    expect(t.action).toBe("customer_owner");
    expect(t.customerId).toBe("c1");
    expect(t.missingFields).toEqual(["industry"]);
  });
  it("treats an empty or malformed trace as empty", () => {
    expect(isEmptyTrace(parseTrace({}))).toBe(true);
    expect(isEmptyTrace(parseTrace({ candidates: "x", result: [] }))).toBe(true);
    expect(isEmptyTrace(parseTrace(null))).toBe(true);
  });
});

import { describe, expect, it } from "vitest";
import { translate } from "../../i18n/context";
import { explainScore, gradeFor, previewScore, thresholdProblems, type ScoringValues } from "./leadScoring";

// the server's defaults (domain/leads.py DEFAULT_SCORING)
const DEFAULTS: ScoringValues = {
  field_points: { company_name: 5, contact_name: 5, mobile: 10, email: 3, title: 3, province_code: 4, industry: 3, company_size: 3, product: 4 },
  action_points: { form_submit: 5, call: 5, visit: 10, meeting: 10 },
  action_cap: 40,
  thresholds: { A: 70, B: 45, C: 25, D: 0 },
};

describe("lead scoring preview", () => {
  it("adds channel, filled fields and actions, and grades the total", () => {
    const p = previewScore(DEFAULTS, { channel: 20, fields: ["company_name", "contact_name", "mobile"], actions: { call: 1, visit: 1 } });
    expect(p).toEqual({ channel: 20, completeness: 20, actions: 15, total: 55, grade: "B" });
    expect(explainScore(p)).toBe("B: channel 20 + completeness 20 + actions 15 = 55");
  });

  it("caps the action points", () => {
    const p = previewScore(DEFAULTS, { channel: 0, fields: [], actions: { meeting: 3, visit: 2 } });
    expect(p.actions).toBe(40);
    expect(previewScore({ ...DEFAULTS, action_cap: 0 }, { channel: 0, fields: [], actions: { meeting: 3 } }).actions).toBe(0);
  });

  it("follows the numbers being edited", () => {
    const example = { channel: 30, fields: ["company_name", "mobile"], actions: { call: 2 } };
    expect(previewScore(DEFAULTS, example).grade).toBe("B"); // 30 + 15 + 10 = 55
    const stricter = { ...DEFAULTS, thresholds: { A: 90, B: 60, C: 50, D: 0 } };
    expect(previewScore(stricter, example)).toMatchObject({ total: 55, grade: "C" });
    const richer = { ...DEFAULTS, field_points: { ...DEFAULTS.field_points, mobile: 30 } };
    expect(previewScore(richer, example)).toMatchObject({ completeness: 35, total: 75, grade: "A" });
  });

  it("grades at the minimums, lowest grade below every minimum", () => {
    const th = { A: 70, B: 45, C: 25, D: 10 };
    expect(gradeFor(70, th)).toBe("A");
    expect(gradeFor(69, th)).toBe("B");
    expect(gradeFor(25, th)).toBe("C");
    expect(gradeFor(3, th)).toBe("D");
  });

  it("reads like the server's explanation in English and in Chinese", () => {
    const p = { grade: "B", channel: 20, completeness: 15, actions: 10, total: 45 };
    expect(translate("en", "leadScoring.previewLine", { ...p })).toBe("B: channel 20 + completeness 15 + actions 10 = 45");
    expect(translate("zh-CN", "leadScoring.previewLine", { ...p })).toBe("B：渠道 20 + 完整度 15 + 行为 10 = 45");
  });

  it("flags thresholds that do not fall from A to D", () => {
    expect(thresholdProblems(DEFAULTS.thresholds)).toEqual([]);
    expect(thresholdProblems({ A: 70, B: 70, C: 25, D: 30 })).toEqual(["B", "D"]);
  });
});

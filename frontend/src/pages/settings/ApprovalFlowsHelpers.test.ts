import { describe, expect, it } from "vitest";
import { translate, type Translate } from "../../i18n/context";
import { en, zhCN } from "../../i18n/messages";
import {
  REQUEST_KINDS,
  approverBody,
  conditionSummary,
  conditionValue,
  decimalBelow,
  definitionChanged,
  errorPlace,
  flowBody,
  flowToForm,
  flowUpdateBody,
  formFieldOf,
  hasField,
  matchSummary,
  newFlowForm,
  operatorsFor,
  previewBody,
  stepsSummary,
  type Flow,
  type FlowForm,
} from "./ApprovalFlowsHelpers";

const t: Translate = (key, vars) => translate("zh-CN", key, vars);
const tEn: Translate = (key, vars) => translate("en", key, vars);

const SAMPLE_FLOW: Flow = {
  id: "f1",
  kind: "sample",
  name: "送样审批",
  description: "按数量走不同层级",
  priority: 10,
  is_active: true,
  current_version: 2,
  match: { amount_min: "1000.50", amount_max: null, discount_min: null, discount_max: null, categories: ["芯片"], customer_levels: ["KA"], zone_ids: null },
  steps: [
    {
      name: "经理",
      approvers: [{ kind: "manager", user_ids: [], role: null, levels: 1 }],
      mode: "any",
      conditions: [],
      time_limit_hours: 24,
      escalate_to_manager: true,
      reject_to: "applicant",
      self_approval: "skip",
    },
    {
      name: "法务",
      approvers: [
        { kind: "zone_role", user_ids: [], role: "legal", levels: 1 },
        { kind: "users", user_ids: ["u7", "u8"], role: null, levels: 1 },
      ],
      mode: "all",
      conditions: [
        { field: "quantity", op: "gt", value: "500" },
        { field: "customer_level", op: "in", value: ["KA", "SKA"] },
      ],
      time_limit_hours: null,
      escalate_to_manager: false,
      reject_to: "previous_step",
      self_approval: "auto_approve",
    },
  ],
  created_at: "2026-11-20T08:00:00Z",
  updated_at: "2026-11-21T08:00:00Z",
  version: 4,
};

describe("approval flow bodies", () => {
  it("round-trips a stored flow through the editor unchanged", () => {
    const form = flowToForm(SAMPLE_FLOW);
    expect(form.match?.amount_min).toBe("1000.50");
    const body = flowBody(form);
    expect(body.match).toEqual({ ...SAMPLE_FLOW.match, zone_ids: null });
    expect(body.steps).toEqual(SAMPLE_FLOW.steps);
    expect(definitionChanged(form, flowToForm(SAMPLE_FLOW))).toBe(false);
  });

  it("keeps amounts, discounts and numeric condition values as decimal strings", () => {
    const form: FlowForm = {
      ...newFlowForm("quote"),
      name: "  大额报价 ",
      description: "  ",
      match: { amount_min: " 100000.00 ", amount_max: "", discount_min: "12.5", categories: [" 芯片 ", "", "芯片"], customer_levels: [], zone_ids: ["z1"] },
      steps: [
        {
          approvers: [{ kind: "users", user_ids: ["u1", "u1"], role: "ignored", levels: 3 }],
          conditions: [
            { field: "amount", op: "gte", value: " 500000.01 " },
            { field: "discount_pct", op: "in", value: "10" },
            { field: "category", op: "eq", value: ["芯片", "模组"] },
          ],
          time_limit_hours: null,
          escalate_to_manager: true,
        },
      ],
    };
    const body = flowBody(form);
    expect(body).toEqual({
      name: "大额报价",
      kind: "quote",
      description: null,
      priority: 0,
      is_active: true,
      match: { amount_min: "100000.00", amount_max: null, discount_min: "12.5", discount_max: null, categories: ["芯片"], customer_levels: null, zone_ids: ["z1"] },
      steps: [
        {
          name: "",
          approvers: [{ kind: "users", user_ids: ["u1"], role: null, levels: 1 }],
          mode: "any",
          conditions: [
            { field: "amount", op: "gte", value: "500000.01" },
            { field: "discount_pct", op: "in", value: ["10"] },
            { field: "category", op: "eq", value: "芯片" },
          ],
          time_limit_hours: null,
          escalate_to_manager: false, // no time limit, no escalation
          reject_to: "applicant",
          self_approval: "skip",
        },
      ],
    });
  });

  it("sends only what an approver rule needs", () => {
    expect(approverBody({ kind: "manager", levels: 3, role: "x", user_ids: ["u"] })).toEqual({ kind: "manager", user_ids: [], role: null, levels: 3 });
    expect(approverBody({ kind: "team_role", role: " legal " })).toEqual({ kind: "team_role", user_ids: [], role: "legal", levels: 1 });
    expect(approverBody({ kind: "owner_manager", levels: 4 })).toEqual({ kind: "owner_manager", user_ids: [], role: null, levels: 1 });
    expect(approverBody({ kind: "role", role: "finance", user_ids: ["u1"] })).toEqual({ kind: "role", user_ids: [], role: "finance", levels: 1 });
  });

  it("shapes a condition value by its operator", () => {
    expect(conditionValue("in", "5")).toEqual(["5"]);
    expect(conditionValue("in", ["5", " 6 ", "5", ""])).toEqual(["5", "6"]);
    expect(conditionValue("gt", ["7", "8"])).toBe("7");
    expect(conditionValue("eq", null)).toBe("");
    expect(operatorsFor("amount")).toContain("gt");
    expect(operatorsFor("category")).toEqual(["eq", "ne", "in"]);
  });

  it("patches the match and steps only when they changed", () => {
    const before = flowToForm(SAMPLE_FLOW);
    expect(flowUpdateBody(before, { ...before, name: "送样（新）", priority: 20 })).toEqual({
      name: "送样（新）",
      description: "按数量走不同层级",
      priority: 20,
      is_active: true,
    });
    const steps = before.steps!.map((s, i) => (i === 0 ? { ...s, approvers: [{ kind: "manager" as const, levels: 2 }] } : s));
    const patch = flowUpdateBody(before, { ...before, steps });
    expect(patch.steps?.[0]?.approvers).toEqual([{ kind: "manager", user_ids: [], role: null, levels: 2 }]);
    expect(patch.match).toEqual(flowBody(before).match);
  });

  it("builds the preview body with decimals as strings and blanks as null", () => {
    expect(previewBody({ kind: "sample", applicant_id: "u1", quantity: " 500 ", amount: "", owner_id: null, customer_level: "KA" })).toEqual({
      kind: "sample",
      applicant_id: "u1",
      owner_id: null,
      amount: null,
      quantity: "500",
      discount_pct: null,
      category: null,
      customer_level: "KA",
      to_level: null,
      zone_id: null,
    });
  });

  it("compares decimals exactly", () => {
    expect(decimalBelow("99999.99", "100000")).toBe(true);
    expect(decimalBelow("100000", "100000.00")).toBe(false);
    expect(decimalBelow("0.1", "0.09")).toBe(false);
    expect(decimalBelow("-1", "0")).toBe(true);
  });
});

describe("approval flow summaries", () => {
  it("describes each step in one line", () => {
    const lines = stepsSummary(SAMPLE_FLOW.steps, t, { role: (r) => (r === "legal" ? "法务" : r) });
    expect(lines).toEqual([
      "1. 经理：申请人的上级 · 或签 · 限时 24 小时",
      "2. 法务：战区角色 法务 + 指定 2 人 · 会签 · 当 数量 > 500 且 客户等级 ∈ {KA, SKA}",
    ]);
    expect(stepsSummary([{ approvers: [{ kind: "manager", levels: 3 }] }], tEn)).toEqual(["1. Step 1: manager 3 levels up · Any (或签)"]);
    expect(stepsSummary([{ approvers: [{ kind: "role", role: "finance" }, { kind: "owner_manager" }] }], t)).toEqual(["1. 步骤 1：角色 finance + 负责人的上级 · 或签"]);
  });

  it("describes the match conditions", () => {
    expect(matchSummary(SAMPLE_FLOW.match, t)).toEqual(["金额 ≥ 1000.50", "品类：芯片", "客户等级：KA"]);
    expect(matchSummary({ discount_min: "5", discount_max: "20", zone_ids: ["z1"] }, t, { zone: () => "华东" })).toEqual([
      "折扣（%） ≥ 5%",
      "折扣（%） < 20%",
      "战区：华东",
    ]);
    expect(matchSummary({}, t)).toEqual(["不限"]);
    expect(conditionSummary({ field: "zone_id", op: "eq", value: "z1" }, t, { zone: () => "华东" })).toBe("战区 = 华东");
  });

  it("labels every kind of request in both languages", () => {
    for (const kind of REQUEST_KINDS) {
      expect(zhCN[`approvalKind.${kind}`]).toBeTruthy();
      expect(en[`approvalKind.${kind}`]).toBeTruthy();
    }
    expect(zhCN["approvalKind.sample"]).toBe("送样/POC");
    expect(zhCN["approvalKind.payment"]).toBe("回款/付款");
  });
});

describe("approval flow errors", () => {
  it("finds the editor field a server error names", () => {
    expect(formFieldOf("steps.1.approvers.0.role")).toEqual(["steps", 1, "approvers", 0, "role"]);
    expect(formFieldOf("body.steps.0.approvers.0.user_ids.2")).toEqual(["steps", 0, "approvers", 0, "user_ids"]);
    expect(formFieldOf("steps.0.conditions.1")).toEqual(["steps", 0, "conditions", 1, "value"]);
    expect(formFieldOf("steps.2.time_limit_hours")).toEqual(["steps", 2, "time_limit_hours"]);
    expect(formFieldOf("match.zone_ids.0")).toEqual(["match", "zone_ids"]);
    expect(formFieldOf("name")).toEqual(["name"]);
    expect(formFieldOf("steps.0")).toBeNull();
    expect(formFieldOf("match")).toBeNull();
    expect(formFieldOf("steps")).toBeNull();
    expect(errorPlace("steps.1", t)).toBe("步骤 2");
    expect(errorPlace("match", t)).toBe("匹配条件");
  });

  it("knows which fields the form shows", () => {
    const values = { steps: [{ approvers: [{ kind: "team_role", role: undefined }] }] };
    expect(hasField(values, ["steps", 0, "approvers", 0, "role"])).toBe(true);
    expect(hasField(values, ["steps", 0, "approvers", 0, "user_ids"])).toBe(false);
    expect(hasField(values, ["steps", 1, "name"])).toBe(false);
  });
});

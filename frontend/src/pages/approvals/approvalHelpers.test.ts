import { describe, expect, it } from "vitest";
import {
  currentStepIndex,
  dueState,
  EMPTY_INBOX,
  financeChanges,
  financeValues,
  inboxQuery,
  inboxSearch,
  levelChangeOf,
  normalizeFinance,
  parseInbox,
  pendingApprovers,
  pendingOfKind,
  requestedFinance,
  resubmitBody,
  stepDisplayStatus,
  tabCount,
  timelineDetails,
  userNames,
  type ApprovalDetail,
  type ApprovalStep,
  type PendingApprovalRef,
  type TimelineEntry,
} from "./approvalHelpers";

const step = (over: Partial<ApprovalStep>): ApprovalStep => ({
  index: 0,
  name: "经理审批",
  mode: "any",
  status: "not_reached",
  note: null,
  to_admin_queue: false,
  time_limit_hours: null,
  conditions: [],
  approvers: [],
  ...over,
});

const approver = (id: string, name: string, decision: "approve" | "reject" | null = null) => ({
  user: { id, display_name: name },
  decision,
  comment: null,
  auto: false,
  override: false,
  decided_at: null,
});

const entry = (over: Partial<TimelineEntry>): TimelineEntry => ({
  id: 1,
  at: "2026-11-23T02:00:00Z",
  action: "submitted",
  actor: null,
  step_index: null,
  round: 1,
  comment: null,
  data: {},
  ...over,
});

describe("inbox filters", () => {
  it("reads the URL, keeping the admin queue for those who manage approvals", () => {
    const p = new URLSearchParams("box=admin_queue&kind=sample&status=bogus&q=%20报价%20&from=2026-11-01&to=nope&overdue=1");
    expect(parseInbox(p, true)).toEqual({ box: "admin_queue", kind: "sample", status: null, q: "报价", from: "2026-11-01", to: null, overdue: true });
    expect(parseInbox(p, false).box).toBe("pending");
    expect(parseInbox(new URLSearchParams("kind=other"), false)).toEqual(EMPTY_INBOX);
  });

  it("writes only what differs from the defaults, and no status for the pending box", () => {
    expect(inboxSearch(EMPTY_INBOX).toString()).toBe("");
    expect(inboxSearch({ ...EMPTY_INBOX, status: "approved" }).toString()).toBe("");
    expect(inboxSearch({ ...EMPTY_INBOX, box: "done", status: "approved", overdue: true }).toString()).toBe("box=done&status=approved&overdue=1");
  });

  it("asks the API for China days, the end exclusive", () => {
    expect(inboxQuery({ ...EMPTY_INBOX, box: "all", kind: "quote", status: "decided", q: "合同", from: "2026-11-01", to: "2026-11-30", overdue: true }, "c2")).toEqual({
      box: "all",
      limit: 50,
      kind: "quote",
      status: "decided",
      q: "合同",
      submitted_from: "2026-10-31T16:00:00.000Z",
      submitted_to: "2026-11-30T16:00:00.000Z",
      overdue: true,
      cursor: "c2",
    });
    expect(inboxQuery({ ...EMPTY_INBOX, status: "approved" })).toEqual({ box: "pending", limit: 50 });
  });

  it("puts the counts on their tabs", () => {
    const counts = { pending: 3, overdue: 1, submitted_pending: 2, decided_today: 5, admin_queue: 4 };
    expect(tabCount("pending", counts)).toBe(3);
    expect(tabCount("submitted", counts)).toBe(2);
    expect(tabCount("admin_queue", counts)).toBe(4);
    expect(tabCount("done", counts)).toBe(0);
    expect(tabCount("pending", undefined)).toBe(0);
  });
});

describe("due dates", () => {
  const now = Date.parse("2026-11-23T10:00:00Z");
  it("is overdue past the time limit, only while pending", () => {
    expect(dueState({ status: "pending", due_at: "2026-11-23T09:00:00Z", overdue: false }, now)).toEqual({ state: "overdue", at: "2026-11-23T09:00:00Z" });
    expect(dueState({ status: "pending", due_at: "2026-11-24T09:00:00Z", overdue: false }, now)?.state).toBe("due");
    expect(dueState({ status: "pending", due_at: "2026-11-24T09:00:00Z", overdue: true }, now)?.state).toBe("overdue");
    expect(dueState({ status: "approved", due_at: "2026-11-23T09:00:00Z", overdue: true }, now)).toBeNull();
    expect(dueState({ status: "pending", due_at: null, overdue: false }, now)).toBeNull();
  });
});

describe("steps and timeline", () => {
  const steps = [
    step({ index: 0, name: "经理审批", status: "approved", approvers: [approver("u2", "李经理", "approve")] }),
    step({ index: 1, name: "总监审批", status: "pending", mode: "all", approvers: [approver("u3", "王总监", "approve"), approver("u4", "赵总监")] }),
    step({ index: 2, name: "财务", status: "not_reached" }),
  ];
  const d = {
    applicant: { id: "u1", display_name: "张三" },
    status: "pending",
    current_step: 1,
    steps,
    timeline: [entry({ actor: { id: "u9", display_name: "管理员" } })],
  } as unknown as ApprovalDetail;

  it("maps step statuses onto antd Steps and finds the current step", () => {
    expect(["approved", "rejected", "pending", "skipped", "not_reached"].map((s) => stepDisplayStatus(s as ApprovalStep["status"]))).toEqual([
      "finish",
      "error",
      "process",
      "wait",
      "wait",
    ]);
    expect(currentStepIndex(d)).toBe(1);
    expect(currentStepIndex({ current_step: null, steps: [steps[0]!, step({ index: 1, status: "rejected" }), steps[2]!] })).toBe(1);
  });

  it("knows who still has to decide the open step", () => {
    expect(pendingApprovers(d).map((u) => u.id)).toEqual(["u4"]);
    expect(pendingApprovers({ ...d, status: "approved" })).toEqual([]);
  });

  it("names users in the timeline's data where it can", () => {
    const names = userNames(d);
    expect(names.get("u1")).toBe("张三");
    expect(names.get("u4")).toBe("赵总监");
    expect(names.get("u9")).toBe("管理员");
    expect(timelineDetails(entry({ action: "delegated", step_index: 1, data: { from: "u4", to: "u7" } }), steps, names)).toMatchObject({
      step: "总监审批",
      from: "赵总监",
      to: "u7",
    });
    expect(timelineDetails(entry({ action: "approver_added", data: { user: "u3" } }), steps, names).user).toBe("王总监");
    expect(timelineDetails(entry({ action: "rejected", step_index: 1, data: { sent_back_to_step: 0, override: true } }), steps, names)).toMatchObject({
      sentBackTo: "经理审批",
      override: true,
    });
    expect(timelineDetails(entry({ action: "skipped", step_index: 2, data: { why: "condition" } }), steps, names).why).toBe("condition");
  });
});

describe("financial information", () => {
  const customer = { billing_title: "华东精密", tax_number: "91310000MA1FL0XX1X", bank_name: null, bank_account: "6222 0000 1111", billing_address: "上海", billing_phone: null };

  it("prefills the form, nulls as empty", () => {
    expect(financeValues(customer)).toEqual({
      billing_title: "华东精密",
      tax_number: "91310000MA1FL0XX1X",
      bank_name: "",
      bank_account: "6222 0000 1111",
      billing_address: "上海",
      billing_phone: "",
    });
  });

  it("compares values as the server stores them", () => {
    expect(normalizeFinance("tax_number", " 91310000ma1fl0xx1x ")).toBe("91310000MA1FL0XX1X");
    expect(normalizeFinance("bank_account", "6222-0000 1111")).toBe("622200001111");
    expect(normalizeFinance("billing_title", null)).toBe("");
  });

  it("sends only the changed fields, trimmed, an emptied one as empty", () => {
    const values = { ...financeValues(customer), bank_name: " 招商银行 ", tax_number: "91310000ma1fl0xx1x", bank_account: "622200001111", billing_address: "" };
    expect(financeChanges(customer, values)).toEqual({ bank_name: "招商银行", billing_address: "" });
    expect(financeChanges(customer, financeValues(customer))).toEqual({});
  });

  it("prefills a resubmission with the values asked for", () => {
    expect(requestedFinance(customer, [{ field: "bank_name", after: "招商银行" }, { field: "level", after: "KA" }])).toMatchObject({ bank_name: "招商银行", billing_title: "华东精密" });
  });

  it("resubmits a level change's level, a financial change's values that still differ", () => {
    expect(resubmitBody("customer_level_change", { reason: " 再次申请 ", to_level: "SKA" }, {})).toEqual({ reason: "再次申请", to_level: "SKA" });
    expect(resubmitBody("customer_finance_change", { reason: "r", finance: { ...financeValues(customer), bank_name: "招商银行" } }, customer)).toEqual({
      reason: "r",
      finance: { bank_name: "招商银行" },
    });
    expect(resubmitBody("customer_finance_change", { reason: "r", finance: financeValues(customer) }, customer)).toEqual({ reason: "r" });
    expect(resubmitBody("quote", { reason: "r", to_level: "KA" }, {})).toEqual({ reason: "r" });
  });
});

describe("a customer's pending requests", () => {
  const pending: PendingApprovalRef[] = [
    { id: "a1", kind: "customer_finance_change", title: "t", changes: { bank_name: [null, "招商银行"] }, submitted_at: "2026-11-23T02:00:00Z" },
    { id: "a2", kind: "customer_level_change", title: "t", changes: { level: ["normal", "KA"] }, submitted_at: "2026-11-23T02:00:00Z" },
  ];
  it("finds the pending request of a kind and a level change's levels", () => {
    expect(pendingOfKind(pending, "customer_level_change")?.id).toBe("a2");
    expect(pendingOfKind(pending, "quote")).toBeNull();
    expect(pendingOfKind(undefined, "quote")).toBeNull();
    expect(levelChangeOf(pending[1]!)).toEqual({ from: "normal", to: "KA" });
    expect(levelChangeOf(pending[0]!)).toBeNull();
  });
});

describe("userNames", () => {
  it("names people only the timeline data mentions (who delegated their place) from the server's list", () => {
    const names = userNames({
      applicant: { id: "u1", display_name: "张伟" },
      steps: [],
      timeline: [],
      people: [{ id: "u9", display_name: "孙经理" }],
    });
    expect(names.get("u9")).toBe("孙经理");
    expect(names.get("u1")).toBe("张伟");
  });
});

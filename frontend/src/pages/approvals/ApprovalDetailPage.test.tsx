import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { fakeApi, json, renderPage, type Seen } from "../../test/fakeApi";
import { ApprovalDetailPage } from "./ApprovalDetailPage";
import type { ApprovalDetail } from "./approvalHelpers";

const ME = { id: "u1", display_name: "Rep" };
const ZHANG = { id: "u2", display_name: "张三" };
const LI = { id: "u3", display_name: "李经理" };

const DETAIL: ApprovalDetail = {
  id: "a1",
  kind: "customer_level_change",
  kind_label: "客户等级变更 / Level change",
  title: "客户等级升级：华东精密",
  reason: "年采购额超过 200 万",
  status: "pending",
  applicant: ZHANG,
  customer_id: "c1",
  current_step: 1,
  step_name: "总监会签",
  due_at: null,
  overdue: false,
  admin_queue: false,
  round: 1,
  submitted_at: "2026-11-23T02:00:00Z",
  decided_at: null,
  my_task: null,
  flow: { id: "f1", name: "客户等级变更审批", version: 3 },
  customer: { id: "c1", name: "华东精密制造有限公司" },
  changes: [{ field: "level", before: "normal", after: "KA" }],
  steps: [
    {
      index: 0,
      name: "经理审批",
      mode: "any",
      status: "approved",
      note: null,
      to_admin_queue: false,
      time_limit_hours: 24,
      conditions: [],
      approvers: [{ user: LI, decision: "approve", comment: "客户确实在增长", auto: false, override: false, decided_at: "2026-11-23T03:00:00Z" }],
    },
    {
      index: 1,
      name: "总监会签",
      mode: "all",
      status: "pending",
      note: null,
      to_admin_queue: false,
      time_limit_hours: null,
      conditions: [],
      approvers: [
        { user: ME, decision: null, comment: null, auto: false, override: false, decided_at: null },
        { user: { id: "u4", display_name: "王总监" }, decision: null, comment: null, auto: false, override: false, decided_at: null },
      ],
    },
    {
      index: 2,
      name: "SKA 大区总审批",
      mode: "any",
      status: "skipped",
      note: "condition",
      to_admin_queue: false,
      time_limit_hours: null,
      conditions: [{ field: "to_level", op: "eq", value: "SKA" }],
      approvers: [],
    },
  ],
  timeline: [
    { id: 1, at: "2026-11-23T02:00:00Z", action: "submitted", actor: ZHANG, step_index: null, round: 1, comment: null, data: {} },
    { id: 2, at: "2026-11-23T02:00:00Z", action: "step_opened", actor: null, step_index: 0, round: 1, comment: null, data: {} },
    { id: 3, at: "2026-11-23T03:00:00Z", action: "approved", actor: LI, step_index: 0, round: 1, comment: "客户确实在增长", data: {} },
    { id: 4, at: "2026-11-23T03:00:00Z", action: "skipped", actor: null, step_index: 2, round: 1, comment: null, data: { why: "condition" } },
    { id: 5, at: "2026-11-23T03:10:00Z", action: "delegated", actor: LI, step_index: 1, round: 1, comment: null, data: { from: "u9", to: "u4" } },
  ],
  can_decide: true,
  can_withdraw: false,
  can_resubmit: false,
  can_manage: false,
  people: [{ id: "u9", display_name: "孙经理" }],
};

const PERMS = { approval: { read: "all" } } as const;

/** Serves `detail`; a POST answers `post`'s detail (which the request then is) or response. */
function server(detail: ApprovalDetail, post?: (req: Seen) => ApprovalDetail | Response, extra?: (req: Seen) => Response | null) {
  let current = detail;
  return fakeApi((req) => {
    if (req.method === "POST" && post) {
      const out = post(req);
      if (out instanceof Response) return out;
      current = out;
      return json(current);
    }
    const other = extra?.(req);
    if (other) return other;
    if (req.path === `/approvals/${detail.id}`) return json(current);
    return json({ status: 404, title: "Not found" }, 404);
  });
}

function open(id = "a1") {
  return renderPage(<ApprovalDetailPage />, { url: `/approvals/${id}`, path: "/approvals/:id", permissions: PERMS });
}

const posts = (seen: Seen[]) => seen.filter((s) => s.method === "POST");
const gets = (seen: Seen[]) => seen.filter((s) => s.method === "GET" && s.path === "/approvals/a1");

describe("ApprovalDetailPage", () => {
  afterEach(() => vi.unstubAllGlobals());

  it("shows the request, its changes, steps and history, and approves with a comment", async () => {
    const seen = server(DETAIL, () => ({
      ...DETAIL,
      status: "approved",
      can_decide: false,
      current_step: null,
      steps: DETAIL.steps.map((s) => (s.index === 1 ? { ...s, status: "approved" as const } : s)),
    }));
    open();
    expect(await screen.findByTestId("approval-title")).toHaveTextContent("客户等级升级：华东精密");
    expect(screen.getByTestId("approval-status")).toHaveTextContent("审批中");
    expect(screen.getByTestId("approval-kind")).toHaveTextContent("客户等级变更");
    expect(screen.getByTestId("approval-flow")).toHaveTextContent("客户等级变更审批（第 3 版）");
    expect(screen.getByTestId("approval-customer")).toHaveAttribute("href", "/customers/c1");
    expect(screen.getByTestId("approval-reason")).toHaveTextContent("年采购额超过 200 万");

    const change = screen.getByTestId("approval-change-row");
    expect(change).toHaveTextContent("客户等级");
    expect(change).toHaveTextContent("普通");
    expect(change).toHaveTextContent("KA");

    const steps = screen.getAllByTestId("approval-step");
    expect(steps.map((s) => s.getAttribute("data-status"))).toEqual(["approved", "pending", "skipped"]);
    expect(steps[0]).toHaveTextContent("或签");
    expect(steps[1]).toHaveTextContent("会签");
    expect(steps[2]).toHaveTextContent("已跳过");
    expect(screen.getByTestId("approval-step-skipped")).toHaveTextContent("条件不满足，已跳过");
    const approvers = screen.getAllByTestId("approval-step-approver");
    expect(approvers[0]).toHaveTextContent("李经理");
    expect(approvers[0]).toHaveTextContent("同意");
    expect(screen.getByTestId("approval-step-comment")).toHaveTextContent("客户确实在增长");
    expect(approvers[1]).toHaveTextContent("待处理");

    const timeline = screen.getAllByTestId("approval-timeline-item");
    expect(timeline.map((e) => e.getAttribute("data-action"))).toEqual(["submitted", "step_opened", "approved", "skipped", "delegated"]);
    expect(timeline[0]).toHaveTextContent("提交申请");
    expect(timeline[0]).toHaveTextContent("张三");
    expect(timeline[2]).toHaveTextContent("步骤：经理审批");
    expect(timeline[4]).toHaveTextContent("转交");
    expect(timeline[4]).toHaveTextContent("孙经理 → 王总监"); // named from the server's people list

    // an approver of the open step: decide, delegate, add; not withdraw or resubmit
    expect(screen.getByTestId("approval-delegate")).toBeInTheDocument();
    expect(screen.getByTestId("approval-add-approver")).toBeInTheDocument();
    expect(screen.queryByTestId("approval-withdraw")).toBeNull();
    expect(screen.queryByTestId("approval-resubmit")).toBeNull();

    const before = gets(seen).length;
    fireEvent.click(screen.getByTestId("approval-approve"));
    fireEvent.change(await screen.findByTestId("approval-comment"), { target: { value: " 同意升级 " } });
    fireEvent.click(screen.getByTestId("approval-action-ok"));
    await waitFor(() => expect(posts(seen)).toHaveLength(1));
    expect(posts(seen)[0]!.path).toBe("/approvals/a1/approve");
    expect(JSON.parse(posts(seen)[0]!.body)).toEqual({ comment: "同意升级", step: 1 });
    await waitFor(() => expect(screen.getByTestId("approval-status")).toHaveTextContent("已通过"));
    // the page (and the inbox and counts, by the same key prefix) reloads
    await waitFor(() => expect(gets(seen).length).toBeGreaterThan(before));
  });

  it("needs a comment to reject", async () => {
    const seen = server(DETAIL, () => ({ ...DETAIL, status: "rejected", can_decide: false }));
    open();
    fireEvent.click(await screen.findByTestId("approval-reject"));
    fireEvent.click(await screen.findByTestId("approval-action-ok"));
    await waitFor(() => expect(screen.getByTestId("approval-comment").closest(".ant-form-item")).toHaveClass("ant-form-item-has-error"));
    expect(await screen.findByText("请填写驳回理由")).toBeInTheDocument(); // the message shows after the error class (antd animates it in)
    expect(posts(seen)).toHaveLength(0);
    fireEvent.change(screen.getByTestId("approval-comment"), { target: { value: "采购额不足" } });
    fireEvent.click(screen.getByTestId("approval-action-ok"));
    await waitFor(() => expect(posts(seen)).toHaveLength(1));
    expect(posts(seen)[0]!.path).toBe("/approvals/a1/reject");
    expect(JSON.parse(posts(seen)[0]!.body)).toEqual({ comment: "采购额不足", step: 1 });
    await waitFor(() => expect(screen.getByTestId("approval-status")).toHaveTextContent("已驳回"));
  });

  it("says so when someone decided meanwhile (409), and reloads the request", async () => {
    const seen = server(DETAIL, () => json({ status: 409, title: "Conflict", detail: "the step was decided meanwhile" }, 409));
    open();
    fireEvent.click(await screen.findByTestId("approval-approve"));
    await screen.findByTestId("approval-comment");
    const before = gets(seen).length;
    fireEvent.click(screen.getByTestId("approval-action-ok"));
    expect(await screen.findByText("该申请已被他人处理或状态已变化，已刷新为最新状态")).toBeInTheDocument();
    await waitFor(() => expect(gets(seen).length).toBeGreaterThan(before));
  });

  it("adds an approver picked from the users", async () => {
    const seen = server(DETAIL, () => DETAIL, (req) =>
      req.path === "/users" ? json({ items: [{ id: "u7", username: "wangwu", display_name: "王五", is_active: true }], next_cursor: null }) : null,
    );
    open();
    fireEvent.click(await screen.findByTestId("approval-add-approver"));
    const select = await screen.findByTestId("approval-user");
    fireEvent.mouseDown(select.querySelector(".ant-select-selector")!);
    const option = await screen.findByTitle("王五 (wangwu)");
    fireEvent.click(option);
    fireEvent.click(screen.getByTestId("approval-action-ok"));
    await waitFor(() => expect(posts(seen)).toHaveLength(1));
    expect(posts(seen)[0]!.path).toBe("/approvals/a1/approvers");
    expect(JSON.parse(posts(seen)[0]!.body)).toEqual({ user_id: "u7", comment: null });
  });

  it("lets an admin delegate someone else's place on the open step", async () => {
    const admin: ApprovalDetail = { ...DETAIL, can_manage: true, steps: DETAIL.steps.map((s) => ({ ...s, approvers: s.approvers.filter((a) => a.user.id !== ME.id) })) };
    const seen = server(admin, () => admin, (req) =>
      req.path === "/users" ? json({ items: [{ id: "u7", username: "wangwu", display_name: "王五", is_active: true }], next_cursor: null }) : null,
    );
    open();
    fireEvent.click(await screen.findByTestId("approval-delegate"));
    const from = await screen.findByTestId("approval-from-user");
    fireEvent.click(screen.getByTestId("approval-action-ok"));
    await waitFor(() => expect(from.closest(".ant-form-item")).toHaveClass("ant-form-item-has-error"));
    fireEvent.mouseDown(from.querySelector(".ant-select-selector")!);
    fireEvent.click((await screen.findAllByTitle("王总监")).find((o) => o.classList.contains("ant-select-item-option"))!);
    const to = screen.getByTestId("approval-user");
    fireEvent.mouseDown(to.querySelector(".ant-select-selector")!);
    fireEvent.click(await screen.findByTitle("王五 (wangwu)"));
    fireEvent.click(screen.getByTestId("approval-action-ok"));
    await waitFor(() => expect(posts(seen)).toHaveLength(1));
    expect(posts(seen)[0]!.path).toBe("/approvals/a1/delegate");
    expect(JSON.parse(posts(seen)[0]!.body)).toEqual({ to_user_id: "u7", from_user_id: "u4", comment: null });
  });

  it("lets the applicant resubmit a rejected financial change with the values that still differ", async () => {
    const rejected: ApprovalDetail = {
      ...DETAIL,
      kind: "customer_finance_change",
      title: "客户财务信息变更：华东精密",
      status: "rejected",
      current_step: null,
      applicant: ME,
      changes: [{ field: "bank_name", before: "工商银行", after: "招商银行" }],
      steps: [{ ...DETAIL.steps[0]!, status: "rejected", approvers: [{ ...DETAIL.steps[0]!.approvers[0]!, decision: "reject", comment: "账号不对" }] }],
      can_decide: false,
      can_resubmit: true,
    };
    const customer = {
      id: "c1",
      billing_title: "华东精密",
      tax_number: null,
      bank_name: "工商银行",
      bank_account: "622200001111",
      billing_address: null,
      billing_phone: null,
    };
    const seen = server(rejected, () => ({ ...rejected, status: "pending", can_resubmit: false, round: 2 }), (req) => (req.path === "/customers/c1" ? json(customer) : null));
    open();
    expect(await screen.findByTestId("approval-status")).toHaveTextContent("已驳回");
    expect(screen.queryByTestId("approval-approve")).toBeNull();
    expect(screen.getByTestId("approval-change-row")).toHaveTextContent("开户行");

    fireEvent.click(screen.getByTestId("approval-resubmit"));
    expect(await screen.findByTestId("approval-resubmit-bank_name")).toHaveValue("招商银行");
    expect(screen.getByTestId("approval-resubmit-billing_title")).toHaveValue("华东精密");
    expect(screen.getByTestId("approval-resubmit-reason")).toHaveValue(DETAIL.reason);
    fireEvent.change(screen.getByTestId("approval-resubmit-bank_account"), { target: { value: "6222 0000 2222" } });
    fireEvent.change(screen.getByTestId("approval-resubmit-reason"), { target: { value: "账号已更正" } });
    fireEvent.click(screen.getByTestId("approval-action-ok"));
    await waitFor(() => expect(posts(seen)).toHaveLength(1));
    expect(posts(seen)[0]!.path).toBe("/approvals/a1/resubmit");
    expect(JSON.parse(posts(seen)[0]!.body)).toEqual({ reason: "账号已更正", finance: { bank_name: "招商银行", bank_account: "6222 0000 2222" } });
    await waitFor(() => expect(screen.getByTestId("approval-status")).toHaveTextContent("审批中"));
    expect(within(screen.getByTestId("approval-detail")).queryByTestId("approval-resubmit")).toBeNull();
  });
});

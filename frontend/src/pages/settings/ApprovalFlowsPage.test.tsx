import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import { App as AntApp } from "antd";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Me } from "../../api/types";
import { en, zhCN } from "../../i18n/messages";
import { MENU, isGroup, visibleMenu } from "../../layout/menuConfig";
import { fakeApi, json, renderPage, type Seen } from "../../test/fakeApi";
import type { Flow, FlowVersion, PreviewOut } from "./ApprovalFlowsHelpers";
import { ApprovalFlowsPage } from "./ApprovalFlowsPage";

const SAMPLE: Flow = {
  id: "f1",
  kind: "sample",
  name: "送样审批",
  description: "按数量走不同层级",
  priority: 10,
  is_active: true,
  current_version: 2,
  match: { amount_min: null, amount_max: null, discount_min: null, discount_max: null, categories: null, customer_levels: null, zone_ids: ["z1"] },
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
      approvers: [{ kind: "zone_role", user_ids: [], role: "legal", levels: 1 }],
      mode: "all",
      conditions: [{ field: "quantity", op: "gt", value: "500" }],
      time_limit_hours: null,
      escalate_to_manager: false,
      reject_to: "applicant",
      self_approval: "skip",
    },
  ],
  created_at: "2026-11-20T08:00:00Z",
  updated_at: "2026-11-21T08:00:00Z",
  version: 4,
};

const QUOTE: Flow = {
  ...SAMPLE,
  id: "f2",
  kind: "quote",
  name: "大额报价",
  description: null,
  priority: 0,
  is_active: false,
  current_version: 1,
  match: { amount_min: "100000.00" },
  steps: [{ name: "", approvers: [{ kind: "users", user_ids: ["u2"], role: null, levels: 1 }], mode: "any", conditions: [] }],
  version: 1,
};

const VERSIONS: FlowVersion[] = [
  { number: 2, match: SAMPLE.match, steps: SAMPLE.steps, created_by: "u9", created_at: "2026-11-21T08:00:00Z" },
  { number: 1, match: {}, steps: [SAMPLE.steps[0]!], created_by: "u9", created_at: "2026-11-20T08:00:00Z" },
];

const USERS = [
  { id: "u1", username: "rep", display_name: "张三", is_active: true },
  { id: "u2", username: "mgr", display_name: "李经理", is_active: true },
];
const ROLES = [
  { name: "legal", label: "法务 / Legal", builtin: true, policies: [] },
  { name: "sales_director", label: "销售总监 / Sales director", builtin: true, policies: [] },
];

const READ = { approval_flow: { read: "all" }, user: { read: "all" }, role: { read: "all" }, sales_zone: { read: "all" } } as unknown as Me["permissions"];
const MANAGE = { ...READ, approval_flow: { read: "all", manage: "all" } } as unknown as Me["permissions"];

function server(extra: (req: Seen) => Response | null = () => null) {
  return fakeApi((req) => {
    const answer = extra(req);
    if (answer) return answer;
    if (req.method === "GET" && req.path === "/approval-flows") {
      const kind = req.query.get("kind");
      return json({ items: [SAMPLE, QUOTE].filter((f) => !kind || f.kind === kind) });
    }
    if (req.method === "GET" && req.path === "/approval-flows/f1") {
      return new Response(JSON.stringify(SAMPLE), { status: 200, headers: { "Content-Type": "application/json", ETag: '"4"' } });
    }
    if (req.path === "/approval-flows/f1/versions") return json({ items: VERSIONS });
    if (req.path === "/users") return json({ items: USERS, next_cursor: null });
    if (req.path === "/roles") return json({ items: ROLES });
    if (req.path === "/sales-zones") return json({ items: [{ id: "z1", name: "华东战区" }], next_cursor: null });
    return json({ status: 404, title: "Not found" }, 404);
  });
}

function open(permissions: Me["permissions"] = MANAGE) {
  return renderPage(
    <AntApp>
      <ApprovalFlowsPage />
    </AntApp>,
    { url: "/settings/approval-flows", path: "/settings/approval-flows", permissions },
  );
}

/** Opens the antd select under `testId` (within `scope`) and picks the option labelled `label`. */
async function pick(testId: string, label: string) {
  const select = screen.getByTestId(testId);
  fireEvent.mouseDown(select.querySelector(".ant-select-selector")!);
  await waitFor(() => expect(screen.queryAllByTitle(label).some((o) => o.classList.contains("ant-select-item-option"))).toBe(true));
  const options = screen.getAllByTitle(label).filter((o) => o.classList.contains("ant-select-item-option"));
  fireEvent.click(options[options.length - 1]!);
}

const posted = (seen: Seen[], path: string) => seen.filter((s) => s.method === "POST" && s.path === path);

describe("the approval flows menu entry", () => {
  it("shows under settings with approval_flow:read", () => {
    const keysOf = (perms: object) =>
      visibleMenu(perms as Me["permissions"])
        .flatMap((n) => (isGroup(n) ? n.children : [n]))
        .map((e) => e.key);
    expect(keysOf({ setting: { read: "all" } })).not.toContain("approval-flows");
    expect(keysOf({ approval_flow: { read: "all" } })).toEqual(["approval-flows"]);
    const settings = MENU.find((n) => n.key === "settings");
    expect(settings && isGroup(settings) ? settings.children.find((c) => c.key === "approval-flows") : null).toMatchObject({
      path: "/settings/approval-flows",
      resource: "approval_flow",
      action: "read",
      testId: "menu-approval-flows",
    });
    expect([zhCN["menu.approvalFlows"], en["menu.approvalFlows"]]).toEqual(["审批流程", "Approval flows"]);
  });
});

// antd selects and the long editor form are slow under jsdom (every popup alignment calls
// getComputedStyle over antd's styles): these tests get twice the default time
describe("ApprovalFlowsPage", { timeout: 40_000 }, () => {
  afterEach(() => vi.unstubAllGlobals());

  it("lists the flows with their kind, version and steps, filters by kind, read-only without manage", async () => {
    const seen = server();
    open(READ);
    const row = await screen.findByTestId("approval-flow-row-f1");
    expect(within(row).getByTestId("approval-flow-kind-cell")).toHaveTextContent("送样/POC");
    expect(within(row).getByTestId("approval-flow-versions")).toHaveTextContent("v2");
    await waitFor(() =>
      expect(within(row).getByTestId("approval-flow-steps")).toHaveTextContent(
        "1. 经理：申请人的上级 · 或签 · 限时 24 小时2. 法务：战区角色 法务 · 会签 · 当 数量 > 500",
      ),
    );
    await waitFor(() => expect(row).toHaveTextContent("战区：华东战区"));
    const quote = screen.getByTestId("approval-flow-row-f2");
    expect(within(quote).getByTestId("approval-flow-kind-cell")).toHaveTextContent("报价");
    expect(within(quote).getByTestId("approval-flow-steps")).toHaveTextContent("1. 步骤 1：指定 1 人 · 或签");
    expect(within(quote).getByTestId("approval-flow-toggle")).not.toBeChecked();
    expect(within(row).getByTestId("approval-flow-toggle")).toBeDisabled();
    expect(screen.queryByTestId("approval-flow-create")).toBeNull();
    expect(screen.queryByTestId("approval-flow-edit")).toBeNull();

    await pick("approval-flow-kind-filter", "报价");
    await waitFor(() => expect(screen.queryByTestId("approval-flow-row-f1")).toBeNull());
    expect(screen.getByTestId("approval-flow-row-f2")).toBeInTheDocument();
    expect(seen.some((s) => s.path === "/approval-flows" && s.query.get("kind") === "quote")).toBe(true);
  });

  it("shows a flow's versions", async () => {
    server();
    open(READ);
    fireEvent.click(await screen.findByText("v2"));
    const v1 = await screen.findByTestId("approval-flow-version-1");
    expect(within(v1).getByTestId("approval-flow-version-steps")).toHaveTextContent("1. 经理：申请人的上级 · 或签 · 限时 24 小时");
    expect(within(screen.getByTestId("approval-flow-version-2")).getByText("当前")).toBeInTheDocument();
  });

  it("creates a flow: decimals stay strings, steps carry their conditions and approvers", async () => {
    const seen = server((req) => (req.method === "POST" && req.path === "/approval-flows" ? json({ ...SAMPLE, id: "f3" }, 201) : null));
    open();
    fireEvent.click(await screen.findByTestId("approval-flow-create"));
    fireEvent.change(await screen.findByTestId("approval-flow-name"), { target: { value: " 大额送样 " } });
    fireEvent.change(screen.getByTestId("approval-flow-amount-min"), { target: { value: "10000.50" } });
    fireEvent.change(screen.getByTestId("approval-flow-step-0-name"), { target: { value: "经理" } });
    expect(screen.getByTestId("approval-flow-step-0-escalate")).toBeDisabled();
    fireEvent.change(screen.getByTestId("approval-flow-step-0-time-limit"), { target: { value: "48" } });
    await waitFor(() => expect(screen.getByTestId("approval-flow-step-0-escalate")).not.toBeDisabled());
    fireEvent.click(screen.getByTestId("approval-flow-step-0-escalate"));

    fireEvent.click(screen.getByTestId("approval-flow-add-step"));
    fireEvent.change(await screen.findByTestId("approval-flow-step-1-name"), { target: { value: "总监" } });
    await pick("approval-flow-step-1-approver-0-kind", "指定人员");
    await screen.findByTestId("approval-flow-step-1-approver-0-users");
    await pick("approval-flow-step-1-approver-0-users", "李经理 (mgr)");
    fireEvent.click(within(screen.getByTestId("approval-flow-step-1-mode")).getByText("会签"));
    fireEvent.click(screen.getByTestId("approval-flow-step-1-add-condition"));
    fireEvent.change(await screen.findByTestId("approval-flow-step-1-condition-0-value"), { target: { value: "500000.01" } });
    fireEvent.click(screen.getByTestId("approval-flow-save"));

    await waitFor(() => expect(posted(seen, "/approval-flows")).toHaveLength(1));
    expect(JSON.parse(posted(seen, "/approval-flows")[0]!.body)).toEqual({
      name: "大额送样",
      kind: "sample",
      description: null,
      priority: 0,
      is_active: true,
      match: { amount_min: "10000.50", amount_max: null, discount_min: null, discount_max: null, categories: null, customer_levels: null, zone_ids: null },
      steps: [
        {
          name: "经理",
          approvers: [{ kind: "manager", user_ids: [], role: null, levels: 1 }],
          mode: "any",
          conditions: [],
          time_limit_hours: 48,
          escalate_to_manager: true,
          reject_to: "applicant",
          self_approval: "skip",
        },
        {
          name: "总监",
          approvers: [{ kind: "users", user_ids: ["u2"], role: null, levels: 1 }],
          mode: "all",
          conditions: [{ field: "amount", op: "gte", value: "500000.01" }],
          time_limit_hours: null,
          escalate_to_manager: false,
          reject_to: "applicant",
          self_approval: "skip",
        },
      ],
    });
    expect(await screen.findByText("已创建")).toBeInTheDocument();
  });

  it("refuses a malformed amount before sending", async () => {
    const seen = server();
    open();
    fireEvent.click(await screen.findByTestId("approval-flow-create"));
    fireEvent.change(await screen.findByTestId("approval-flow-name"), { target: { value: "送样" } });
    fireEvent.change(screen.getByTestId("approval-flow-amount-min"), { target: { value: "1.005" } });
    fireEvent.click(screen.getByTestId("approval-flow-save"));
    expect(await screen.findByText("请输入不小于 0 的数字，最多两位小数")).toBeInTheDocument();
    expect(posted(seen, "/approval-flows")).toHaveLength(0);
  });

  it("shows the server's 422 on the approver's role, and a whole-step error as an alert", async () => {
    server((req) =>
      req.method === "PATCH"
        ? json(
            {
              title: "Invalid input",
              status: 422,
              detail: "steps.1.approvers.0.role: no role 'legal'",
              errors: [
                { field: "steps.1.approvers.0.role", message: "no role 'legal'" },
                { field: "steps.1", message: "escalation needs a time limit" },
              ],
            },
            422,
          )
        : null,
    );
    open();
    fireEvent.click(within(await screen.findByTestId("approval-flow-row-f1")).getByTestId("approval-flow-edit"));
    const value = await screen.findByTestId("approval-flow-step-1-condition-0-value");
    await waitFor(() => expect(value).toHaveValue("500"));
    fireEvent.change(value, { target: { value: "800" } });
    fireEvent.click(screen.getByTestId("approval-flow-save"));

    const error = await screen.findByText("no role 'legal'");
    expect(screen.getByTestId("approval-flow-step-1-approver-0-role").closest(".ant-form-item")).toContainElement(error);
    expect(screen.getByTestId("approval-flow-errors")).toHaveTextContent("步骤 2：escalation needs a time limit");
    expect(screen.getByTestId("approval-flow-drawer")).toBeInTheDocument();
  });

  it("edits with If-Match; a changed step makes a new version, in-flight requests keep theirs", async () => {
    const seen = server((req) =>
      req.method === "PATCH" ? json({ ...SAMPLE, current_version: 3, version: 5 }) : null,
    );
    open();
    const row = await screen.findByTestId("approval-flow-row-f1");
    fireEvent.click(within(row).getByTestId("approval-flow-edit"));
    const note = await screen.findByTestId("approval-flow-version-note");
    expect(note).toHaveTextContent("当前为第 2 版");
    expect(note).toHaveTextContent("审批中的申请仍按其提交时的版本进行");
    expect(screen.getByTestId("approval-flow-kind").querySelector("input")).toBeDisabled();
    await waitFor(() => expect(screen.getByTestId("approval-flow-step-1-condition-0-value")).toHaveValue("500"));

    fireEvent.change(screen.getByTestId("approval-flow-step-1-condition-0-value"), { target: { value: "1000" } });
    await waitFor(() => expect(screen.getByTestId("approval-flow-version-note")).toHaveTextContent("保存后将生成第 3 版"));
    fireEvent.click(screen.getByTestId("approval-flow-save"));

    await waitFor(() => expect(seen.some((s) => s.method === "PATCH")).toBe(true));
    const patch = seen.find((s) => s.method === "PATCH")!;
    expect(patch.path).toBe("/approval-flows/f1");
    expect(patch.headers.get("If-Match")).toBe('"4"');
    const body = JSON.parse(patch.body);
    expect(body).toMatchObject({ name: "送样审批", description: "按数量走不同层级", priority: 10, is_active: true });
    expect(body.steps[1].conditions).toEqual([{ field: "quantity", op: "gt", value: "1000" }]);
    expect(body.steps[0]).toEqual(SAMPLE.steps[0]);
    expect(body.match.zone_ids).toEqual(["z1"]);
    expect(await screen.findByText("已保存为第 3 版")).toBeInTheDocument();
  });

  it("previews who would approve a sample request: approvers, skipped steps and the admin queue", async () => {
    const answer: PreviewOut = {
      flow_id: "f1",
      flow_name: "送样审批",
      flow_version: 2,
      steps: [
        { index: 0, name: "经理", mode: "any", applies: true, approvers: [{ id: "u2", display_name: "李经理" }], to_admin_queue: false, self_approval: null },
        { index: 1, name: "法务", mode: "all", applies: true, approvers: [], to_admin_queue: true, self_approval: "skipped" },
        { index: 2, name: "总监", mode: "any", applies: false, approvers: [{ id: "u5", display_name: "王总监" }], to_admin_queue: false, self_approval: null },
      ],
    };
    const seen = server((req) => (req.method === "POST" && req.path === "/approval-flows/preview" ? json(answer) : null));
    open(READ);
    const panel = await screen.findByTestId("approval-preview");
    expect(within(screen.getByTestId("approval-preview-kind")).getByText("送样/POC")).toBeInTheDocument();
    await pick("approval-preview-applicant", "张三 (rep)");
    fireEvent.change(within(panel).getByTestId("approval-preview-quantity"), { target: { value: "500" } });
    fireEvent.click(within(panel).getByTestId("approval-preview-run"));

    await waitFor(() => expect(posted(seen, "/approval-flows/preview")).toHaveLength(1));
    expect(JSON.parse(posted(seen, "/approval-flows/preview")[0]!.body)).toEqual({
      kind: "sample",
      applicant_id: "u1",
      owner_id: null,
      amount: null,
      quantity: "500",
      discount_pct: null,
      category: null,
      customer_level: null,
      to_level: null,
      zone_id: null,
    });
    expect(await screen.findByTestId("approval-preview-flow")).toHaveTextContent("将使用流程「送样审批」第 2 版");
    expect(screen.getByTestId("approval-preview-step-0-approvers")).toHaveTextContent("李经理");
    expect(screen.getByTestId("approval-preview-step-1-admin-queue")).toHaveTextContent("进入管理员队列");
    expect(screen.getByTestId("approval-preview-step-1")).toHaveTextContent("没有人能审批这一步");
    expect(screen.getByTestId("approval-preview-step-1-self")).toHaveTextContent("已跳过本人");
    expect(screen.getByTestId("approval-preview-step-2-skipped")).toHaveTextContent("跳过（条件不满足）");
    expect(screen.getByTestId("approval-preview-step-2")).not.toHaveTextContent("王总监");
    expect(screen.queryByTestId("approval-preview-step-0-admin-queue")).toBeNull();
  });

  it("says when no flow matches, and wants an applicant", async () => {
    const seen = server((req) =>
      req.method === "POST" && req.path === "/approval-flows/preview" ? json({ flow_id: null, flow_name: null, flow_version: null, steps: [] }) : null,
    );
    open(READ);
    const panel = await screen.findByTestId("approval-preview");
    fireEvent.click(within(panel).getByTestId("approval-preview-run"));
    expect(await screen.findByText("请选择申请人")).toBeInTheDocument();
    expect(posted(seen, "/approval-flows/preview")).toHaveLength(0);
    await pick("approval-preview-applicant", "张三 (rep)");
    fireEvent.click(within(panel).getByTestId("approval-preview-run"));
    expect(await screen.findByTestId("approval-preview-no-flow")).toHaveTextContent("没有匹配的启用流程");
  });
});

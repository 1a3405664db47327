import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { fakeApi, json, renderPage, type Seen } from "../../test/fakeApi";
import { UsersPage } from "../org/UsersPage";
import { CustomerListPage } from "./CustomerListPage";
import { TransferCustomersDialog, type TransferCustomersDialogProps } from "./TransferCustomersDialog";

const MANAGER = { customer: { read: "team", update: "team" }, user: { read: "team", update: "team" }, region: { read: "all" } } as const;

const USERS = [
  { id: "u2", username: "zhang", display_name: "张三", is_active: true, roles: ["sales_rep"], zone_ids: [] },
  { id: "u3", username: "li", display_name: "李四", is_active: true, roles: ["sales_rep"], zone_ids: [] },
];
const TIERS = [
  { code: "A", name: "A 类（重点）", sort_order: 1 },
  { code: "B", name: "B 类", sort_order: 2 },
];
const PROVINCES = [{ code: "310000", name: "上海市", level: 1, parent_code: null }];

function serve(transfer: (req: Seen) => Response = () => json({ customers: ["c1", "c2"], leads: ["l1", "l2", "l3"] })) {
  return fakeApi((req) => {
    if (req.method === "POST" && req.path === "/customers/transfer") return transfer(req);
    if (req.path === "/users") return json({ items: USERS, next_cursor: null });
    if (req.path === "/customer-tiers") return json({ items: TIERS, next_cursor: null });
    if (req.path === "/regions") return json({ items: PROVINCES, next_cursor: null });
    return json({ items: [], next_cursor: null });
  });
}

function open(props: Partial<TransferCustomersDialogProps> = {}) {
  const onClose = vi.fn();
  renderPage(<TransferCustomersDialog open onClose={onClose} from={{ id: "u2", display_name: "张三" }} {...props} />, {
    url: "/customers",
    path: "/customers",
    permissions: MANAGER,
  });
  return onClose;
}

/** Picks `title` in the select with data-testid `testId` (its newest dropdown). */
async function pick(testId: string, title: string) {
  const select = await screen.findByTestId(testId);
  fireEvent.mouseDown(select.querySelector(".ant-select-selector")!);
  await waitFor(() => expect(screen.queryAllByTitle(title).some((o) => o.classList.contains("ant-select-item-option"))).toBe(true));
  const options = screen.getAllByTitle(title).filter((o) => o.classList.contains("ant-select-item-option"));
  fireEvent.click(options[options.length - 1]!);
}

function reason(text: string) {
  fireEvent.change(screen.getByTestId("transfer-reason"), { target: { value: text } });
}

async function confirmAndPost(seen: Seen[]) {
  fireEvent.click(screen.getByTestId("transfer-next"));
  const summary = await screen.findByTestId("transfer-summary");
  fireEvent.click(screen.getByTestId("transfer-confirm"));
  await waitFor(() => expect(seen.some((s) => s.method === "POST")).toBe(true));
  const post = seen.find((s) => s.method === "POST")!;
  expect(post.path).toBe("/customers/transfer");
  return { summary, body: JSON.parse(post.body) as Record<string, unknown> };
}

describe("TransferCustomersDialog", () => {
  afterEach(() => vi.unstubAllGlobals());

  it("hands over all of the rep's customers: no customer_ids, no filter", async () => {
    const seen = serve();
    open();
    expect(screen.getByTestId("transfer-scope-all")).toBeChecked();
    expect(screen.queryByTestId("transfer-scope-selected")).toBeNull();
    await pick("transfer-to", "李四 (li)");
    reason("  离职交接  ");
    fireEvent.click(screen.getByTestId("transfer-next"));
    const summary = await screen.findByTestId("transfer-summary");
    expect(summary).toHaveTextContent("将 张三 名下的全部客户转给 李四。");
    expect(summary).toHaveTextContent("这些客户的未关闭线索一并转给 李四。");
    fireEvent.click(screen.getByTestId("transfer-confirm"));
    await waitFor(() => expect(seen.some((s) => s.method === "POST")).toBe(true));
    expect(JSON.parse(seen.find((s) => s.method === "POST")!.body)).toEqual({
      from_user_id: "u2",
      to_user_id: "u3",
      with_leads: true,
      reason: "离职交接",
    });
  });

  it("hands over the selected customers by id", async () => {
    const seen = serve();
    open({ selected: [{ id: "c1", name: "甲" }, { id: "c2", name: "乙" }] });
    expect(screen.getByTestId("transfer-scope-selected").closest("label")).toHaveTextContent("所选客户（2 个）");
    expect(screen.getByTestId("transfer-scope-selected")).toBeChecked();
    await pick("transfer-to", "李四 (li)");
    fireEvent.click(screen.getByTestId("transfer-with-leads"));
    reason("调整分工");
    const { summary, body } = await confirmAndPost(seen);
    expect(summary).toHaveTextContent("将 2 个客户从 张三 转给 李四。");
    expect(summary).toHaveTextContent("线索不随之转移。");
    expect(body).toEqual({ from_user_id: "u2", to_user_id: "u3", with_leads: false, reason: "调整分工", customer_ids: ["c1", "c2"] });
  });

  it("hands over by filter, sending only the filled conditions", async () => {
    const seen = serve();
    open();
    fireEvent.click(screen.getByTestId("transfer-scope-filter"));
    await screen.findByTestId("transfer-filter");
    await pick("transfer-to", "李四 (li)");
    await pick("transfer-levels", "KA");
    await pick("transfer-tiers", "A 类（重点）");
    const industries = screen.getByTestId("transfer-industries").querySelector("input")!;
    fireEvent.change(industries, { target: { value: "制造业" } });
    fireEvent.keyDown(industries, { key: "Enter", code: "Enter", keyCode: 13 });
    reason("按级别交接");
    const { summary, body } = await confirmAndPost(seen);
    expect(summary).toHaveTextContent("将 张三 名下符合条件（客户级别: KA; 客户分级: A; 行业: 制造业）的全部客户转给 李四。");
    expect(body).toEqual({
      from_user_id: "u2",
      to_user_id: "u3",
      with_leads: true,
      reason: "按级别交接",
      filter: { levels: ["KA"], tiers: ["A"], industries: ["制造业"] },
    });
  });

  it("wants at least one condition when handing over by filter", async () => {
    const seen = serve();
    open();
    fireEvent.click(screen.getByTestId("transfer-scope-filter"));
    await pick("transfer-to", "李四 (li)");
    reason("r");
    fireEvent.click(screen.getByTestId("transfer-next"));
    expect(await screen.findByText("请至少填写一个条件")).toBeInTheDocument();
    expect(screen.queryByTestId("transfer-summary")).toBeNull();
    expect(seen.some((s) => s.method === "POST")).toBe(false);
  });

  it("requires a reason", async () => {
    const seen = serve();
    open();
    await pick("transfer-to", "李四 (li)");
    reason("   ");
    fireEvent.click(screen.getByTestId("transfer-next"));
    const item = screen.getByTestId("transfer-reason").closest(".ant-form-item")!;
    await waitFor(() => expect(item.querySelector(".ant-form-item-explain-error")).not.toBeNull());
    expect(screen.queryByTestId("transfer-summary")).toBeNull();
    expect(seen.some((s) => s.method === "POST")).toBe(false);
  });

  it("shows a 422 on to_user_id under the receiving rep", async () => {
    serve(() =>
      json(
        {
          status: 422,
          title: "Validation failed",
          detail: "to_user_id: outside the teams you manage",
          errors: [{ field: "to_user_id", message: "outside the teams you manage" }],
        },
        422,
      ),
    );
    const onClose = open();
    await pick("transfer-to", "李四 (li)");
    reason("离职");
    fireEvent.click(screen.getByTestId("transfer-next"));
    fireEvent.click(await screen.findByTestId("transfer-confirm"));
    const error = await screen.findByText("outside the teams you manage");
    expect(error.closest(".ant-form-item")).toContainElement(screen.getByTestId("transfer-to"));
    expect(screen.queryByTestId("transfer-summary")).toBeNull();
    expect(onClose).not.toHaveBeenCalled();
  });

  it("shows a 422 on a filter item under its select", async () => {
    serve(() =>
      json({ status: 422, title: "Validation failed", errors: [{ field: "body.filter.levels.0", message: "not a customer level" }] }, 422),
    );
    open({ scope: "filter" });
    await pick("transfer-to", "李四 (li)");
    await pick("transfer-levels", "SKA");
    reason("离职");
    fireEvent.click(screen.getByTestId("transfer-next"));
    fireEvent.click(await screen.findByTestId("transfer-confirm"));
    const error = await screen.findByText("not a customer level");
    expect(error.closest(".ant-form-item")).toContainElement(screen.getByTestId("transfer-levels"));
  });

  it("shows a 409 as a message", async () => {
    serve(() => json({ status: 409, title: "Conflict", detail: "1 customer is no longer owned by 张三" }, 409));
    open({ selected: [{ id: "c1", name: "甲" }] });
    await pick("transfer-to", "李四 (li)");
    reason("离职");
    fireEvent.click(screen.getByTestId("transfer-next"));
    fireEvent.click(await screen.findByTestId("transfer-confirm"));
    await waitFor(() => expect(document.querySelector(".ant-message")).toHaveTextContent("1 customer is no longer owned by 张三"));
  });

  it("says how many customers and leads moved, and closes", async () => {
    const seen = serve();
    const onDone = vi.fn();
    const onClose = open({ onDone });
    await pick("transfer-to", "李四 (li)");
    reason("离职");
    await confirmAndPost(seen);
    await waitFor(() => expect(document.querySelector(".ant-message")).toHaveTextContent("已转移 2 个客户、3 条线索"));
    expect(onDone).toHaveBeenCalledWith({ customers: ["c1", "c2"], leads: ["l1", "l2", "l3"] });
    expect(onClose).toHaveBeenCalled();
  });
});

describe("hand-over entry points", () => {
  afterEach(() => vi.unstubAllGlobals());

  const row = (id: string, name: string, owner: { id: string; display_name: string }) => ({
    id,
    name,
    kind: "enterprise",
    level: "normal",
    tier: null,
    owner,
    zone: null,
    tags: [],
    last_followed_up_at: null,
    recycle_due_at: null,
    created_at: "2024-05-01T08:00:00Z",
    updated_at: "2024-05-01T08:00:00Z",
  });

  it("transfers the rows selected in the customer list, from their common owner", async () => {
    const zhang = { id: "u2", display_name: "张三" };
    const seen = fakeApi((req) => {
      if (req.method === "POST") return json({ customers: ["c1", "c2"], leads: [] });
      if (req.path === "/customers")
        return json({ items: [row("c1", "甲公司", zhang), row("c2", "乙公司", zhang), row("c3", "丙公司", { id: "u3", display_name: "李四" })], next_cursor: null });
      if (req.path === "/users") return json({ items: USERS, next_cursor: null });
      return json({ items: [], next_cursor: null });
    });
    renderPage(<CustomerListPage />, { url: "/customers", path: "/customers", permissions: MANAGER });
    for (const id of ["c1", "c2"]) {
      const tr = await screen.findByTestId(`customer-row-${id}`);
      fireEvent.click(tr.querySelector("input[type=checkbox]")!);
    }
    expect(await screen.findByTestId("customer-bulk")).toHaveTextContent("已选 2 个客户");
    fireEvent.click(screen.getByTestId("customer-bulk-transfer"));
    expect((await screen.findByTestId("transfer-scope-selected")).closest("label")).toHaveTextContent("所选客户（2 个）");
    expect(screen.getByTestId("transfer-from")).toHaveTextContent("张三");
    await pick("transfer-to", "李四 (li)");
    reason("离职");
    const { body } = await confirmAndPost(seen);
    expect(body).toMatchObject({ from_user_id: "u2", to_user_id: "u3", customer_ids: ["c1", "c2"] });
  });

  it("hides the hand-over from reps who only update their own customers", async () => {
    fakeApi(() => json({ items: [], next_cursor: null }));
    renderPage(<CustomerListPage />, { url: "/customers", path: "/customers", permissions: { customer: { read: "own", update: "own" } } });
    await screen.findByTestId("customer-table");
    expect(screen.queryByTestId("customer-handover")).toBeNull();
  });

  it("hands over all customers of a user from the users page", async () => {
    const seen = fakeApi((req) => {
      if (req.method === "POST") return json({ customers: ["c1"], leads: ["l1"] });
      if (req.path === "/users") return json({ items: USERS, next_cursor: null });
      return json({ items: [], next_cursor: null });
    });
    renderPage(<UsersPage />, { url: "/org/users", path: "/org/users", permissions: MANAGER });
    const tr = await screen.findByTestId("user-row-u2");
    fireEvent.click(within(tr).getByTestId("user-handover"));
    expect(await screen.findByTestId("transfer-scope-all")).toBeChecked();
    expect(screen.getByTestId("transfer-from")).toHaveTextContent("张三");
    await pick("transfer-to", "李四 (li)");
    reason("离职");
    const { body } = await confirmAndPost(seen);
    expect(body).toEqual({ from_user_id: "u2", to_user_id: "u3", with_leads: true, reason: "离职" });
    await waitFor(() => expect(document.querySelector(".ant-message")).toHaveTextContent("已转移 1 个客户、1 条线索"));
  });
});

import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { fakeApi, json, renderPage, type Seen } from "../../test/fakeApi";
import { ApprovalInboxPage } from "./ApprovalInboxPage";
import type { ApprovalItem } from "./approvalHelpers";

const ITEM: ApprovalItem = {
  id: "a1",
  kind: "customer_level_change",
  kind_label: "客户等级变更 / Level change",
  title: "客户等级升级 / Level change: 华东精密 normal → KA",
  reason: "年采购额超过 200 万",
  status: "pending",
  applicant: { id: "u2", display_name: "张三" },
  customer_id: "c1",
  current_step: 0,
  step_name: "经理审批",
  due_at: "2020-01-01T00:00:00Z",
  overdue: true,
  admin_queue: false,
  round: 1,
  submitted_at: "2026-11-23T02:00:00Z",
  decided_at: null,
  my_task: { status: "pending", at: "2026-11-23T02:00:00Z", comment: null },
};

const COUNTS = { pending: 3, overdue: 1, submitted_pending: 2, decided_today: 4, admin_queue: 5 };
const REP = { approval: { read: "all" } } as const;
const ADMIN = { approval: { read: "all", manage: "all" } } as const;

function server(page?: (req: Seen) => Response) {
  return fakeApi((req) => {
    if (req.path === "/approvals/counts") return json(COUNTS);
    if (req.path === "/approvals") return page ? page(req) : json({ items: [ITEM], next_cursor: null });
    return json({ status: 404, title: "Not found" }, 404);
  });
}

const lists = (seen: Seen[]) => seen.filter((s) => s.path === "/approvals");
const lastList = (seen: Seen[]) => lists(seen).at(-1)!.query;

function open(url: string, permissions: typeof REP | typeof ADMIN = REP) {
  return renderPage(<ApprovalInboxPage />, { url, path: ["/approvals", "/approvals/:id"], permissions });
}

async function pick(testId: string, title: string) {
  const select = await screen.findByTestId(testId);
  fireEvent.mouseDown(select.querySelector(".ant-select-selector")!);
  const options = await screen.findAllByTitle(title);
  fireEvent.click(options.find((o) => o.classList.contains("ant-select-item-option"))!);
}

describe("ApprovalInboxPage", () => {
  afterEach(() => vi.unstubAllGlobals());

  it("shows the pending box with its badges and the daily board, and switches boxes", async () => {
    const seen = server();
    const { where } = open("/approvals");
    const table = await screen.findByTestId("approvals-table");
    await waitFor(() => expect(within(table).getByText(ITEM.title)).toBeInTheDocument());
    expect(lastList(seen).get("box")).toBe("pending");
    expect(lastList(seen).has("status")).toBe(false);

    await waitFor(() => expect(screen.getByTestId("approvals-count-pending")).toHaveAttribute("data-count", "3"));
    expect(screen.getByTestId("approvals-tab-overdue")).toHaveTextContent("超时 1");
    expect(screen.getByTestId("approvals-count-submitted")).toHaveAttribute("data-count", "2");
    expect(screen.getByTestId("approvals-board-pending")).toHaveAttribute("data-value", "3");
    expect(screen.getByTestId("approvals-board-overdue")).toHaveAttribute("data-value", "1");
    expect(screen.getByTestId("approvals-board-submitted")).toHaveAttribute("data-value", "2");
    expect(screen.getByTestId("approvals-board-decided-today")).toHaveAttribute("data-value", "4");
    // no admin queue without approval:manage, nor a status filter in the pending box
    expect(screen.queryByTestId("approvals-tab-admin_queue")).toBeNull();
    expect(screen.queryByTestId("approvals-board-admin-queue")).toBeNull();
    expect(screen.queryByTestId("approvals-status")).toBeNull();

    const row = within(table).getByTestId("approval-row");
    expect(row).toHaveTextContent("客户等级变更");
    expect(row).toHaveTextContent("张三");
    expect(row).toHaveTextContent("经理审批");
    expect(within(row).getByTestId("approval-overdue")).toHaveTextContent("已超时");
    expect(within(row).getByTestId("approval-status")).toHaveTextContent("审批中");

    fireEvent.click(screen.getByTestId("approvals-tab-submitted"));
    await waitFor(() => expect(lastList(seen).get("box")).toBe("submitted"));
    expect(where()).toBe("/approvals?box=submitted");
    expect(await screen.findByTestId("approvals-status")).toBeInTheDocument();

    fireEvent.click(screen.getByTestId("approvals-board-overdue"));
    await waitFor(() => expect(where()).toBe("/approvals?overdue=1"));
    await waitFor(() => expect(lastList(seen).get("overdue")).toBe("true"));
    expect(lastList(seen).get("box")).toBe("pending");
  });

  it("sends the filters from the URL and the ones picked on the page", async () => {
    const seen = server();
    const { where } = open("/approvals?box=done&status=approved&from=2026-11-01&to=2026-11-30&q=华东");
    await waitFor(() => expect(lists(seen).length).toBeGreaterThan(0));
    let q = lastList(seen);
    expect(q.get("box")).toBe("done");
    expect(q.get("status")).toBe("approved");
    expect(q.get("q")).toBe("华东");
    expect(q.get("submitted_from")).toBe("2026-10-31T16:00:00.000Z");
    expect(q.get("submitted_to")).toBe("2026-11-30T16:00:00.000Z");
    expect(q.has("overdue")).toBe(false);

    await pick("approvals-kind", "报价");
    await waitFor(() => expect(lastList(seen).get("kind")).toBe("quote"));
    expect(where()).toContain("kind=quote");

    await pick("approvals-status", "已驳回");
    await waitFor(() => expect(lastList(seen).get("status")).toBe("rejected"));

    const search = within(screen.getByTestId("approvals-search").closest(".ant-input-search")! as HTMLElement).getByRole("searchbox");
    fireEvent.change(search, { target: { value: " 合同 " } });
    fireEvent.keyDown(search, { key: "Enter", code: "Enter", keyCode: 13 });
    await waitFor(() => expect(lastList(seen).get("q")).toBe("合同"));

    fireEvent.click(screen.getByTestId("approvals-overdue"));
    await waitFor(() => expect(lastList(seen).get("overdue")).toBe("true"));
    q = lastList(seen);
    expect([q.get("box"), q.get("kind"), q.get("status"), q.get("q")]).toEqual(["done", "quote", "rejected", "合同"]);

    fireEvent.click(screen.getByTestId("approvals-reset"));
    await waitFor(() => expect(where()).toBe("/approvals?box=done"));
  });

  it("gives admins the admin queue, loads more with the cursor and opens a request", async () => {
    const seen = server((req) =>
      req.query.get("cursor") === "n1"
        ? json({ items: [{ ...ITEM, id: "a2", title: "第二页的申请", overdue: false, due_at: null }], next_cursor: null })
        : json({ items: [{ ...ITEM, admin_queue: true }], next_cursor: "n1" }),
    );
    const { where } = open("/approvals?box=admin_queue", ADMIN);
    await waitFor(() => expect(screen.getByTestId("approvals-count-admin_queue")).toHaveAttribute("data-count", "5"));
    expect(screen.getByTestId("approvals-board-admin-queue")).toHaveAttribute("data-value", "5");
    await waitFor(() => expect(lastList(seen).get("box")).toBe("admin_queue"));
    expect(await screen.findByText("待分配审批人")).toBeInTheDocument();

    fireEvent.click(await screen.findByTestId("approvals-more"));
    await waitFor(() => expect(lastList(seen).get("cursor")).toBe("n1"));
    expect(await screen.findByText("第二页的申请")).toBeInTheDocument();

    const rows = screen.getAllByTestId("approval-row");
    expect(rows).toHaveLength(2);
    fireEvent.click(rows[1]!);
    await waitFor(() => expect(where()).toBe("/approvals/a2"));
  });
});

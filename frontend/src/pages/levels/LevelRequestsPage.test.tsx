import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { LevelRequest } from "../../api/types";
import { fakeApi, json, renderPage, type Seen } from "../../test/fakeApi";
import { LevelRequestsPage } from "./LevelRequestsPage";

const PENDING: LevelRequest = {
  id: "r1",
  customer: { id: "c1", name: "华东精密制造有限公司" },
  customer_level: "normal",
  from_level: "normal",
  to_level: "KA",
  reason: "年采购额超过 200 万",
  status: "pending",
  requested_by: { id: "u2", display_name: "张三" },
  decided_by: null,
  decided_at: null,
  comment: null,
  created_at: "2026-11-23T02:00:00Z",
  can_decide: true,
  can_withdraw: false,
};

const DECIDED: LevelRequest = {
  ...PENDING,
  id: "r2",
  status: "rejected",
  decided_by: { id: "u1", display_name: "李经理" },
  decided_at: "2026-11-23T03:00:00Z",
  comment: "采购额不足",
  can_decide: false,
};

const MANAGER = { customer: { read: "team", update: "team", approve_level: "team" } } as const;

function server(decide?: (req: Seen) => Response) {
  return fakeApi((req) => {
    if (req.method === "POST" && decide) return decide(req);
    if (req.path === "/level-requests") return json({ items: req.query.get("status") === "decided" ? [DECIDED] : [PENDING], next_cursor: null });
    return json({ status: 404, title: "Not found" }, 404);
  });
}

describe("LevelRequestsPage", () => {
  afterEach(() => vi.unstubAllGlobals());

  it("lists pending requests and approves one with a comment", async () => {
    const seen = server((req) => json({ ...PENDING, status: "approved", customer_level: "KA", can_decide: false, comment: JSON.parse(req.body).comment }));
    renderPage(<LevelRequestsPage />, { url: "/level-requests", path: "/level-requests", permissions: MANAGER });
    const table = await screen.findByTestId("level-request-table");
    await waitFor(() => expect(within(table).getByText("华东精密制造有限公司")).toBeInTheDocument());
    expect(within(table).getByTestId("level-request-change")).toHaveTextContent("普通 → KA");
    expect(seen[0].query.get("status")).toBe("pending");

    fireEvent.click(within(table).getByTestId("level-approve"));
    fireEvent.change(await screen.findByTestId("level-decide-comment"), { target: { value: "同意升级" } });
    fireEvent.click(screen.getByTestId("level-decide-ok"));
    await waitFor(() => expect(seen.some((s) => s.method === "POST")).toBe(true));
    const post = seen.find((s) => s.method === "POST")!;
    expect(post.path).toBe("/level-requests/r1/approve");
    expect(JSON.parse(post.body)).toEqual({ comment: "同意升级" });
  });

  it("asks for a comment before rejecting, and shows the server's conflict", async () => {
    const seen = server(() => json({ status: 409, title: "Conflict", detail: "the request was decided or withdrawn in the meantime" }, 409));
    renderPage(<LevelRequestsPage />, { url: "/level-requests", path: "/level-requests", permissions: MANAGER });
    fireEvent.click(await screen.findByTestId("level-reject"));
    fireEvent.click(await screen.findByTestId("level-decide-ok"));
    await waitFor(() => expect(screen.getByTestId("level-decide-comment").closest(".ant-form-item")).toHaveClass("ant-form-item-has-error"));
    expect(seen.some((s) => s.method === "POST")).toBe(false);
    fireEvent.change(screen.getByTestId("level-decide-comment"), { target: { value: "采购额不足" } });
    fireEvent.click(screen.getByTestId("level-decide-ok"));
    await waitFor(() => expect(seen.find((s) => s.method === "POST")?.path).toBe("/level-requests/r1/reject"));
    expect(await screen.findByText(/decided or withdrawn/)).toBeInTheDocument();
  });

  it("shows decided requests with their status, decider and comment", async () => {
    const seen = server();
    renderPage(<LevelRequestsPage />, { url: "/level-requests?tab=decided", path: "/level-requests", permissions: MANAGER });
    expect(await screen.findByTestId("level-request-status")).toHaveTextContent("已驳回");
    expect(screen.getByText("李经理")).toBeInTheDocument();
    expect(screen.getByText("采购额不足")).toBeInTheDocument();
    expect(screen.queryByTestId("level-approve")).toBeNull();
    expect(seen[0].query.get("status")).toBe("decided");
  });
});

import { fireEvent, screen, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { fakeApi, json, renderPage } from "../../test/fakeApi";
import { LevelRequestButton } from "./LevelRequestButton";

const REP = { customer: { read: "own", update: "own" } } as const;

const REQUEST = {
  id: "r1",
  customer: { id: "c1", name: "客户" },
  customer_level: "normal",
  from_level: "normal",
  to_level: "KA",
  reason: "r",
  status: "pending",
  requested_by: { id: "u1", display_name: "Rep" },
  decided_by: null,
  decided_at: null,
  comment: null,
  created_at: "2026-11-23T02:00:00Z",
  can_decide: false,
  can_withdraw: true,
};

async function pick(title: string) {
  const select = await screen.findByTestId("level-request-to");
  fireEvent.mouseDown(select.querySelector(".ant-select-selector")!);
  const options = await screen.findAllByTitle(title);
  fireEvent.click(options.find((o) => o.classList.contains("ant-select-item-option"))!);
}

describe("LevelRequestButton", () => {
  afterEach(() => vi.unstubAllGlobals());

  it("asks for another level with a reason", async () => {
    let pending: typeof REQUEST | null = null;
    const seen = fakeApi((req) => {
      if (req.method === "POST") {
        pending = { ...REQUEST, to_level: JSON.parse(req.body).to_level };
        return json(pending, 201);
      }
      return json({ items: pending ? [pending] : [], next_cursor: null });
    });
    renderPage(<LevelRequestButton customerId="c1" level="normal" />, { url: "/customers/c1", path: "/customers/:id", permissions: REP });
    const button = await screen.findByTestId("level-request");
    await waitFor(() => expect(button).toBeEnabled()); // once it knows no request is pending
    fireEvent.click(button);
    expect(await screen.findByTestId("level-request-current")).toHaveTextContent("普通");
    await pick("SKA");
    fireEvent.change(screen.getByTestId("level-request-reason"), { target: { value: "  集团战略合作  " } });
    fireEvent.click(screen.getByTestId("level-request-ok"));
    await waitFor(() => expect(seen.some((s) => s.method === "POST")).toBe(true));
    const post = seen.find((s) => s.method === "POST")!;
    expect(post.path).toBe("/customers/c1/level-requests");
    expect(JSON.parse(post.body)).toEqual({ to_level: "SKA", reason: "集团战略合作" });
    expect(await screen.findByTestId("level-request-pending")).toHaveTextContent("普通 → SKA");
  });

  it("shows the pending request and lets its applicant withdraw it", async () => {
    const seen = fakeApi((req) => (req.method === "POST" ? json({ ...REQUEST, status: "withdrawn" }) : json({ items: [REQUEST], next_cursor: null })));
    renderPage(<LevelRequestButton customerId="c1" level="normal" />, { url: "/customers/c1", path: "/customers/:id", permissions: REP });
    expect(await screen.findByTestId("level-request-pending")).toHaveTextContent("普通 → KA");
    expect(screen.queryByTestId("level-request")).toBeNull();
    expect(seen[0].query.get("customer_id")).toBe("c1");
    expect(seen[0].query.get("status")).toBe("pending");
    fireEvent.click(screen.getByTestId("level-request-withdraw"));
    await waitFor(() => expect(seen.find((s) => s.method === "POST")?.path).toBe("/level-requests/r1/withdraw"));
  });
});

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

  it("asks for another level with a reason, then links to the approval", async () => {
    const seen = fakeApi((req) => (req.method === "POST" ? json({ ...REQUEST, to_level: JSON.parse(req.body).to_level }, 201) : json({}, 404)));
    renderPage(<LevelRequestButton customerId="c1" level="normal" pending={null} />, { url: "/customers/c1", path: "/customers/:id", permissions: REP });
    const button = await screen.findByTestId("level-request");
    expect(button).toBeEnabled();
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
    expect(screen.getByTestId("level-request-link")).toHaveAttribute("href", "/approvals/r1");
    expect(screen.getByTestId("level-request")).toBeDisabled();
  });

  it("shows the customer's pending level change with a link to it, and no new request", async () => {
    const seen = fakeApi(() => json({}, 404));
    const pending = { id: "a7", kind: "customer_level_change", title: "t", changes: { level: ["normal", "KA"] }, submitted_at: "2026-11-23T02:00:00Z" };
    renderPage(<LevelRequestButton customerId="c1" level="normal" pending={pending} />, { url: "/customers/c1", path: "/customers/:id", permissions: REP });
    expect(await screen.findByTestId("level-request-pending")).toHaveTextContent("普通 → KA");
    expect(screen.getByTestId("level-request-link")).toHaveAttribute("href", "/approvals/a7");
    expect(screen.getByTestId("level-request")).toBeDisabled();
    expect(seen).toHaveLength(0);
  });
});

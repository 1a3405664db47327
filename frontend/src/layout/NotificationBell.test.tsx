import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { fakeApi, json, renderPage } from "../test/fakeApi";
import { NotificationBell } from "./NotificationBell";

const ITEMS = [
  { id: "n1", kind: "lead_assigned", title: "新线索：甲公司", body: "A 级", entity: "lead", entity_id: "L1", read_at: null, created_at: "2024-05-02T08:00:00Z" },
  { id: "n2", kind: "lead_import", title: "导入完成", body: null, entity: "lead_import", entity_id: "I1", read_at: null, created_at: "2024-05-01T08:00:00Z" },
  { id: "n3", kind: "lead_recycled", title: "旧通知", body: null, entity: "lead", entity_id: "L3", read_at: "2024-05-01T09:00:00Z", created_at: "2024-04-30T08:00:00Z" },
];

function server(unread = 2) {
  return fakeApi((req) => {
    if (req.path === "/notifications/unread-count") return json({ unread });
    if (req.path === "/notifications") return json({ items: ITEMS, next_cursor: null });
    if (req.path === "/notifications/read") return json({ marked: 1 });
    return json({ title: "Not found", status: 404 }, 404);
  });
}

function renderBell() {
  return renderPage(<NotificationBell />, { url: "/customers", path: "/customers", permissions: {} });
}

describe("NotificationBell", () => {
  afterEach(() => vi.unstubAllGlobals());

  it("shows the unread count and lists the latest ten, unread in bold", async () => {
    const seen = server(2);
    renderBell();
    expect(await screen.findByTestId("notification-count")).toHaveTextContent("2");
    fireEvent.click(screen.getByTestId("notification-bell"));
    const items = await screen.findAllByTestId("notification-item");
    expect(items.map((i) => i.getAttribute("data-id"))).toEqual(["n1", "n2", "n3"]);
    expect(within(items[0]!).getByText("新线索：甲公司")).toHaveStyle({ fontWeight: "600" });
    expect(within(items[2]!).getByText("旧通知")).toHaveStyle({ fontWeight: "400" });
    expect(seen.find((s) => s.path === "/notifications")?.query.get("limit")).toBe("10");
  });

  it("has no count when everything is read", async () => {
    const seen = server(0);
    renderBell();
    await waitFor(() => expect(seen.some((s) => s.path === "/notifications/unread-count")).toBe(true));
    expect(screen.queryByTestId("notification-count")).toBeNull();
  });

  it("opens a lead notification's lead and marks it read", async () => {
    const seen = server(2);
    const { where } = renderBell();
    fireEvent.click(await screen.findByTestId("notification-bell"));
    const items = await screen.findAllByTestId("notification-item");
    fireEvent.click(items[0]!);
    await waitFor(() => expect(where()).toBe("/leads/L1"));
    await waitFor(() => expect(seen.some((s) => s.path === "/notifications/read")).toBe(true));
    const read = seen.find((s) => s.path === "/notifications/read")!;
    expect(read.method).toBe("POST");
    expect(JSON.parse(read.body)).toEqual({ ids: ["n1"] });
  });

  it("marks everything read with an empty body", async () => {
    const seen = server(2);
    const { where } = renderBell();
    fireEvent.click(await screen.findByTestId("notification-bell"));
    await screen.findAllByTestId("notification-item");
    fireEvent.click(screen.getByTestId("notification-read-all"));
    await waitFor(() => expect(seen.some((s) => s.path === "/notifications/read")).toBe(true));
    expect(JSON.parse(seen.find((s) => s.path === "/notifications/read")!.body)).toEqual({});
    expect(where()).toBe("/customers");
    // the count is asked again afterwards
    await waitFor(() => expect(seen.filter((s) => s.path === "/notifications/unread-count").length).toBeGreaterThan(1));
  });

  it("links to the full inbox", async () => {
    server(2);
    const { where } = renderBell();
    fireEvent.click(await screen.findByTestId("notification-bell"));
    const link = await screen.findByTestId("notification-view-all");
    expect(link).toHaveTextContent("查看全部");
    expect(link).toHaveAttribute("href", "/notifications");
    fireEvent.click(link);
    await waitFor(() => expect(where()).toBe("/notifications"));
  });
});

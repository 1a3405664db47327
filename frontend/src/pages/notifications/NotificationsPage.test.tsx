import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Notification } from "../../api/types";
import { NotificationBell } from "../../layout/NotificationBell";
import { fakeApi, json, renderPage, type Seen } from "../../test/fakeApi";
import { NotificationsPage } from "./NotificationsPage";

const N1: Notification = { id: "n1", kind: "lead_assigned", title: "新线索：甲公司", body: "A 级", entity: "lead", entity_id: "L1", read_at: null, created_at: "2024-05-02T08:00:00Z" };
const N2: Notification = { id: "n2", kind: "customer_recycled", title: "客户已回收", body: null, entity: "customer", entity_id: "C2", read_at: null, created_at: "2024-05-01T20:30:00Z" };
const N3: Notification = { id: "n3", kind: "mystery_kind", title: "旧通知", body: null, entity: null, entity_id: null, read_at: "2024-05-01T09:00:00Z", created_at: "2024-04-30T08:00:00Z" };
const N4: Notification = { id: "n4", kind: "lead_recycled", title: "更早的通知", body: null, entity: "lead", entity_id: "L4", read_at: "2024-04-20T09:00:00Z", created_at: "2024-04-20T08:00:00Z" };

/** A fake inbox: page one (n1–n3, next cursor "c1"), page two (n4); marking read updates the store. */
function server() {
  const items = [N1, N2, N3, N4].map((n) => ({ ...n }));
  return fakeApi((req: Seen) => {
    const unread = items.filter((n) => !n.read_at);
    if (req.path === "/notifications/unread-count") return json({ unread: unread.length });
    if (req.path === "/notifications") {
      const pool = req.query.get("unread") === "true" ? unread : items;
      if (req.query.get("cursor") === "c1") return json({ items: pool.slice(3), next_cursor: null });
      return json({ items: pool.slice(0, 3), next_cursor: pool.length > 3 ? "c1" : null });
    }
    if (req.path === "/notifications/read" && req.method === "POST") {
      const ids: string[] | undefined = JSON.parse(req.body).ids;
      let marked = 0;
      for (const n of items) {
        if (!n.read_at && (!ids || ids.includes(n.id))) {
          n.read_at = "2024-05-03T00:00:00Z";
          marked += 1;
        }
      }
      return json({ marked });
    }
    return json({ title: "Not found", status: 404 }, 404);
  });
}

function renderInbox(url = "/notifications", withBell = false) {
  return renderPage(
    <>
      {withBell && <NotificationBell />}
      <NotificationsPage />
    </>,
    { url, path: "/notifications", permissions: {} },
  );
}

const lists = (seen: Seen[]) => seen.filter((s) => s.path === "/notifications");

describe("NotificationsPage", () => {
  afterEach(() => vi.unstubAllGlobals());

  it("lists notifications with kind labels, China time, links and unread rows highlighted", async () => {
    const seen = server();
    renderInbox();
    const rows = await screen.findAllByTestId("notification-row");
    expect(rows.map((r) => r.getAttribute("data-row-key"))).toEqual(["n1", "n2", "n3"]);
    expect(rows.map((r) => r.getAttribute("data-unread"))).toEqual(["true", "true", "false"]);
    expect(within(rows[0]!).getByTestId("notification-kind")).toHaveTextContent("线索分配");
    expect(within(rows[2]!).getByTestId("notification-kind")).toHaveTextContent("mystery_kind");
    // 20:30 UTC is 04:30 the next day in China
    expect(within(rows[1]!).getByTestId("notification-time")).toHaveTextContent("2024-05-02 04:30");
    expect(within(rows[0]!).getByTestId("notification-link")).toHaveAttribute("href", "/leads/L1");
    expect(within(rows[1]!).getByTestId("notification-link")).toHaveAttribute("href", "/customers/C2");
    expect(within(rows[2]!).queryByTestId("notification-link")).toBeNull();
    expect(within(rows[2]!).queryByTestId("notification-mark-read")).toBeNull();
    expect(lists(seen)[0]!.query.get("unread")).toBeNull();
    expect(await screen.findByTestId("notifications-mark-all")).toHaveTextContent("（2）");
  });

  it("the unread tab is in the URL and asks the server for unread only", async () => {
    const seen = server();
    const { where } = renderInbox();
    await screen.findAllByTestId("notification-row");
    fireEvent.click(screen.getByTestId("notifications-tab-unread"));
    await waitFor(() => expect(where()).toBe("/notifications?tab=unread"));
    await waitFor(() => expect(lists(seen).some((s) => s.query.get("unread") === "true")).toBe(true));
    await waitFor(() => expect(screen.getAllByTestId("notification-row").map((r) => r.getAttribute("data-row-key"))).toEqual(["n1", "n2"]));
  });

  it("opens at ?tab=unread", async () => {
    const seen = server();
    renderInbox("/notifications?tab=unread");
    await screen.findAllByTestId("notification-row");
    expect(lists(seen).every((s) => s.query.get("unread") === "true")).toBe(true);
  });

  it("marks all read with an empty body, and the bell's badge follows", async () => {
    const seen = server();
    renderInbox("/notifications", true);
    expect(await screen.findByTestId("notification-count")).toHaveTextContent("2");
    await screen.findAllByTestId("notification-row");
    const countsBefore = seen.filter((s) => s.path === "/notifications/unread-count").length;
    fireEvent.click(screen.getByTestId("notifications-mark-all"));
    await waitFor(() => expect(seen.some((s) => s.path === "/notifications/read")).toBe(true));
    const post = seen.find((s) => s.path === "/notifications/read")!;
    expect(post.method).toBe("POST");
    expect(JSON.parse(post.body)).toEqual({});
    await waitFor(() => expect(seen.filter((s) => s.path === "/notifications/unread-count").length).toBeGreaterThan(countsBefore));
    await waitFor(() => expect(screen.queryByTestId("notification-count")).toBeNull());
    await waitFor(() => expect(screen.getAllByTestId("notification-row").every((r) => r.getAttribute("data-unread") === "false")).toBe(true));
  });

  it("marks one row, and the selected rows, read by id", async () => {
    const seen = server();
    renderInbox();
    const rows = await screen.findAllByTestId("notification-row");
    fireEvent.click(within(rows[1]!).getByTestId("notification-mark-read"));
    await waitFor(() => expect(seen.filter((s) => s.path === "/notifications/read")).toHaveLength(1));
    expect(JSON.parse(seen.find((s) => s.path === "/notifications/read")!.body)).toEqual({ ids: ["n2"] });
    await waitFor(() => expect(screen.getAllByTestId("notification-row")[1]).toHaveAttribute("data-unread", "false"));

    const first = screen.getAllByTestId("notification-row")[0]!;
    fireEvent.click(within(first).getByRole("checkbox"));
    const selectedBtn = screen.getByTestId("notifications-mark-selected");
    await waitFor(() => expect(selectedBtn).toBeEnabled());
    fireEvent.click(selectedBtn);
    await waitFor(() => expect(seen.filter((s) => s.path === "/notifications/read")).toHaveLength(2));
    expect(JSON.parse(seen.filter((s) => s.path === "/notifications/read")[1]!.body)).toEqual({ ids: ["n1"] });
  });

  it("loads more with the next cursor", async () => {
    const seen = server();
    renderInbox();
    await screen.findAllByTestId("notification-row");
    fireEvent.click(screen.getByTestId("notifications-more"));
    await waitFor(() => expect(screen.getAllByTestId("notification-row")).toHaveLength(4));
    expect(lists(seen).some((s) => s.query.get("cursor") === "c1")).toBe(true);
    expect(screen.queryByTestId("notifications-more")).toBeNull();
  });

  it("filters the loaded notifications by kind, kept in the URL", async () => {
    server();
    renderInbox("/notifications?kind=customer_recycled");
    await waitFor(() => expect(screen.getAllByTestId("notification-row").map((r) => r.getAttribute("data-row-key"))).toEqual(["n2"]));
    expect(screen.getByTestId("notifications-kind-hint")).toBeInTheDocument();
  });
});

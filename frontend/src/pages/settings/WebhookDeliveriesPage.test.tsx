import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import { App as AntApp } from "antd";
import { afterEach, describe, expect, it, vi } from "vitest";
import { fakeApi, json, renderPage } from "../../test/fakeApi";
import { WebhookDeliveriesPage } from "./WebhookDeliveriesPage";
import type { Webhook, WebhookDelivery, WebhookDeliveryDetail } from "./webhooks";

const HOOK: Webhook = {
  id: "w1",
  name: "ERP",
  url: "https://erp.example.com/hooks",
  event_types: ["*"],
  description: null,
  is_active: true,
  created_at: "2026-11-20T08:00:00Z",
  updated_at: "2026-11-20T08:00:00Z",
  version: 3,
  pending: 0,
  failed: 1,
  delivered_24h: 4,
  last_delivered_at: "2026-11-23T09:30:00Z",
};

const FAILED: WebhookDelivery = {
  id: "d1",
  event_id: "e1",
  event_type: "customer.claimed",
  status: "failed",
  attempts: 10,
  next_attempt_at: null,
  last_status_code: 500,
  last_error: "HTTP 500",
  delivered_at: null,
  created_at: "2026-11-23T08:00:00Z",
};

const DETAIL: WebhookDeliveryDetail = {
  ...FAILED,
  payload: { id: "e1", type: "customer.claimed", occurred_at: "2026-11-23T08:00:00+00:00", data: { customer_id: "c42", owner_id: "u7" } },
  attempt_log: [
    { attempt: 1, at: "2026-11-23T08:00:01Z", status_code: 500, error: "HTTP 500", duration_ms: 120, response_body: "upstream exploded", manual: false },
    { attempt: 2, at: "2026-11-23T08:01:01Z", status_code: null, error: "ConnectTimeout", duration_ms: 10000, response_body: null, manual: true },
  ],
};

function server() {
  return fakeApi((req) => {
    if (req.path === "/webhooks/event-types") return json({ items: [{ type: "customer.claimed", description: "客户被领取 / claimed" }] });
    if (req.path === "/webhooks/w1") return json(HOOK);
    if (req.path === "/webhooks/w1/deliveries") {
      return req.query.get("cursor")
        ? json({ items: [{ ...FAILED, id: "d2", event_id: "e2", event_type: "lead.created" }], next_cursor: null })
        : json({ items: [FAILED], next_cursor: "c1" });
    }
    if (req.path === "/webhooks/w1/deliveries/d1" && req.method === "GET") return json(DETAIL);
    if (req.path === "/webhooks/w1/deliveries/d1/redeliver" && req.method === "POST") {
      return json({ ...DETAIL, status: "pending", attempts: 0 }, 202);
    }
    return json({ status: 404, title: "Not found" }, 404);
  });
}

function open(url: string, permissions: Record<string, Record<string, string>>) {
  return renderPage(
    <AntApp>
      <WebhookDeliveriesPage />
    </AntApp>,
    { url, path: "/settings/webhooks/:id", permissions },
  );
}

describe("WebhookDeliveriesPage", () => {
  afterEach(() => vi.unstubAllGlobals());

  it("filters from the URL, loads more by cursor, and redelivers from the opened row", async () => {
    const seen = server();
    const { where } = open("/settings/webhooks/w1?status=failed", { webhook: { read: "all", manage: "all" } });
    const row = (await screen.findByText("HTTP 500")).closest("tr")!;
    const list = seen.find((s) => s.path === "/webhooks/w1/deliveries")!;
    expect(list.query.get("status")).toBe("failed");
    expect(list.query.get("event_type")).toBeNull();
    expect(within(row).getByTestId("delivery-status")).toHaveTextContent("失败");
    expect(within(row).getByText("500")).toBeInTheDocument();

    fireEvent.click(screen.getByTestId("delivery-load-more"));
    expect(await screen.findByText("lead.created")).toBeInTheDocument();
    const more = seen.filter((s) => s.path === "/webhooks/w1/deliveries").at(-1)!;
    expect(more.query.get("cursor")).toBe("c1");
    expect(more.query.get("status")).toBe("failed");

    fireEvent.click(within(row).getByText("customer.claimed"));
    const detail = await screen.findByTestId("delivery-detail");
    await waitFor(() => expect(where()).toBe("/settings/webhooks/w1?status=failed&delivery=d1"));
    const attempts = within(detail).getByTestId("delivery-attempts");
    expect(within(attempts).getByText("upstream exploded")).toBeInTheDocument();
    expect(within(attempts).getByText("ConnectTimeout")).toBeInTheDocument();
    expect(within(attempts).getByText("10000 ms")).toBeInTheDocument();
    expect(within(attempts).getByText("手动重发")).toBeInTheDocument();
    expect(within(detail).getByTestId("delivery-payload")).toHaveTextContent('"customer_id": "c42"');

    fireEvent.click(within(detail).getByTestId("delivery-redeliver"));
    await waitFor(() => expect(seen.some((s) => s.method === "POST")).toBe(true));
    const post = seen.find((s) => s.method === "POST")!;
    expect(post.path).toBe("/webhooks/w1/deliveries/d1/redeliver");
    expect(await screen.findByText("已重新排队投递")).toBeInTheDocument();
  });

  it("opens the row named in the URL and hides redeliver without manage", async () => {
    server();
    open("/settings/webhooks/w1?delivery=d1", { webhook: { read: "all" } });
    const detail = await screen.findByTestId("delivery-detail");
    expect(within(detail).getByText("upstream exploded")).toBeInTheDocument();
    expect(within(detail).queryByTestId("delivery-redeliver")).toBeNull();
  });
});

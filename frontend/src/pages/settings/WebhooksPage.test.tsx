import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import { App as AntApp } from "antd";
import { afterEach, describe, expect, it, vi } from "vitest";
import { fakeApi, json, renderPage, type Seen } from "../../test/fakeApi";
import { WebhooksPage } from "./WebhooksPage";
import { normalizeEventTypes, type Webhook } from "./webhooks";

const HOOK: Webhook = {
  id: "w1",
  name: "ERP",
  url: "https://erp.example.com/hooks",
  event_types: ["customer.claimed", "lead.created"],
  description: null,
  is_active: true,
  created_at: "2026-11-20T08:00:00Z",
  updated_at: "2026-11-20T08:00:00Z",
  version: 3,
  pending: 2,
  failed: 1,
  delivered_24h: 17,
  last_delivered_at: "2026-11-23T09:30:00Z",
};

const EVENTS = [
  { type: "customer.claimed", description: "客户被领取 / a rep claimed a customer from the pool" },
  { type: "lead.created", description: "新线索 / a lead came in (API, form or import)" },
];

const MANAGE = { webhook: { read: "all", manage: "all" } };
const SECRET = "whsec_5f2b9c0e7d1a4b6c8e0f";

function server(opts: { hooks?: () => Webhook[]; write?: (req: Seen) => Response } = {}) {
  return fakeApi((req) => {
    if (req.method !== "GET" && opts.write) return opts.write(req);
    if (req.path === "/webhooks/event-types") return json({ items: EVENTS });
    if (req.path === "/webhooks") return json({ items: opts.hooks ? opts.hooks() : [HOOK] });
    return json({ status: 404, title: "Not found" }, 404);
  });
}

function open(permissions: Record<string, Record<string, string>> = MANAGE) {
  return renderPage(
    <AntApp>
      <WebhooksPage />
    </AntApp>,
    { url: "/settings/webhooks", path: "/settings/webhooks", permissions },
  );
}

describe("normalizeEventTypes", () => {
  it("keeps 'all events' alone", () => {
    expect(normalizeEventTypes(["lead.created", "*"], ["lead.created"])).toEqual(["*"]);
    expect(normalizeEventTypes(["*", "lead.created"], ["*"])).toEqual(["lead.created"]);
    expect(normalizeEventTypes(["lead.created"], [])).toEqual(["lead.created"]);
  });
});

describe("WebhooksPage", () => {
  afterEach(() => vi.unstubAllGlobals());

  it("lists subscriptions with their event types and health, read-only without manage", async () => {
    server();
    open({ webhook: { read: "all" } });
    const row = await screen.findByText("ERP");
    const tr = row.closest("tr")!;
    expect(within(tr).getByText("customer.claimed")).toBeInTheDocument();
    expect(within(tr).getByTestId("webhook-pending")).toHaveTextContent("待投递 2");
    expect(within(tr).getByTestId("webhook-failed")).toHaveTextContent("失败 1");
    expect(within(tr).getByTestId("webhook-delivered")).toHaveTextContent("24 小时成功 17");
    expect(within(tr).getByTestId("webhook-toggle")).toBeDisabled();
    expect(screen.queryByTestId("webhook-create")).toBeNull();
    expect(screen.queryByTestId("webhook-delete")).toBeNull();
  });

  it("creates a subscription and shows its secret once", async () => {
    let hooks: Webhook[] = [];
    const seen = server({
      hooks: () => hooks,
      write: (req) => {
        const body = JSON.parse(req.body) as Partial<Webhook>;
        const created = { ...HOOK, id: "w2", ...body, pending: 0, failed: 0, delivered_24h: 0, last_delivered_at: null, version: 1 };
        hooks = [created as Webhook];
        return json({ ...created, secret: SECRET }, 201);
      },
    });
    open();
    expect(await screen.findByText("还没有 Webhook 订阅")).toBeInTheDocument();
    fireEvent.click(screen.getByTestId("webhook-create"));
    fireEvent.change(await screen.findByTestId("webhook-name"), { target: { value: "Data warehouse" } });
    fireEvent.change(screen.getByTestId("webhook-url"), { target: { value: "https://dw.example.com/in" } });
    fireEvent.click(screen.getByTestId("webhook-save"));

    await waitFor(() => expect(seen.some((s) => s.method === "POST")).toBe(true));
    const post = seen.find((s) => s.method === "POST")!;
    expect(post.path).toBe("/webhooks");
    expect(JSON.parse(post.body)).toEqual({
      name: "Data warehouse",
      url: "https://dw.example.com/in",
      event_types: ["*"],
      description: null,
      is_active: true,
    });

    expect(await screen.findByTestId("webhook-secret")).toHaveTextContent(SECRET);
    expect(screen.getByText("密钥只显示这一次，请立即复制并妥善保存；丢失后只能重新生成。")).toBeInTheDocument();
    expect(screen.getByTestId("webhook-recipe")).toHaveTextContent("X-CRM-Signature: t=<unix>,v1=<hex>");
    expect(screen.getByTestId("webhook-recipe")).toHaveTextContent("X-CRM-Event-Id");
    // the new row comes from the list, which never carries the secret
    expect(await screen.findByText("Data warehouse")).toBeInTheDocument();

    fireEvent.click(screen.getByTestId("webhook-secret-done"));
    await waitFor(() => expect(screen.queryByText(SECRET)).toBeNull());
    expect(screen.getByText("Data warehouse")).toBeInTheDocument();
    expect(screen.getByText("全部事件")).toBeInTheDocument();
  });

  it("shows a 422 field error under the URL field", async () => {
    server({
      write: () =>
        json(
          {
            type: "about:blank",
            title: "Validation failed",
            status: 422,
            detail: "url: the URL must start with http:// or https://",
            errors: [{ field: "body.url", message: "the URL must start with http:// or https://" }],
          },
          422,
        ),
    });
    open();
    fireEvent.click(await screen.findByTestId("webhook-create"));
    fireEvent.change(await screen.findByTestId("webhook-name"), { target: { value: "Bad" } });
    fireEvent.change(screen.getByTestId("webhook-url"), { target: { value: "ftp://nope.example" } });
    fireEvent.click(screen.getByTestId("webhook-save"));

    const error = await screen.findByText("the URL must start with http:// or https://");
    const item = screen.getByTestId("webhook-url").closest(".ant-form-item")!;
    expect(item).toContainElement(error);
    expect(screen.queryByTestId("webhook-secret")).toBeNull();
  });

  it("edits with If-Match and, on a stale version, says so and reloads", async () => {
    let gets = 0;
    const seen = fakeApi((req) => {
      if (req.method === "PATCH") return json({ status: 412, title: "Precondition failed" }, 412);
      if (req.path === "/webhooks/event-types") return json({ items: EVENTS });
      if (req.path === "/webhooks") {
        gets += 1;
        return json({ items: [HOOK] });
      }
      return json({ status: 404 }, 404);
    });
    open();
    fireEvent.click(await screen.findByTestId("webhook-edit"));
    fireEvent.change(await screen.findByTestId("webhook-name"), { target: { value: "ERP 2" } });
    fireEvent.click(screen.getByTestId("webhook-save"));

    await waitFor(() => expect(seen.some((s) => s.method === "PATCH")).toBe(true));
    const patch = seen.find((s) => s.method === "PATCH")!;
    expect(patch.path).toBe("/webhooks/w1");
    expect(patch.headers.get("If-Match")).toBe('"3"');
    expect(JSON.parse(patch.body)).toMatchObject({ name: "ERP 2", event_types: ["customer.claimed", "lead.created"] });
    expect(await screen.findByText("该订阅已被他人修改，已重新加载最新内容，请再试一次。")).toBeInTheDocument();
    await waitFor(() => expect(gets).toBeGreaterThan(1));
  });

  it("sends a test and deletes after confirming", async () => {
    const seen = server({
      write: (req) =>
        req.method === "DELETE"
          ? new Response(null, { status: 204 })
          : json({ id: "d9", event_id: "e9", event_type: "webhook.ping", status: "pending", attempts: 0, next_attempt_at: null, last_status_code: null, last_error: null, delivered_at: null, created_at: "2026-11-23T10:00:00Z" }, 202),
    });
    open();
    fireEvent.click(await screen.findByTestId("webhook-test"));
    await waitFor(() => expect(seen.some((s) => s.method === "POST" && s.path === "/webhooks/w1/test")).toBe(true));

    fireEvent.click(screen.getByTestId("webhook-delete"));
    const ok = await waitFor(() => {
      const button = document.querySelector<HTMLElement>(".ant-popconfirm .ant-btn-primary");
      expect(button).not.toBeNull();
      return button!;
    });
    fireEvent.click(ok);
    await waitFor(() => expect(seen.some((s) => s.method === "DELETE")).toBe(true));
    const del = seen.find((s) => s.method === "DELETE")!;
    expect(del.path).toBe("/webhooks/w1");
    expect(del.headers.get("If-Match")).toBe('"3"');
  });
});

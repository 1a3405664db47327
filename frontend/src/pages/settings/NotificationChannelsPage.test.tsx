import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import { App as AntApp } from "antd";
import { afterEach, describe, expect, it, vi } from "vitest";
import { fakeApi, json, renderPage, type Seen } from "../../test/fakeApi";
import { NotificationChannelsPage } from "./NotificationChannelsPage";
import { formToChannelBody, type MessageChannel } from "./webhooks";

const EMAIL: MessageChannel = {
  code: "email",
  is_enabled: true,
  kinds: ["lead_assigned"],
  config: { host: "smtp.example.com", port: 465, sender: "CRM <crm@example.com>", security: "ssl", password: "********" },
  fields: {
    host: "SMTP server",
    port: "SMTP port (465: SSL, 587: STARTTLS, 25: plain)",
    username: "SMTP user (optional)",
    password: "SMTP password (write-only)",
    sender: "From address, e.g. CRM <crm@example.com>",
    security: "ssl | starttls | none",
  },
};
const SMS: MessageChannel = {
  code: "sms",
  is_enabled: false,
  kinds: [],
  config: { url: "https://sms.example.com/send", api_key: "********" },
  fields: { url: "gateway URL", api_key: "bearer key (write-only)", sign_name: "短信签名" },
};
const LOG: MessageChannel = { code: "log", is_enabled: true, kinds: [], config: {}, fields: {} };

const ADMIN = { setting: { read: "all", update: "all" } };

function server() {
  return fakeApi((req: Seen) => {
    if (req.path === "/settings/message-channels") return json({ items: [SMS, EMAIL, LOG] });
    if (req.method === "PUT" && req.path.startsWith("/settings/message-channels/")) {
      const code = req.path.split("/").at(-1);
      const channel = [SMS, EMAIL, LOG].find((c) => c.code === code)!;
      return json({ ...channel, is_enabled: true });
    }
    if (req.method === "POST") return json({ status: "queued" }, 202);
    if (req.path === "/message-deliveries") {
      return json({
        items: [
          {
            id: "m1",
            channel: "email",
            status: "failed",
            attempts: 3,
            last_error: "SMTP: connection refused",
            delivered_at: null,
            created_at: "2026-11-23T08:00:00Z",
            user_id: "u1",
            user_name: "Rep",
            kind: "lead_assigned",
            title: "新线索分配给您",
          },
        ],
        next_cursor: null,
      });
    }
    return json({ status: 404, title: "Not found" }, 404);
  });
}

function open(permissions: Record<string, Record<string, string>> = ADMIN) {
  return renderPage(
    <AntApp>
      <NotificationChannelsPage />
    </AntApp>,
    { url: "/settings/notification-channels", path: "/settings/notification-channels", permissions },
  );
}

const puts = (seen: Seen[]) => seen.filter((s) => s.method === "PUT");

describe("formToChannelBody", () => {
  it("keeps an untouched secret, sends a typed one, removes a cleared one", () => {
    const values = { is_enabled: true, kinds: [], config: { host: "smtp.example.com", port: "587", sender: "", security: "ssl", password: "", username: "" } };
    expect(formToChannelBody(EMAIL, values).config).toEqual({ host: "smtp.example.com", port: 587, sender: null, security: "ssl", password: "********" });
    expect(formToChannelBody(EMAIL, { ...values, config: { ...values.config, password: "s3cret" } }).config?.password).toBe("s3cret");
    expect(formToChannelBody(EMAIL, values, new Set(["password"])).config?.password).toBeNull();
  });
});

describe("NotificationChannelsPage", () => {
  afterEach(() => vi.unstubAllGlobals());

  it("sends ******** back for an untouched secret and the new value when typed", async () => {
    const seen = server();
    open();
    const email = await screen.findByTestId("channel-card-email");
    const password = within(email).getByTestId("channel-email-password");
    expect(password).toHaveValue("");
    expect(password).toHaveAttribute("placeholder", "已设置（留空则保持不变）");
    expect(password).toHaveAttribute("type", "password");
    expect(within(email).getByTestId("channel-email-port")).toHaveValue("465");

    fireEvent.click(within(email).getByTestId("channel-email-save"));
    await waitFor(() => expect(puts(seen)).toHaveLength(1));
    expect(puts(seen)[0].path).toBe("/settings/message-channels/email");
    expect(JSON.parse(puts(seen)[0].body)).toEqual({
      is_enabled: true,
      kinds: ["lead_assigned"],
      config: { host: "smtp.example.com", port: 465, sender: "CRM <crm@example.com>", security: "ssl", password: "********" },
    });

    const sms = screen.getByTestId("channel-card-sms");
    fireEvent.click(within(sms).getByTestId("channel-sms-enabled"));
    fireEvent.change(within(sms).getByTestId("channel-sms-api_key"), { target: { value: "new-bearer-key" } });
    fireEvent.change(within(sms).getByTestId("channel-sms-sign_name"), { target: { value: "【某某科技】" } });
    fireEvent.click(within(sms).getByTestId("channel-sms-save"));
    await waitFor(() => expect(puts(seen)).toHaveLength(2));
    expect(puts(seen)[1].path).toBe("/settings/message-channels/sms");
    expect(JSON.parse(puts(seen)[1].body)).toEqual({
      is_enabled: true,
      kinds: [],
      config: { url: "https://sms.example.com/send", api_key: "new-bearer-key", sign_name: "【某某科技】" },
    });
  });

  it("sends a test message and shows the message log", async () => {
    const seen = server();
    open();
    const log = await screen.findByTestId("message-log");
    expect(await within(log).findByText("SMTP: connection refused")).toBeInTheDocument();
    expect(within(log).getByText("线索分配")).toBeInTheDocument();
    fireEvent.click(within(screen.getByTestId("channel-card-log")).getByTestId("channel-log-test"));
    await waitFor(() => expect(seen.some((s) => s.method === "POST" && s.path === "/settings/message-channels/log/test")).toBe(true));
    expect(await screen.findByText("测试消息已排队，请在下方发送记录中查看结果")).toBeInTheDocument();
  });

  it("is read-only without setting:update", async () => {
    server();
    open({ setting: { read: "all" } });
    const email = await screen.findByTestId("channel-card-email");
    expect(within(email).getByTestId("channel-email-host")).toBeDisabled();
    expect(within(email).queryByTestId("channel-email-save")).toBeNull();
    expect(within(email).queryByTestId("channel-email-test")).toBeNull();
  });
});

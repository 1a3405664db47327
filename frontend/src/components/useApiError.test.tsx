import { act, render, screen, waitFor } from "@testing-library/react";
import { App as AntApp, Form, Input } from "antd";
import { describe, expect, it } from "vitest";
import { ApiError } from "../api/problem";
import { useApiError } from "./useApiError";

function Harness({ error, onReady }: { error: ApiError; onReady: (fire: () => void) => void }) {
  const [form] = Form.useForm();
  const report = useApiError();
  onReady(() => report(error, { form, aliases: { province_code: ["region"] } }));
  return (
    <Form form={form} initialValues={{ contacts: [{ name: "A", mobile: "" }] }}>
      <Form.Item name="name" label="name">
        <Input />
      </Form.Item>
      <Form.Item name="region" label="region">
        <Input />
      </Form.Item>
      <Form.List name="contacts">
        {(fields) =>
          fields.map((f) => (
            <Form.Item key={f.key} name={[f.name, "mobile"]} label="mobile">
              <Input />
            </Form.Item>
          ))
        }
      </Form.List>
    </Form>
  );
}

describe("useApiError", () => {
  it("puts problem+json field errors on the matching Ant Design form fields", async () => {
    const error = new ApiError({
      status: 422,
      title: "Validation failed",
      errors: [
        { field: "body.name", message: "名称不能为空" },
        { field: "contacts.0.mobile", message: "手机号格式错误" },
        { field: "province_code", message: "未知省份" },
      ],
    });
    let fire = () => undefined as void;
    render(
      <AntApp>
        <Harness error={error} onReady={(f) => (fire = f)} />
      </AntApp>,
    );
    act(() => fire());
    await waitFor(() => expect(screen.getByText("名称不能为空")).toBeInTheDocument());
    expect(screen.getByText("手机号格式错误")).toBeInTheDocument();
    expect(screen.getByText("未知省份")).toBeInTheDocument();
  });

  it("shows errors for unknown fields as a message", async () => {
    const error = new ApiError({ status: 422, title: "Validation failed", errors: [{ field: "owner_id", message: "not allowed" }] });
    let fire = () => undefined as void;
    render(
      <AntApp>
        <Harness error={error} onReady={(f) => (fire = f)} />
      </AntApp>,
    );
    act(() => fire());
    await waitFor(() => expect(screen.getByText(/owner_id: not allowed/)).toBeInTheDocument());
  });
});

function MessageHarness({ error, onReady }: { error: ApiError; onReady: (fire: () => void) => void }) {
  const report = useApiError();
  onReady(() => report(error));
  return null;
}

async function messageFor(error: ApiError): Promise<string> {
  let fire = () => undefined as void;
  render(
    <AntApp>
      <MessageHarness error={error} onReady={(f) => (fire = f)} />
    </AntApp>,
  );
  act(() => fire());
  const notice = await waitFor(() => {
    const el = document.querySelector(".ant-message-notice-content");
    if (!el) throw new Error("no message yet");
    return el;
  });
  return notice.textContent ?? "";
}

describe("useApiError messages", () => {
  it("says why a 403 was refused (e.g. assigning roles without role:manage)", async () => {
    const text = await messageFor(
      new ApiError({ status: 403, title: "Forbidden", detail: "Assigning roles needs the role/manage permission" }),
    );
    expect(text).toContain("没有权限执行该操作");
    expect(text).toContain("Assigning roles needs the role/manage permission");
  });

  it("shows a rule violation's detail rather than its field list", async () => {
    const text = await messageFor(
      new ApiError({
        status: 422,
        title: "Not allowed by a business rule",
        detail: "The admin role must keep role/manage",
        errors: [{ field: "policies", message: "admin must keep role/manage" }],
      }),
    );
    expect(text).toBe("The admin role must keep role/manage");
  });

  it("lists validation errors once (their detail repeats them)", async () => {
    const text = await messageFor(
      new ApiError({
        status: 422,
        title: "Invalid input",
        detail: "sort: must be one of name",
        errors: [{ field: "sort", message: "must be one of name" }],
      }),
    );
    expect(text).toBe("Invalid input；sort: must be one of name");
  });
});

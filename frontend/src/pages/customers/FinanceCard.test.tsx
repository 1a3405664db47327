import { fireEvent, screen, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Customer } from "../../api/types";
import { fakeApi, json, renderPage } from "../../test/fakeApi";
import { CustomerDetailPage } from "./CustomerDetailPage";
import { FinanceCard } from "./FinanceCard";

const CUSTOMER = {
  id: "c1",
  name: "华东精密制造有限公司",
  billing_title: "华东精密制造有限公司",
  tax_number: "91310000MA1FL0XX1X",
  bank_name: "工商银行上海分行",
  bank_account: "622200001111",
  billing_address: null,
  billing_phone: null,
  pending_approvals: [],
} as unknown as Customer;

const REP = { customer: { read: "own", update: "own" } } as const;

function open(customer: Customer, permissions: Record<string, Record<string, string>> = REP) {
  return renderPage(<FinanceCard customer={customer} />, { url: "/customers/c1", path: "/customers/:id", permissions });
}

describe("FinanceCard", () => {
  afterEach(() => vi.unstubAllGlobals());

  it("shows the financial information and asks for a change of the edited fields only, with a reason", async () => {
    const seen = fakeApi((req) => (req.method === "POST" ? json({ id: "a9" }, 201) : json({ status: 404, title: "Not found" }, 404)));
    open(CUSTOMER);
    expect(await screen.findByTestId("finance-value-billing_title")).toHaveTextContent("华东精密制造有限公司");
    expect(screen.getByTestId("finance-value-tax_number")).toHaveTextContent("91310000MA1FL0XX1X");
    expect(screen.getByTestId("finance-card")).toHaveTextContent("开户行");

    fireEvent.click(screen.getByTestId("finance-request"));
    expect(await screen.findByTestId("finance-input-bank_name")).toHaveValue("工商银行上海分行");
    // nothing changed yet: refused before asking the server
    fireEvent.change(screen.getByTestId("finance-reason"), { target: { value: "开户行变更" } });
    fireEvent.click(screen.getByTestId("finance-request-ok"));
    expect(await screen.findByTestId("finance-nothing")).toHaveTextContent("没有修改任何信息");
    expect(seen.some((s) => s.method === "POST")).toBe(false);

    fireEvent.change(screen.getByTestId("finance-input-bank_name"), { target: { value: " 招商银行上海分行 " } });
    fireEvent.change(screen.getByTestId("finance-input-bank_account"), { target: { value: "6222 0000 1111" } }); // the same number
    fireEvent.change(screen.getByTestId("finance-input-billing_address"), { target: { value: "上海市浦东新区" } });
    fireEvent.change(screen.getByTestId("finance-input-billing_title"), { target: { value: "" } }); // cleared
    fireEvent.click(screen.getByTestId("finance-request-ok"));
    await waitFor(() => expect(seen.some((s) => s.method === "POST")).toBe(true));
    const post = seen.find((s) => s.method === "POST")!;
    expect(post.path).toBe("/customers/c1/finance-requests");
    expect(JSON.parse(post.body)).toEqual({ bank_name: "招商银行上海分行", billing_address: "上海市浦东新区", billing_title: "", reason: "开户行变更" });
    expect(await screen.findByText("已提交财务信息变更申请，等待审批")).toBeInTheDocument();
  });

  it("requires a reason", async () => {
    const seen = fakeApi(() => json({ id: "a9" }, 201));
    open(CUSTOMER);
    fireEvent.click(await screen.findByTestId("finance-request"));
    fireEvent.change(await screen.findByTestId("finance-input-bank_name"), { target: { value: "招商银行" } });
    fireEvent.click(screen.getByTestId("finance-request-ok"));
    await waitFor(() => expect(screen.getByTestId("finance-reason").closest(".ant-form-item")).toHaveClass("ant-form-item-has-error"));
    expect(seen.some((s) => s.method === "POST")).toBe(false);
  });

  it("links to the pending request and disables asking again", async () => {
    fakeApi(() => json({}));
    const pending = { ...CUSTOMER, pending_approvals: [{ id: "a5", kind: "customer_finance_change", title: "t", changes: {}, submitted_at: "2026-11-23T02:00:00Z" }] } as Customer;
    open(pending);
    expect(await screen.findByTestId("finance-request")).toBeDisabled();
    expect(screen.getByTestId("finance-pending")).toHaveTextContent("财务信息变更审批中");
    expect(screen.getByRole("link", { name: "查看审批" })).toHaveAttribute("href", "/approvals/a5");
  });

  it("has no request button without customer:update", async () => {
    fakeApi(() => json({}));
    open(CUSTOMER, { customer: { read: "all" } });
    expect(await screen.findByTestId("finance-value-bank_name")).toHaveTextContent("工商银行上海分行");
    expect(screen.queryByTestId("finance-request")).toBeNull();
  });

  it("on the customer's page: lists its pending approvals and disables asking again for their kinds", async () => {
    const detail = {
      ...CUSTOMER,
      kind: "enterprise",
      level: "normal",
      country: "CN",
      owner: { id: "u1", display_name: "Rep" },
      tags: [],
      warnings: [],
      subsidiaries: [],
      protections: [],
      recycle_count: 0,
      contact_count: 0,
      created_at: "2026-11-01T00:00:00Z",
      updated_at: "2026-11-01T00:00:00Z",
      version: 1,
      pending_approvals: [
        { id: "a7", kind: "customer_level_change", title: "t", changes: { level: ["normal", "KA"] }, submitted_at: "2026-11-23T02:00:00Z" },
        { id: "a8", kind: "customer_finance_change", title: "t", changes: { bank_name: ["工商银行上海分行", "招商银行"] }, submitted_at: "2026-11-23T02:00:00Z" },
      ],
    };
    fakeApi((req) => (req.path === "/customers/c1" ? json(detail) : req.path === "/customer-tiers" ? json({ items: [] }) : json({ status: 404, title: "Not found" }, 404)));
    renderPage(<CustomerDetailPage />, { url: "/customers/c1", path: "/customers/:id", permissions: REP });
    const alerts = await screen.findAllByTestId("customer-pending-approval");
    expect(alerts).toHaveLength(2);
    expect(alerts[0]).toHaveTextContent("客户等级变更审批中");
    expect(alerts[1]).toHaveTextContent("客户财务信息变更审批中");
    expect(screen.getAllByRole("link", { name: "查看审批" }).map((a) => a.getAttribute("href"))).toEqual(expect.arrayContaining(["/approvals/a7", "/approvals/a8"]));
    expect(screen.getByTestId("level-request")).toBeDisabled();
    expect(screen.getByTestId("level-request-pending")).toHaveTextContent("普通 → KA");
    expect(screen.getByTestId("finance-request")).toBeDisabled();
  });
});

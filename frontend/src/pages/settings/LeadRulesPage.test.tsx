import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { fakeApi, json, renderPage, type Seen } from "../../test/fakeApi";
import { LeadRulesPage } from "./LeadRulesPage";

const RULES = { max_open_leads_per_rep: 200, default_zone_id: null, recycle_hours: { A: 24, B: 48, C: 72, D: 168 }, max_daily_claims: 20, reclaim_cooldown_days: 7, dedup_keys: ["company_product", "uscc", "mobile", "email"], dedup_window_days: 90 };
const SCORING = {
  field_points: { company_name: 5, contact_name: 5, mobile: 10, email: 3, title: 3, province_code: 4, industry: 3, company_size: 3, product: 4 },
  action_points: { form_submit: 5, call: 5, visit: 10, meeting: 10 },
  action_cap: 40,
  thresholds: { A: 70, B: 45, C: 25, D: 0 },
};

function server(put?: (req: Seen) => Response) {
  return fakeApi((req) => {
    if (req.method === "PUT" && put) return put(req);
    if (req.path === "/settings/lead-rules") return json(RULES);
    if (req.path === "/settings/lead-scoring") return json(SCORING);
    if (req.path === "/sales-zones") return json({ items: [{ id: "z1", name: "华东战区" }], next_cursor: null });
    return json({ status: 404, title: "Not found" }, 404);
  });
}

const ADMIN = { setting: { read: "all", update: "all" }, sales_zone: { read: "all" } };

describe("LeadRulesPage", () => {
  afterEach(() => vi.unstubAllGlobals());

  it("is read-only without setting:update", async () => {
    server();
    renderPage(<LeadRulesPage />, { url: "/settings/lead-rules", path: "/settings/lead-rules", permissions: { setting: { read: "all" } } });
    await waitFor(() => expect(screen.getByTestId("lead-rules-max-open")).toHaveValue("200"));
    expect(screen.getByTestId("lead-rules-max-open")).toBeDisabled();
    expect(screen.getByTestId("scoring-threshold-A")).toBeDisabled();
    expect(screen.queryByTestId("lead-rules-save")).toBeNull();
    expect(screen.queryByTestId("lead-scoring-save")).toBeNull();
  });

  it("previews an example lead's score live from the numbers being edited", async () => {
    server();
    renderPage(<LeadRulesPage />, { url: "/settings/lead-rules", path: "/settings/lead-rules", permissions: ADMIN });
    const preview = await screen.findByTestId("lead-scoring-preview");
    // the example: channel 20, company + contact + mobile (20), one call (5)
    await waitFor(() => expect(preview).toHaveTextContent("B：渠道 20 + 完整度 20 + 行为 5 = 45"));
    fireEvent.change(screen.getByTestId("scoring-field-mobile"), { target: { value: "40" } });
    await waitFor(() => expect(preview).toHaveTextContent("A：渠道 20 + 完整度 50 + 行为 5 = 75"));
    fireEvent.change(screen.getByTestId("scoring-example-channel"), { target: { value: "0" } });
    await waitFor(() => expect(preview).toHaveAttribute("data-total", "55"));
    expect(preview).toHaveAttribute("data-grade", "B");
  });

  it("saves the lead rules and shows the server's field errors on their fields", async () => {
    const seen = server((req) =>
      req.path === "/settings/lead-rules"
        ? json({ title: "Invalid input", status: 422, errors: [{ field: "body.recycle_hours.B", message: "must be at most 2160" }] }, 422)
        : json(SCORING),
    );
    renderPage(<LeadRulesPage />, { url: "/settings/lead-rules", path: "/settings/lead-rules", permissions: ADMIN });
    await waitFor(() => expect(screen.getByTestId("lead-rules-daily-claims")).toHaveValue("20"));
    fireEvent.change(screen.getByTestId("lead-rules-daily-claims"), { target: { value: "30" } });
    fireEvent.click(within(screen.getByTestId("lead-rules-dedup-keys")).getByLabelText("邮箱"));
    fireEvent.click(screen.getByTestId("lead-rules-save"));
    await waitFor(() => expect(seen.some((s) => s.method === "PUT")).toBe(true));
    const put = seen.find((s) => s.method === "PUT")!;
    expect(put.path).toBe("/settings/lead-rules");
    expect(JSON.parse(put.body)).toEqual({ ...RULES, max_daily_claims: 30, dedup_keys: ["company_product", "uscc", "mobile"] });
    const field = screen.getByTestId("lead-rules-recycle-B").closest(".ant-form-item") as HTMLElement;
    expect(await within(field).findByText("must be at most 2160")).toBeInTheDocument();
  });

  it("refuses to save thresholds that do not fall from A to D", async () => {
    server();
    renderPage(<LeadRulesPage />, { url: "/settings/lead-rules", path: "/settings/lead-rules", permissions: ADMIN });
    await waitFor(() => expect(screen.getByTestId("scoring-threshold-B")).toHaveValue("45"));
    fireEvent.change(screen.getByTestId("scoring-threshold-B"), { target: { value: "80" } });
    expect(await screen.findByTestId("scoring-threshold-order")).toBeInTheDocument();
    expect(screen.getByTestId("lead-scoring-save")).toBeDisabled();
  });
});

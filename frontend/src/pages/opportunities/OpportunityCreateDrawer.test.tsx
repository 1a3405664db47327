import { fireEvent, screen, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { fakeApi, json, renderPage, type Seen } from "../../test/fakeApi";
import { OpportunityCreateDrawer } from "./OpportunityCreateDrawer";

const REP = { opportunity: { read: "own", create: "own" }, business_line: { read: "all" }, customer: { read: "own" } } as const;

const LINES = [
  { id: "L2", code: "complex", name: "复杂销售流程 / Complex sale", description: null, is_active: true, is_default: false, position: 1, grade_thresholds: {}, version: 1, created_at: "", updated_at: "", stages: [] },
  { id: "L1", code: "standard", name: "标准销售流程 / Standard", description: null, is_active: true, is_default: true, position: 0, grade_thresholds: {}, version: 1, created_at: "", updated_at: "", stages: [] },
];

describe("OpportunityCreateDrawer", () => {
  afterEach(() => vi.unstubAllGlobals());

  it("sends the amount string untouched, shows a 422 under its field, then opens the new opportunity", async () => {
    let attempt = 0;
    const seen = fakeApi((req: Seen) => {
      if (req.method === "POST" && req.path === "/opportunities") {
        attempt += 1;
        return attempt === 1
          ? json({ type: "https://l2c-crm.dev/problems/validation-error", title: "Invalid input", status: 422, detail: "expected_close_date: cannot be in the past", errors: [{ field: "body.expected_close_date", message: "不能早于今天" }] }, 422)
          : json({ id: "o9", name: "华东精密 MES" }, 201);
      }
      if (req.path === "/business-lines") return json({ items: LINES });
      if (req.path === "/customers") return json({ items: [{ id: "c1", name: "华东精密" }], next_cursor: null });
      return json({ items: [], next_cursor: null });
    });
    const { where } = renderPage(<OpportunityCreateDrawer open onClose={() => undefined} />, {
      url: "/opportunities",
      path: ["/opportunities", "/opportunities/:id"],
      permissions: REP,
    });

    fireEvent.mouseDown((await screen.findByTestId("opportunity-customer")).querySelector(".ant-select-selector")!);
    fireEvent.click((await screen.findAllByTitle("华东精密")).find((o) => o.classList.contains("ant-select-item-option"))!);
    fireEvent.change(screen.getByTestId("opportunity-name"), { target: { value: " 华东精密 MES " } });
    fireEvent.change(screen.getByTestId("opportunity-amount"), { target: { value: "12345678901234.99" } });
    // a rep creates for themselves: no owner or starting stage to pick
    expect(screen.queryByTestId("opportunity-owner")).toBeNull();
    expect(screen.queryByTestId("opportunity-stage")).toBeNull();
    await waitFor(() => expect(screen.getByTestId("opportunity-line")).toHaveTextContent("标准销售流程"));

    fireEvent.click(screen.getByTestId("opportunity-save"));
    await waitFor(() => expect(attempt).toBe(1));
    const body = JSON.parse(seen.find((s) => s.method === "POST")!.body) as Record<string, unknown>;
    expect(body).toEqual({
      customer_id: "c1",
      name: "华东精密 MES",
      amount: "12345678901234.99",
      currency: "CNY",
      business_line_id: "L1",
      priority: "normal",
    });
    expect(await screen.findByText("不能早于今天")).toBeInTheDocument();

    fireEvent.click(screen.getByTestId("opportunity-save"));
    await waitFor(() => expect(where()).toBe("/opportunities/o9"));
  });
});

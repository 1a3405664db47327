import { fireEvent, screen, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { fakeApi, json, renderPage } from "../../test/fakeApi";
import { RegistrationDrawer } from "./RegistrationDrawer";

const REP = { opportunity: { read: "own", create: "own" }, business_line: { read: "all" }, region: { read: "all" } } as const;
const LINES = [
  { id: "L1", code: "standard", name: "标准销售流程 / Standard", description: null, is_active: true, is_default: true, position: 0, grade_thresholds: {}, version: 1, created_at: "", updated_at: "", stages: [] },
];

describe("RegistrationDrawer", () => {
  afterEach(() => vi.unstubAllGlobals());

  it("registers a new company and says it waits in the leader's queue and conflicts with an existing opportunity", async () => {
    const seen = fakeApi((req) => {
      if (req.method === "POST" && req.path === "/opportunity-registrations")
        return json(
          { id: "o7", name: "新光 ERP", owner: null, queue: "leader", conflict: true, conflict_with: { id: "o3", name: "新光 ERP 选型" }, conflict_status: "open" },
          201,
        );
      if (req.path === "/business-lines") return json({ items: LINES });
      return json({ items: [], next_cursor: null });
    });
    renderPage(<RegistrationDrawer open onClose={() => undefined} />, { url: "/opportunities", path: "/opportunities", permissions: REP });

    fireEvent.click(await screen.findByTestId("registration-mode-company"));
    fireEvent.change(await screen.findByTestId("registration-company-name"), { target: { value: " 新光制造 " } });
    fireEvent.change(screen.getByTestId("registration-contact-mobile"), { target: { value: "13800000000" } });
    fireEvent.change(screen.getByTestId("opportunity-name"), { target: { value: "新光 ERP" } });
    fireEvent.change(screen.getByTestId("opportunity-main-product"), { target: { value: "ERP" } });
    fireEvent.change(screen.getByTestId("opportunity-amount"), { target: { value: "300000" } });
    await waitFor(() => expect(screen.getByTestId("opportunity-line")).toHaveTextContent("标准销售流程"));
    fireEvent.click(screen.getByTestId("registration-submit"));

    await screen.findByTestId("registration-result");
    expect(JSON.parse(seen.find((s) => s.method === "POST")!.body)).toEqual({
      name: "新光 ERP",
      amount: "300000",
      currency: "CNY",
      business_line_id: "L1",
      product: "ERP",
      priority: "normal",
      company: { name: "新光制造", contact_mobile: "13800000000" },
    });
    expect(screen.getByTestId("registration-queued")).toHaveTextContent("战区负责人队列");
    expect(screen.getByTestId("registration-conflict")).toHaveTextContent("新光 ERP 选型");
    expect(screen.queryByTestId("registration-owner")).toBeNull();
    // not the registrant's own opportunity: no link to open it
    expect(screen.queryByTestId("registration-open")).toBeNull();
  });
});

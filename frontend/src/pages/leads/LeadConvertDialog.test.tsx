import { fireEvent, screen, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { LeadDetail } from "../../api/types";
import { fakeApi, json, renderPage } from "../../test/fakeApi";
import { LeadConvertDialog } from "./LeadConvertDialog";

const PERMS = { lead: { read: "own", update: "own" }, opportunity: { read: "own", create: "own" }, business_line: { read: "all" } } as const;
const LEAD = { id: "l1", company_name: "新光制造", product: "ERP", version: 4 } as unknown as LeadDetail;
const LINES = [
  { id: "L1", code: "standard", name: "标准销售流程 / Standard", description: null, is_active: true, is_default: true, position: 0, grade_thresholds: {}, version: 1, created_at: "", updated_at: "", stages: [] },
];

describe("LeadConvertDialog", () => {
  afterEach(() => vi.unstubAllGlobals());

  it("converts with an opportunity when asked, sending its fields and the lead's If-Match", async () => {
    const seen = fakeApi((req) => {
      if (req.method === "POST") return json({ lead: {}, customer_id: "c1", created: true, opportunity_id: "o5" });
      if (req.path === "/business-lines") return json({ items: LINES });
      return json({ items: [] });
    });
    const onConverted = vi.fn();
    renderPage(<LeadConvertDialog lead={LEAD} match='"4"' open onClose={() => undefined} onConverted={onConverted} onStale={() => undefined} />, {
      url: "/leads/l1",
      path: "/leads/:id",
      permissions: PERMS,
    });
    expect(screen.queryByTestId("lead-convert-opp-name")).toBeNull();
    fireEvent.click(await screen.findByTestId("lead-convert-opportunity"));
    fireEvent.change(await screen.findByTestId("lead-convert-opp-name"), { target: { value: "新光 ERP" } });
    fireEvent.change(screen.getByTestId("lead-convert-opp-amount"), { target: { value: "880000.00" } });
    await waitFor(() => expect(screen.getByTestId("lead-convert-opp-line")).toHaveTextContent("标准销售流程"));
    fireEvent.click(screen.getByTestId("lead-convert-ok"));

    await waitFor(() => expect(onConverted).toHaveBeenCalled());
    const post = seen.find((s) => s.method === "POST")!;
    expect(post.path).toBe("/leads/l1/convert");
    expect(post.headers.get("If-Match")).toBe('"4"');
    expect(JSON.parse(post.body)).toEqual({ opportunity: { name: "新光 ERP", business_line_id: "L1", amount: "880000.00" } });
    expect(onConverted.mock.calls[0]![0]).toMatchObject({ opportunity_id: "o5" });
  });
});

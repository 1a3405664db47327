import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { LeadImport } from "../../api/types";
import { fakeApi, json, renderPage, type Seen } from "../../test/fakeApi";
import { LeadImportPage } from "./LeadImportPage";

const PATHS = ["/leads/import", "/leads/import/:id"];
const IMPORTER = { lead: { read: "zone", import: "zone" }, channel: { read: "all" } };

const FIELDS = [
  { field: "company_name", label: "公司名称", required: true },
  { field: "contact_name", label: "联系人", required: false },
  { field: "mobile", label: "手机", required: false },
];

function imp(over: Partial<LeadImport> = {}): LeadImport {
  return {
    id: "imp1",
    file_name: "leads.csv",
    file_format: "csv",
    encoding: "gb18030",
    size_bytes: 120,
    status: "uploaded",
    headers: ["公司", "联系人", "电话"],
    sample: [
      ["甲公司", "张三", "13800000001"],
      ["乙公司", "", "13800000002"],
    ],
    mapping: { 公司: "company_name", 联系人: "contact_name", 电话: "mobile" },
    defaults: {},
    same_file_as: null,
    total: 200,
    processed: 0,
    created: 0,
    duplicates: 0,
    failed: 0,
    error: null,
    created_at: "2024-05-02T08:00:00Z",
    started_at: null,
    finished_at: null,
    ...over,
  };
}

function common(req: Seen): Response | null {
  if (req.path === "/imports/fields") return json(FIELDS);
  if (req.path === "/channels") return json({ items: [{ id: "ch1", name: "官网", is_active: true, weight: 20 }], next_cursor: null });
  if (req.path === "/imports" && req.method === "GET") return json({ items: [], next_cursor: null });
  return null;
}

describe("LeadImportPage", () => {
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it("uploads the chosen file as multipart `file` and goes on to the mapping, warning about a file seen before", async () => {
    const seen = fakeApi((req) => {
      if (req.path === "/imports" && req.method === "POST") return json(imp({ same_file_as: "old1" }), 201);
      if (req.path === "/imports/imp1") return json(imp());
      return common(req) ?? json({ status: 404, title: "Not found" }, 404);
    });
    const { where, container } = renderPage(<LeadImportPage />, { url: "/leads/import", path: PATHS, permissions: IMPORTER });
    const input = container.querySelector<HTMLInputElement>("input[type=file]")!;
    fireEvent.change(input, { target: { files: [new File(["公司\n甲公司\n"], "leads.csv", { type: "text/csv" })] } });

    await waitFor(() => expect(where()).toBe("/leads/import/imp1"));
    const upload = seen.find((s) => s.path === "/imports" && s.method === "POST")!;
    expect(upload.headers.get("Content-Type")).toMatch(/^multipart\/form-data/);
    expect((upload.form?.get("file") as Blob).size).toBe(new Blob(["公司\n甲公司\n"]).size);
    expect(upload.headers.get("Idempotency-Key")).toBeTruthy();
    expect(await screen.findByTestId("import-same-file")).toHaveTextContent("之前已经导入过");
    expect(screen.getByTestId("import-same-file-link")).toHaveAttribute("href", "/leads/import/old1");
    // the mapping table: headers, samples, suggested fields
    const row = screen.getByTestId("import-map-row-0");
    expect(row).toHaveAttribute("data-header", "公司");
    expect(within(row).getByTestId("import-samples")).toHaveTextContent("甲公司乙公司");
    await waitFor(() => expect(screen.getByTestId("import-start")).toBeEnabled());
  });

  it("shows a refused file's message prominently and retries the same selection with the same key", async () => {
    let calls = 0;
    const seen = fakeApi((req) => {
      if (req.path === "/imports" && req.method === "POST") {
        calls++;
        return json(
          { type: "validation-error", title: "Invalid input", status: 422, detail: "file: 文件不是 UTF-8 或 GB18030 编码", errors: [{ field: "file", message: "文件不是 UTF-8 或 GB18030 编码" }] },
          422,
        );
      }
      return common(req) ?? json({ status: 404, title: "Not found" }, 404);
    });
    const { container, where } = renderPage(<LeadImportPage />, { url: "/leads/import", path: PATHS, permissions: IMPORTER });
    const input = container.querySelector<HTMLInputElement>("input[type=file]")!;
    fireEvent.change(input, { target: { files: [new File(["\xff\xfe"], "bad.csv", { type: "text/csv" })] } });
    expect(await screen.findByTestId("import-upload-error")).toHaveTextContent("文件不是 UTF-8 或 GB18030 编码");
    expect(where()).toBe("/leads/import");

    fireEvent.click(screen.getByTestId("import-retry"));
    await waitFor(() => expect(calls).toBe(2));
    const keys = seen.filter((s) => s.path === "/imports" && s.method === "POST").map((s) => s.headers.get("Idempotency-Key"));
    expect(keys[0]).toBeTruthy();
    expect(keys[1]).toBe(keys[0]);
  });

  it("will not start without the company name mapped", async () => {
    fakeApi((req) => {
      if (req.path === "/imports/imp1") return json(imp({ mapping: { 公司: null, 联系人: "contact_name", 电话: "mobile" } }));
      return common(req) ?? json({ status: 404, title: "Not found" }, 404);
    });
    renderPage(<LeadImportPage />, { url: "/leads/import/imp1", path: PATHS, permissions: IMPORTER });
    const errors = await screen.findByTestId("import-mapping-errors");
    await waitFor(() => expect(errors).toHaveTextContent("必须有一列匹配到「公司名称」"));
    expect(screen.getByTestId("import-start")).toBeDisabled();
  });

  it("flags a field mapped from two columns", async () => {
    fakeApi((req) => {
      if (req.path === "/imports/imp1") return json(imp({ mapping: { 公司: "company_name", 联系人: "mobile", 电话: "mobile" } }));
      return common(req) ?? json({ status: 404, title: "Not found" }, 404);
    });
    renderPage(<LeadImportPage />, { url: "/leads/import/imp1", path: PATHS, permissions: IMPORTER });
    await waitFor(() => expect(screen.getByTestId("import-mapping-errors")).toHaveTextContent("「手机」被多列匹配"));
    expect(screen.getByTestId("import-start")).toBeDisabled();
  });

  it("shows the server's mapping refusal", async () => {
    fakeApi((req) => {
      if (req.path === "/imports/imp1") return json(imp());
      if (req.path === "/imports/imp1/start")
        return json({ title: "Invalid input", status: 422, errors: [{ field: "mapping", message: "no such column in the file: 传真" }] }, 422);
      return common(req) ?? json({ status: 404, title: "Not found" }, 404);
    });
    renderPage(<LeadImportPage />, { url: "/leads/import/imp1", path: PATHS, permissions: IMPORTER });
    await waitFor(() => expect(screen.getByTestId("import-start")).toBeEnabled());
    fireEvent.click(screen.getByTestId("import-start"));
    expect(await screen.findByTestId("import-mapping-errors")).toHaveTextContent("no such column in the file: 传真");
  });

  it("starts with the mapping and defaults, then follows the progress every second until done", async () => {
    let polls = 0;
    const seen = fakeApi((req) => {
      if (req.path === "/imports/imp1/start") return json(imp({ status: "queued", total: 200 }), 202);
      if (req.path === "/imports/imp1") {
        if (polls === 0) {
          polls++;
          return json(imp());
        }
        polls++;
        return json(
          polls < 3
            ? imp({ status: "running", processed: 100, created: 90, duplicates: 6, failed: 4 })
            : imp({ status: "done", processed: 200, created: 180, duplicates: 12, failed: 8 }),
        );
      }
      return common(req) ?? json({ status: 404, title: "Not found" }, 404);
    });
    renderPage(<LeadImportPage />, { url: "/leads/import/imp1", path: PATHS, permissions: IMPORTER });
    fireEvent.change(await screen.findByTestId("import-default-product"), { target: { value: " CRM 专业版 " } });
    await waitFor(() => expect(screen.getByTestId("import-start")).toBeEnabled());
    fireEvent.click(screen.getByTestId("import-start"));

    await waitFor(() => expect(seen.some((s) => s.path === "/imports/imp1/start")).toBe(true));
    const start = seen.find((s) => s.path === "/imports/imp1/start")!;
    expect(JSON.parse(start.body)).toEqual({
      mapping: { 公司: "company_name", 联系人: "contact_name", 电话: "mobile" },
      product: "CRM 专业版",
    });
    expect(await screen.findByTestId("import-status")).toHaveAttribute("data-status", "queued");

    await waitFor(() => expect(screen.getByTestId("import-status")).toHaveAttribute("data-status", "running"), { timeout: 3000 });
    expect(screen.getByTestId("import-progress")).toHaveAttribute("data-percent", "50");
    expect(screen.getByTestId("import-created")).toHaveTextContent("90");
    expect(screen.queryByTestId("import-errors-xlsx")).toBeNull();

    await waitFor(() => expect(screen.getByTestId("import-status")).toHaveAttribute("data-status", "done"), { timeout: 3000 });
    expect(screen.getByTestId("import-progress")).toHaveAttribute("data-percent", "100");
    expect(screen.getByTestId("import-created")).toHaveTextContent("180");
    expect(screen.getByTestId("import-duplicates")).toHaveTextContent("12");
    expect(screen.getByTestId("import-failed")).toHaveTextContent("8");
    expect(screen.getByTestId("import-errors-xlsx")).toBeInTheDocument();
    expect(screen.getByTestId("import-errors-csv")).toBeInTheDocument();
    expect(screen.getByTestId("import-leads-link")).toHaveAttribute("href", "/leads");
    // no more polling once done
    const after = polls;
    await new Promise((r) => setTimeout(r, 1300));
    expect(polls).toBe(after);
  });

  it("shows why an import failed, and no error report when no row failed", async () => {
    fakeApi((req) => {
      if (req.path === "/imports/imp1") return json(imp({ status: "failed", processed: 0, error: "the worker lost the file" }));
      return common(req) ?? json({ status: 404, title: "Not found" }, 404);
    });
    renderPage(<LeadImportPage />, { url: "/leads/import/imp1", path: PATHS, permissions: IMPORTER });
    expect(await screen.findByTestId("import-error")).toHaveTextContent("the worker lost the file");
    expect(screen.queryByTestId("import-errors-xlsx")).toBeNull();
  });

  it("lists the recent imports, each opening its own view", async () => {
    fakeApi((req) => {
      if (req.path === "/imports" && req.method === "GET")
        return json({ items: [imp({ id: "a1", status: "done", created: 5 }), imp({ id: "a2", file_name: "second.xlsx", status: "failed" })], next_cursor: null });
      return common(req) ?? json({ status: 404, title: "Not found" }, 404);
    });
    renderPage(<LeadImportPage />, { url: "/leads/import", path: PATHS, permissions: IMPORTER });
    const row = await screen.findByTestId("import-row-a2");
    expect(row).toHaveTextContent("second.xlsx");
    expect(within(row).getByTestId("import-history-status")).toHaveAttribute("data-status", "failed");
    expect(within(row).getByTestId("import-history-link")).toHaveAttribute("href", "/leads/import/a2");
  });
});

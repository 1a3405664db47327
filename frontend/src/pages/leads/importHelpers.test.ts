import { describe, expect, it } from "vitest";
import {
  checkMapping,
  idempotencyKeyFor,
  importStep,
  isActiveImport,
  mappingForStart,
  progressPercent,
  sampleValues,
  splitMappingErrors,
  uploadErrorText,
} from "./importHelpers";

const FIELDS = [
  { field: "company_name", required: true },
  { field: "contact_name", required: false },
  { field: "mobile", required: false },
];

describe("checkMapping", () => {
  it("accepts company_name mapped once and skipped columns", () => {
    const r = checkMapping({ 公司: "company_name", 联系人: "contact_name", 备注: null, 其他: "" }, FIELDS);
    expect(r).toEqual({ missing: [], duplicated: [], ok: true });
  });

  it("requires the company name", () => {
    const r = checkMapping({ 联系人: "contact_name", 电话: "mobile" }, FIELDS);
    expect(r.ok).toBe(false);
    expect(r.missing).toEqual(["company_name"]);
    expect(r.duplicated).toEqual([]);
  });

  it("requires the company name even when the field list is not loaded yet", () => {
    expect(checkMapping({ a: "mobile" }, []).missing).toEqual(["company_name"]);
    expect(checkMapping({ a: "company_name" }, []).ok).toBe(true);
  });

  it("finds a field mapped from two columns, company_name included", () => {
    const r = checkMapping({ 手机: "mobile", 电话: "mobile", 公司: "company_name", 企业名称: "company_name" }, FIELDS);
    expect(r.ok).toBe(false);
    expect(r.missing).toEqual([]);
    expect(r.duplicated.sort()).toEqual(["company_name", "mobile"]);
  });
});

describe("mappingForStart", () => {
  it("names every header, skipped ones as null", () => {
    expect(mappingForStart(["公司", "备注", "手机"], { 公司: "company_name", 手机: "mobile", 备注: "" })).toEqual({
      公司: "company_name",
      备注: null,
      手机: "mobile",
    });
  });
});

describe("progress", () => {
  it("is processed / total, rounded down and clamped", () => {
    expect(progressPercent({ processed: 0, total: 200, status: "queued" })).toBe(0);
    expect(progressPercent({ processed: 1, total: 3, status: "running" })).toBe(33);
    expect(progressPercent({ processed: 199, total: 200, status: "running" })).toBe(99);
    expect(progressPercent({ processed: 250, total: 200, status: "running" })).toBe(100);
  });

  it("is 0 without rows, and 100 once done", () => {
    expect(progressPercent({ processed: 0, total: 0, status: "running" })).toBe(0);
    expect(progressPercent({ processed: 0, total: 0, status: "done" })).toBe(100);
    expect(progressPercent({ processed: 10, total: 20, status: "failed" })).toBe(50);
  });

  it("polls only queued and running imports, and steps by status", () => {
    expect(["uploaded", "queued", "running", "done", "failed"].filter(isActiveImport)).toEqual(["queued", "running"]);
    expect(importStep(undefined)).toBe(0);
    expect(importStep("uploaded")).toBe(1);
    expect(importStep("queued")).toBe(2);
    expect(importStep("failed")).toBe(2);
  });
});

describe("sampleValues", () => {
  it("takes up to three non-empty values of a column", () => {
    const sample = [
      ["甲公司", "张三"],
      ["乙公司", ""],
      ["丙公司", "李四"],
      ["丁公司", "王五"],
    ];
    expect(sampleValues(sample, 0)).toEqual(["甲公司", "乙公司", "丙公司"]);
    expect(sampleValues(sample, 1)).toEqual(["张三", "李四", "王五"]);
    expect(sampleValues(sample, 5)).toEqual([]);
    expect(sampleValues(undefined, 0)).toEqual([]);
  });
});

describe("upload refusals", () => {
  it("shows what the server says about the file", () => {
    const text = uploadErrorText({
      status: 422,
      title: "Invalid input",
      detail: "file: the file is not UTF-8 or GB18030 text",
      errors: [{ field: "body.file", message: "the file is not UTF-8 or GB18030 text" }],
    });
    expect(text).toBe("the file is not UTF-8 or GB18030 text");
  });

  it("falls back to the detail, then the title", () => {
    expect(uploadErrorText({ status: 409, title: "Conflict", detail: "busy" })).toBe("busy");
    expect(uploadErrorText({ status: 413, title: "Too large" })).toBe("Too large");
  });

  it("separates mapping errors from the rest of a start refusal", () => {
    const only = splitMappingErrors({
      status: 422,
      errors: [{ field: "mapping.company_name", message: "map a column to the company name" }],
    });
    expect(only.mapping).toEqual(["map a column to the company name"]);
    expect(only.rest).toBeNull();

    const mixed = splitMappingErrors({
      status: 422,
      errors: [
        { field: "body.mapping", message: "each field from one column only: mobile" },
        { field: "body.channel_id", message: "no such active channel" },
      ],
    });
    expect(mixed.mapping).toEqual(["each field from one column only: mobile"]);
    expect(mixed.rest?.errors).toEqual([{ field: "body.channel_id", message: "no such active channel" }]);

    const none = { status: 409, detail: "the import is already queued" };
    expect(splitMappingErrors(none)).toEqual({ mapping: [], rest: none });
  });
});

describe("idempotencyKeyFor", () => {
  it("keeps one key per chosen file, a new one for another choice", () => {
    const a = new File(["x"], "leads.csv");
    const again = new File(["x"], "leads.csv");
    const key = idempotencyKeyFor(a);
    expect(key).toMatch(/\S{8,}/);
    expect(idempotencyKeyFor(a)).toBe(key);
    expect(idempotencyKeyFor(again)).not.toBe(key);
  });
});

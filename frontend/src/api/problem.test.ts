import { describe, expect, it } from "vitest";
import { ApiError, fieldPath, problemToFieldErrors, toProblem } from "./problem";

describe("fieldPath", () => {
  it("strips a leading body. and turns numeric segments into indexes", () => {
    expect(fieldPath("body.contacts.0.mobile")).toEqual(["contacts", 0, "mobile"]);
    expect(fieldPath("name")).toEqual(["name"]);
    expect(fieldPath("contacts.12.name")).toEqual(["contacts", 12, "name"]);
  });
});

describe("problemToFieldErrors", () => {
  const problem = {
    type: "https://errors/validation",
    title: "Validation failed",
    status: 422,
    errors: [
      { field: "body.name", message: "required" },
      { field: "contacts.0.mobile", message: "invalid mobile" },
      { field: "body.contacts.0.mobile", message: "duplicate mobile" },
      { field: "province_code", message: "unknown province" },
      { field: "owner_id", message: "not in your team" },
    ],
  };

  it("maps dotted paths onto form names and groups messages per field", () => {
    const { fields, unmatched } = problemToFieldErrors(problem);
    expect(fields).toContainEqual({ name: ["name"], errors: ["required"] });
    expect(fields).toContainEqual({ name: ["contacts", 0, "mobile"], errors: ["invalid mobile", "duplicate mobile"] });
    expect(unmatched).toEqual([]);
  });

  it("returns errors for fields the form does not have as unmatched", () => {
    const values = { name: undefined, contacts: [{ name: "A", mobile: "1" }], region: undefined };
    const { fields, unmatched } = problemToFieldErrors(problem, values, { province_code: ["region"] });
    expect(fields.map((f) => f.name)).toEqual([["name"], ["contacts", 0, "mobile"], ["region"]]);
    expect(unmatched).toEqual(["owner_id: not in your team"]);
  });
});

describe("toProblem", () => {
  it("keeps an RFC 9457 body", () => {
    const p = toProblem(409, "Conflict", { type: "about:blank", title: "Conflict", status: 409, detail: "already claimed" });
    expect(p).toMatchObject({ status: 409, title: "Conflict", detail: "already claimed" });
  });

  it("converts FastAPI's default validation body", () => {
    const p = toProblem(422, "Unprocessable", { detail: [{ loc: ["body", "name"], msg: "Field required", type: "missing" }] });
    expect(p.errors).toEqual([{ field: "body.name", message: "Field required" }]);
  });

  it("builds an ApiError from a response", () => {
    const e = ApiError.from(new Response(null, { status: 412, statusText: "Precondition Failed" }), undefined);
    expect(e.status).toBe(412);
    expect(e.problem.title).toBe("Precondition Failed");
  });
});

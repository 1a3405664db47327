import { describe, expect, it } from "vitest";
import { formUrl } from "./leadFormUrl";

describe("formUrl", () => {
  it("builds the public submit URL on the given origin", () => {
    expect(formUrl("abc_123", "https://crm.example.com/")).toBe("https://crm.example.com/api/v1/public/forms/abc_123/leads");
  });
  it("defaults to this page's origin and escapes the key", () => {
    expect(formUrl("a/b")).toBe(`${window.location.origin}/api/v1/public/forms/a%2Fb/leads`);
  });
});

import { describe, expect, it } from "vitest";
import { localLabel } from "./context";

describe("localLabel", () => {
  it("picks the part of a bilingual label for the language", () => {
    expect(localLabel("销售代表 / Sales rep", "zh-CN")).toBe("销售代表");
    expect(localLabel("销售代表 / Sales rep", "en")).toBe("Sales rep");
  });

  it("keeps other labels whole", () => {
    expect(localLabel("Regional auditor", "zh-CN")).toBe("Regional auditor");
    expect(localLabel("a / b / c", "en")).toBe("a / b / c");
    expect(localLabel(null, "en")).toBe("");
  });
});

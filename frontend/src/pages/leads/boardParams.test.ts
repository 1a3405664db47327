import dayjs from "dayjs";
import { describe, expect, it } from "vitest";
import { DATE_FMT, apiRange, boardSearch, isDate, mondayOf, parseBoardParams, presetRange, rangeDays } from "./boardParams";

const today = dayjs("2024-05-15T15:30:00"); // a Wednesday
const fmt = ([a, b]: [dayjs.Dayjs, dayjs.Dayjs]) => [a.format(DATE_FMT), b.format(DATE_FMT)];

describe("parseBoardParams", () => {
  it("defaults to the last 30 days (today included) by channel", () => {
    expect(parseBoardParams(new URLSearchParams(), today)).toEqual({ from: "2024-04-16", to: "2024-05-15", groupBy: "channel" });
    expect(rangeDays("2024-04-16", "2024-05-15")).toBe(30);
  });

  it("reads a shared view back from its URL", () => {
    const sp = boardSearch({ from: "2024-01-01", to: "2024-03-31", groupBy: "owner" });
    expect(sp.toString()).toBe("from=2024-01-01&to=2024-03-31&group_by=owner");
    expect(parseBoardParams(sp, today)).toEqual({ from: "2024-01-01", to: "2024-03-31", groupBy: "owner" });
  });

  it("falls back to the defaults for malformed values and swaps a reversed range", () => {
    expect(parseBoardParams(new URLSearchParams("from=2024-02-30&to=2024-03-01&group_by=day"), today)).toEqual({
      from: "2024-04-16",
      to: "2024-05-15",
      groupBy: "channel",
    });
    expect(parseBoardParams(new URLSearchParams("from=2024-03-10&to=2024-03-01&group_by=grade"), today)).toEqual({
      from: "2024-03-01",
      to: "2024-03-10",
      groupBy: "grade",
    });
  });

  it("only accepts real calendar dates", () => {
    expect(isDate("2024-02-29")).toBe(true);
    expect(isDate("2023-02-29")).toBe(false);
    expect(isDate("2024-5-1")).toBe(false);
    expect(isDate(null)).toBe(false);
  });
});

describe("presets", () => {
  it("end today and start on Monday, the 1st, or 30 / 90 days back", () => {
    expect(fmt(presetRange("thisWeek", today))).toEqual(["2024-05-13", "2024-05-15"]);
    expect(fmt(presetRange("thisMonth", today))).toEqual(["2024-05-01", "2024-05-15"]);
    expect(fmt(presetRange("last30", today))).toEqual(["2024-04-16", "2024-05-15"]);
    const [from, to] = fmt(presetRange("last90", today)) as [string, string];
    expect(rangeDays(from, to)).toBe(90);
    expect(to).toBe("2024-05-15");
  });

  it("takes Monday as the first day of the week, Sunday as its last", () => {
    expect(mondayOf(dayjs("2024-05-19")).format(DATE_FMT)).toBe("2024-05-13"); // Sunday
    expect(mondayOf(dayjs("2024-05-13")).format(DATE_FMT)).toBe("2024-05-13"); // Monday
  });
});

describe("apiRange", () => {
  it("asks for whole local days, the last one included", () => {
    const r = apiRange("2024-05-01", "2024-05-31");
    expect(dayjs(r.from).format("YYYY-MM-DD HH:mm")).toBe("2024-05-01 00:00");
    expect(dayjs(r.to).format("YYYY-MM-DD HH:mm")).toBe("2024-06-01 00:00");
    expect(r.from.endsWith("Z")).toBe(true);
  });
});

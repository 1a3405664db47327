import dayjs from "dayjs";
import { describe, expect, it } from "vitest";
import type { Pool, Team, User } from "../../api/types";
import {
  activeFilterCount,
  allocatableReps,
  allocationLines,
  allocationSummary,
  allocationTotal,
  currentPoolId,
  defaultPoolId,
  filtersFromParams,
  filtersToQuery,
  paramsWithFilters,
  teamsOf,
} from "./poolHelpers";

function pool(id: string, zone_id: string | null, is_default = true): Pool {
  return { id, name: id, zone_id, is_default, description: null, is_active: true, customers: 0, version: 1 };
}

function team(id: string, zone_id: string, over: Partial<Team> = {}): Team {
  return { id, name: id, zone_id, parent_id: null, manager: null, member_count: 0, version: 1, ...over };
}

function user(id: string, team_id: string | null, over: Partial<User> = {}): User {
  return {
    id,
    username: id,
    display_name: id.toUpperCase(),
    team_id,
    zone_ids: [],
    is_active: true,
    on_leave: false,
    roles: ["sales_rep"],
    department_id: null,
    email: null,
    mobile: null,
    manager_id: null,
    version: 1,
    created_at: "2024-01-01T00:00:00Z",
    ...over,
  };
}

describe("the pool shown first", () => {
  const pools = [pool("company", null), pool("east", "z-east"), pool("east-industry", "z-east", false), pool("north", "z-north")];

  it("is the default pool of the caller's zone", () => {
    expect(defaultPoolId(pools, ["z-north"])).toBe("north");
    expect(defaultPoolId(pools, ["z-other", "z-east"])).toBe("east");
  });

  it("falls back to the company pool, then to the first pool", () => {
    expect(defaultPoolId(pools, [])).toBe("company");
    expect(defaultPoolId(pools, undefined)).toBe("company");
    expect(defaultPoolId([pool("a", "z1", false), pool("b", "z2", false)], ["z3"])).toBe("a");
    expect(defaultPoolId([], ["z1"])).toBeNull();
  });

  it("follows the URL only to a pool the caller sees", () => {
    expect(currentPoolId(pools, "east-industry", ["z-north"])).toBe("east-industry");
    expect(currentPoolId(pools, "gone", ["z-north"])).toBe("north");
    expect(currentPoolId(pools, null, ["z-north"])).toBe("north");
  });
});

describe("pool filters in the URL", () => {
  it("reads valid filters and drops what the API would refuse", () => {
    const params = new URLSearchParams("pool=p1&level=KA&tier=B&industry=%20制造业%20&province=440000&city=440100&before=2024-05-01&q=科技");
    expect(filtersFromParams(params)).toEqual({
      level: "KA",
      tier: "B",
      industry: "制造业",
      province: "440000",
      city: "440100",
      before: "2024-05-01",
      q: "科技",
    });
    expect(filtersFromParams(new URLSearchParams("level=VIP&tier=b&province=44&city=440100&before=yesterday&q=%20"))).toEqual({});
  });

  it("writes filters, keeping the pool and dropping a city without its province", () => {
    const params = new URLSearchParams("pool=p1&level=KA&q=old");
    const next = paramsWithFilters(params, { tier: "A", city: "440100", q: " new " });
    expect(next.toString()).toBe("pool=p1&q=new&tier=A");
    expect(params.toString()).toBe("pool=p1&level=KA&q=old"); // not changed in place
    expect(paramsWithFilters(params, {}).toString()).toBe("pool=p1");
  });

  it("turns the filters into the API query", () => {
    expect(filtersToQuery({ level: "SKA", tier: "A", industry: "制造业", province: "440000", city: "440100", q: "科技" })).toEqual({
      level: "SKA",
      tier: "A",
      industry: "制造业",
      province_code: "440000",
      city_code: "440100",
      q: "科技",
    });
    const q = filtersToQuery({ before: "2024-05-01" });
    expect(dayjs(q.followed_before!).format("YYYY-MM-DD HH:mm")).toBe("2024-05-01 00:00");
    expect(filtersToQuery({})).toEqual({});
  });

  it("counts the filters set (province and city as one)", () => {
    expect(activeFilterCount({ province: "440000", city: "440100", level: "KA" })).toBe(2);
    expect(activeFilterCount({})).toBe(0);
  });
});

describe("reps a manager allocates to", () => {
  const teams = [
    team("t-east", "z-east", { manager: { id: "m1", display_name: "M1" } }),
    team("t-east-sub", "z-east", { parent_id: "t-east" }),
    team("t-east-2", "z-east"),
    team("t-north", "z-north"),
  ];
  const users = [
    user("r1", "t-east"),
    user("r2", "t-east-sub"),
    user("r3", "t-east-2"),
    user("r4", "t-north"),
    user("gone", "t-east", { is_active: false }),
    user("away", "t-east", { on_leave: true }),
  ];

  it("walks the teams a manager leads down to their sub-teams", () => {
    expect([...teamsOf("m1", null, teams)].sort()).toEqual(["t-east", "t-east-sub"]);
    expect([...teamsOf("r3", "t-east-2", teams)]).toEqual(["t-east-2"]);
  });

  it("offers a team manager the present reps of their teams", () => {
    const reps = allocatableReps(users, teams, { id: "m1", team_id: null, zone_ids: ["z-east"] }, "team");
    expect(reps.map((u) => u.id)).toEqual(["r1", "r2"]);
  });

  it("offers a director the reps of their zones, and an admin everyone present", () => {
    expect(allocatableReps(users, teams, { id: "d1", team_id: null, zone_ids: ["z-east"] }, "zone").map((u) => u.id)).toEqual(["r1", "r2", "r3"]);
    expect(allocatableReps(users, teams, { id: "a1" }, "all").map((u) => u.id)).toEqual(["r1", "r2", "r3", "r4"]);
    expect(allocatableReps(users, teams, { id: "x" }, undefined)).toEqual([]);
  });
});

describe("allocation result", () => {
  it("lists who got how many, most first, as 4/3/3", () => {
    const names = new Map([
      ["u1", "张三"],
      ["u2", "李四"],
      ["u3", "王五"],
    ]);
    const lines = allocationLines({ allocated: { u2: ["c1", "c2", "c3"], u3: ["c4", "c5", "c6"], u1: ["c7", "c8", "c9", "c10"] } }, names);
    expect(lines).toEqual([
      { userId: "u1", name: "张三", count: 4 },
      { userId: "u2", name: "李四", count: 3 },
      { userId: "u3", name: "王五", count: 3 },
    ]);
    expect(allocationSummary(lines)).toBe("4/3/3");
    expect(allocationTotal(lines)).toBe(10);
    // someone unknown to the page shows by id; nobody getting any still shows 0
    expect(allocationLines({ allocated: { u9: [] } }, names)).toEqual([{ userId: "u9", name: "u9", count: 0 }]);
  });
});

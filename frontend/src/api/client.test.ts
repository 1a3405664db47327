import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createApi, setAuthLostHandler, unwrap } from "./client";
import { ApiError } from "./problem";
import { tokenStore } from "./tokens";

const BASE = "http://test.local";

function json(body: unknown, status = 200) {
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
}

function problem(status: number, title: string) {
  return new Response(JSON.stringify({ type: "about:blank", title, status }), {
    status,
    headers: { "Content-Type": "application/problem+json" },
  });
}

const me = { user: { id: "1", username: "a", display_name: "A", is_active: true, zone_ids: [] }, roles: [], permissions: {} };

interface Seen {
  url: string;
  method: string;
  auth: string | null;
  body: string;
}

/** A fake server: access tokens "good-*" are valid, others get 401; refresh rotates. */
function fakeServer(opts: { refreshOk?: boolean } = {}) {
  const seen: Seen[] = [];
  let refreshCount = 0;
  const fetch = vi.fn(async (req: Request) => {
    const url = new URL(req.url);
    const body = req.method === "GET" ? "" : await req.text();
    seen.push({ url: url.pathname, method: req.method, auth: req.headers.get("Authorization"), body });
    if (url.pathname === "/api/v1/auth/refresh") {
      refreshCount++;
      const { refresh_token } = JSON.parse(body) as { refresh_token: string };
      if (opts.refreshOk === false || refresh_token !== `refresh-${refreshCount - 1}`) return problem(401, "Invalid refresh token");
      return json({ access_token: `good-${refreshCount}`, token_type: "bearer", expires_in: 900, refresh_token: `refresh-${refreshCount}` });
    }
    if (!req.headers.get("Authorization")?.startsWith("Bearer good-")) return problem(401, "Unauthorized");
    if (url.pathname === "/api/v1/me") return json(me);
    if (url.pathname === "/api/v1/customers" && req.method === "POST") return json({ id: "c1", echo: JSON.parse(body) }, 201);
    return problem(404, "Not Found");
  });
  return { fetch, seen, refreshCount: () => refreshCount };
}

describe("auth middleware", () => {
  let lost: ReturnType<typeof vi.fn>;

  beforeEach(() => {
    lost = vi.fn();
    setAuthLostHandler(lost as unknown as () => void);
  });
  afterEach(() => localStorage.clear());

  it("sends the access token as a bearer header", async () => {
    tokenStore.set({ access_token: "good-0", refresh_token: "refresh-0" });
    const server = fakeServer();
    const api = createApi({ baseUrl: BASE, fetch: server.fetch });
    await unwrap(api.GET("/api/v1/me"));
    expect(server.seen[0]?.auth).toBe("Bearer good-0");
  });

  it("on 401 refreshes once, stores the rotated tokens and replays the request with its body", async () => {
    tokenStore.set({ access_token: "expired", refresh_token: "refresh-0" });
    const server = fakeServer();
    const api = createApi({ baseUrl: BASE, fetch: server.fetch });
    const res = await unwrap(api.POST("/api/v1/customers", { body: { kind: "enterprise", name: "ACME" } }));
    expect(res).toMatchObject({ id: "c1", echo: { kind: "enterprise", name: "ACME" } });
    expect(server.seen.map((s) => `${s.method} ${s.url}`)).toEqual([
      "POST /api/v1/customers",
      "POST /api/v1/auth/refresh",
      "POST /api/v1/customers",
    ]);
    expect(server.seen[2]?.auth).toBe("Bearer good-1");
    expect(tokenStore.access).toBe("good-1");
    expect(tokenStore.refresh).toBe("refresh-1");
    expect(lost).not.toHaveBeenCalled();
  });

  it("refreshes only once for concurrent 401s", async () => {
    tokenStore.set({ access_token: "expired", refresh_token: "refresh-0" });
    const server = fakeServer();
    const api = createApi({ baseUrl: BASE, fetch: server.fetch });
    const results = await Promise.all([unwrap(api.GET("/api/v1/me")), unwrap(api.GET("/api/v1/me")), unwrap(api.GET("/api/v1/me"))]);
    expect(results).toHaveLength(3);
    expect(server.refreshCount()).toBe(1);
    expect(lost).not.toHaveBeenCalled();
  });

  it("logs out (clears tokens, calls the handler) when the refresh fails", async () => {
    tokenStore.set({ access_token: "expired", refresh_token: "refresh-0" });
    const server = fakeServer({ refreshOk: false });
    const api = createApi({ baseUrl: BASE, fetch: server.fetch });
    await expect(unwrap(api.GET("/api/v1/me"))).rejects.toBeInstanceOf(ApiError);
    expect(lost).toHaveBeenCalledTimes(1);
    expect(tokenStore.access).toBeNull();
    expect(tokenStore.refresh).toBeNull();
  });

  it("does not try to refresh a failed login", async () => {
    const server = fakeServer();
    const api = createApi({ baseUrl: BASE, fetch: server.fetch });
    const call = api.POST("/api/v1/auth/token", {
      body: { username: "a", password: "b" },
      bodySerializer: (b) => new URLSearchParams(b as Record<string, string>),
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
    });
    await expect(unwrap(call)).rejects.toMatchObject({ status: 401 });
    expect(server.seen).toHaveLength(1);
    expect(server.seen[0]?.auth).toBeNull();
    expect(server.seen[0]?.body).toBe("username=a&password=b");
    expect(lost).not.toHaveBeenCalled();
  });

  it("loses the session on 401 when there is no refresh token", async () => {
    tokenStore.set({ access_token: "expired", refresh_token: "" });
    localStorage.removeItem("crm.auth.refresh_token");
    const server = fakeServer();
    const api = createApi({ baseUrl: BASE, fetch: server.fetch });
    await expect(unwrap(api.GET("/api/v1/me"))).rejects.toMatchObject({ status: 401 });
    expect(lost).toHaveBeenCalledTimes(1);
  });
});

/** Test helpers: a fake API behind `fetch`, and the providers pages need (query, i18n, auth, router). */
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render } from "@testing-library/react";
import type { ReactNode } from "react";
import { RouterProvider, createMemoryRouter } from "react-router";
import { vi } from "vitest";
import type { Me } from "../api/types";
import { AuthContext, type AuthValue } from "../auth/context";
import { can } from "../auth/permissions";
import { I18nProvider } from "../i18n/I18nProvider";

// antd pages take a while to first render when the whole suite runs in parallel

export interface Seen {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: Headers;
  body: string;
  form: FormData | null;
}

export type Handler = (req: Seen) => Response | Promise<Response>;

export function json(body: unknown, status = 200) {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "Content-Type": status < 400 ? "application/json" : "application/problem+json" },
  });
}

/** Stubs fetch: `handler` answers every API call; the calls are recorded in order. */
export function fakeApi(handler: Handler): Seen[] {
  const seen: Seen[] = [];
  vi.stubGlobal(
    "fetch",
    vi.fn(async (req: Request) => {
      const url = new URL(req.url);
      const isForm = (req.headers.get("Content-Type") ?? "").startsWith("multipart/");
      const form = isForm ? await req.clone().formData() : null;
      const body = req.method === "GET" || isForm ? "" : await req.text();
      const s: Seen = { method: req.method, path: url.pathname.replace(/^\/api\/v1/, ""), query: url.searchParams, headers: req.headers, body, form };
      seen.push(s);
      return handler(s);
    }),
  );
  return seen;
}

/**
 * Renders `element` at `path` (route patterns) opened at `url`, for a user with `permissions`
 * (and `user`'s fields over the default signed-in user u1).
 */
export function renderPage(
  element: ReactNode,
  opts: { url: string; path: string | string[]; permissions: Me["permissions"]; user?: Partial<Me["user"]> },
) {
  const qc = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  const me = {
    user: { id: "u1", username: "rep", display_name: "Rep", is_active: true, zone_ids: [], ...opts.user },
    roles: [],
    permissions: opts.permissions,
  } as unknown as Me;
  const auth: AuthValue = {
    me,
    isAuthenticated: true,
    can: (r, a) => can(opts.permissions, r, a),
    login: async () => undefined,
    logout: async () => undefined,
  };
  const router = createMemoryRouter(
    [
      ...(Array.isArray(opts.path) ? opts.path : [opts.path]).map((path) => ({ path, element })),
      { path: "*", element: null },
    ],
    { initialEntries: [opts.url] },
  );
  const view = render(
    <QueryClientProvider client={qc}>
      <I18nProvider initial="zh-CN">
        <AuthContext.Provider value={auth}>
          <RouterProvider router={router} />
        </AuthContext.Provider>
      </I18nProvider>
    </QueryClientProvider>,
  );
  /** The current path and search. */
  const where = () => router.state.location.pathname + router.state.location.search;
  return { ...view, router, where };
}

/**
 * The typed API client (openapi-fetch over the generated schema) and its auth middleware:
 * adds the bearer token, and on a 401 refreshes the tokens once (single flight, the refresh
 * token rotates) and replays the request; when the refresh fails the session is lost.
 */
import createClient, { type Middleware } from "openapi-fetch";
import { ApiError } from "./problem";
import type { paths } from "./schema";
import { tokenStore } from "./tokens";
import type { TokenPair } from "./types";

export const API_PREFIX = "/api/v1";
const TOKEN_PATH = `${API_PREFIX}/auth/token`;
const REFRESH_PATH = `${API_PREFIX}/auth/refresh`;
const LOGOUT_PATH = `${API_PREFIX}/auth/logout`;
const NO_AUTH = new Set([TOKEN_PATH, REFRESH_PATH]);

type FetchFn = (input: Request) => Promise<Response>;

export interface ApiOptions {
  baseUrl?: string;
  /** Defaults to the global fetch, looked up at call time. */
  fetch?: FetchFn;
}

let authLostHandler: () => void = () => {
  if (!window.location.pathname.startsWith("/login")) {
    const next = encodeURIComponent(window.location.pathname + window.location.search);
    window.location.assign(`/login?next=${next}`);
  }
};

/** The app replaces the default (a full-page redirect to /login) with a router navigation. */
export function setAuthLostHandler(fn: () => void) {
  authLostHandler = fn;
}

function authLost() {
  tokenStore.clear();
  authLostHandler();
}

export function createAuthMiddleware(baseUrl: string, doFetch: FetchFn): Middleware {
  const replayable = new Map<string, Request>();
  let refreshing: Promise<boolean> | null = null;

  async function refresh(): Promise<boolean> {
    const refreshToken = tokenStore.refresh;
    if (!refreshToken) return false;
    try {
      const res = await doFetch(
        new Request(`${baseUrl}${REFRESH_PATH}`, {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ refresh_token: refreshToken }),
        }),
      );
      if (!res.ok) return false;
      const pair = (await res.json()) as TokenPair;
      tokenStore.set(pair);
      return true;
    } catch {
      return false;
    }
  }

  function refreshOnce(): Promise<boolean> {
    refreshing ??= refresh().finally(() => {
      refreshing = null;
    });
    return refreshing;
  }

  return {
    onRequest({ request, schemaPath, id }) {
      if (NO_AUTH.has(schemaPath)) return request;
      const token = tokenStore.access;
      if (token) request.headers.set("Authorization", `Bearer ${token}`);
      if (schemaPath !== LOGOUT_PATH) replayable.set(id, request.clone());
      return request;
    },
    async onResponse({ request, response, schemaPath, id }) {
      const original = replayable.get(id);
      replayable.delete(id);
      if (response.status !== 401 || NO_AUTH.has(schemaPath) || schemaPath === LOGOUT_PATH || !original) {
        return response;
      }
      const usedToken = request.headers.get("Authorization");
      const current = tokenStore.access;
      // Another request may already have rotated the tokens while this one was in flight.
      const fresh = current && `Bearer ${current}` !== usedToken ? true : await refreshOnce();
      if (!fresh) {
        authLost();
        return response;
      }
      const retry = new Request(original);
      retry.headers.set("Authorization", `Bearer ${tokenStore.access}`);
      const second = await doFetch(retry);
      if (second.status === 401) authLost();
      return second;
    },
  };
}

export function createApi(options: ApiOptions = {}) {
  const baseUrl = options.baseUrl ?? (typeof window !== "undefined" ? window.location.origin : "");
  const doFetch: FetchFn = options.fetch ?? ((req) => globalThis.fetch(req));
  const client = createClient<paths>({ baseUrl, fetch: doFetch });
  client.use(createAuthMiddleware(baseUrl, doFetch));
  return client;
}

export const api = createApi();

interface FetchResult<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

/** Awaits an openapi-fetch call and returns its data, or throws an ApiError (problem+json). */
export async function unwrap<T>(call: Promise<FetchResult<T>>): Promise<T> {
  const { data, error, response } = await call;
  if (!response.ok) throw ApiError.from(response, error);
  return data as T;
}

/** `If-Match` value for a record: its ETag if known, else its version as a strong ETag. */
export function ifMatch(record: { version?: number | null }, etag?: string | null): string {
  if (etag) return etag;
  return `"${record.version ?? ""}"`;
}

/** Drops empty strings, nulls and undefined from a query object. */
export function cleanQuery<T extends object>(q: T): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(q)) {
    if (v !== undefined && v !== null && v !== "") out[k] = v;
  }
  return out as T;
}

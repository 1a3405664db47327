/** Access and refresh tokens, kept in localStorage so a reload keeps the session. */
import type { TokenPair } from "./types";

const ACCESS = "crm.auth.access_token";
const REFRESH = "crm.auth.refresh_token";

type Listener = () => void;
const listeners = new Set<Listener>();

function notify() {
  for (const fn of listeners) fn();
}

export const tokenStore = {
  get access(): string | null {
    return localStorage.getItem(ACCESS);
  },
  get refresh(): string | null {
    return localStorage.getItem(REFRESH);
  },
  set(pair: Pick<TokenPair, "access_token" | "refresh_token">) {
    localStorage.setItem(ACCESS, pair.access_token);
    if (pair.refresh_token) localStorage.setItem(REFRESH, pair.refresh_token);
    notify();
  },
  clear() {
    localStorage.removeItem(ACCESS);
    localStorage.removeItem(REFRESH);
    notify();
  },
  subscribe(fn: Listener): () => void {
    listeners.add(fn);
    return () => listeners.delete(fn);
  },
};

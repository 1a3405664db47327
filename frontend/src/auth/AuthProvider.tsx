import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useCallback, useEffect, useMemo, useSyncExternalStore, type ReactNode } from "react";
import { useNavigate } from "react-router";
import { api, setAuthLostHandler, unwrap } from "../api/client";
import { tokenStore } from "../api/tokens";
import type { TokenPair } from "../api/types";
import { AuthContext, type AuthValue } from "./context";
import { fetchMe, ME_KEY } from "./me";
import { can } from "./permissions";


function useAccessToken(): string | null {
  return useSyncExternalStore(tokenStore.subscribe, () => tokenStore.access);
}

export function AuthProvider({ children }: { children: ReactNode }) {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const token = useAccessToken();

  useEffect(() => {
    setAuthLostHandler(() => {
      queryClient.clear();
      const here = window.location.pathname + window.location.search;
      if (!window.location.pathname.startsWith("/login")) {
        navigate(`/login?next=${encodeURIComponent(here)}`, { replace: true });
      }
    });
  }, [navigate, queryClient]);

  const meQuery = useQuery({ queryKey: ME_KEY, queryFn: fetchMe, enabled: Boolean(token), staleTime: 60_000 });
  const me = token ? meQuery.data : undefined;

  const login = useCallback(
    async (username: string, password: string) => {
      const pair: TokenPair = await unwrap(
        api.POST("/api/v1/auth/token", {
          body: { username, password },
          bodySerializer: (b) => new URLSearchParams(b as Record<string, string>),
          headers: { "Content-Type": "application/x-www-form-urlencoded" },
        }),
      );
      queryClient.clear();
      tokenStore.set(pair);
      await queryClient.fetchQuery({ queryKey: ME_KEY, queryFn: fetchMe });
    },
    [queryClient],
  );

  const logout = useCallback(async () => {
    const refresh = tokenStore.refresh;
    if (refresh) {
      try {
        await api.POST("/api/v1/auth/logout", { body: { refresh_token: refresh } });
      } catch {
        /* the session ends locally whatever the server says */
      }
    }
    tokenStore.clear();
    queryClient.clear();
    navigate("/login", { replace: true });
  }, [navigate, queryClient]);

  const value = useMemo<AuthValue>(
    () => ({
      me,
      isAuthenticated: Boolean(token),
      can: (resource, action) => can(me?.permissions, resource, action),
      login,
      logout,
    }),
    [me, token, login, logout],
  );

  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

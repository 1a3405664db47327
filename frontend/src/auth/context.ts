import { createContext, useContext } from "react";
import type { Me } from "../api/types";
import type { Action, Resource } from "./permissions";

export interface AuthValue {
  me: Me | undefined;
  isAuthenticated: boolean;
  can: (resource: Resource, action: Action) => boolean;
  login: (username: string, password: string) => Promise<void>;
  logout: () => Promise<void>;
}

export const AuthContext = createContext<AuthValue | null>(null);

export function useAuth(): AuthValue {
  const v = useContext(AuthContext);
  if (!v) throw new Error("useAuth outside AuthProvider");
  return v;
}

export function useCan(): AuthValue["can"] {
  return useAuth().can;
}

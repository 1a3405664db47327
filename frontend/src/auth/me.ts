import { api, unwrap } from "../api/client";
import type { Me } from "../api/types";

export const ME_KEY = ["me"] as const;

export function fetchMe(): Promise<Me> {
  return unwrap(api.GET("/api/v1/me"));
}

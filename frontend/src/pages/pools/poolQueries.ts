/** Query keys and fetchers of the public pools (公海). */
import { api, unwrap } from "../../api/client";
import { SELECT_LIMIT } from "../../api/queries";
import type { Pool, User } from "../../api/types";

export const poolKeys = {
  all: ["pools"] as const,
  list: ["pools", "list"] as const,
  customers: (poolId: string | null, query: object) => ["pools", "customers", poolId, query] as const,
};

export async function fetchPools(): Promise<Pool[]> {
  const page = await unwrap(api.GET("/api/v1/pools"));
  return page.items;
}

/** The active sales reps of these teams (each with its sub-teams), each rep once. */
export async function fetchTeamReps(teamIds: string[]): Promise<User[]> {
  const pages = await Promise.all(
    teamIds.map((team_id) =>
      unwrap(api.GET("/api/v1/users", { params: { query: { team_id, role: "sales_rep", is_active: true, limit: SELECT_LIMIT } } })),
    ),
  );
  const reps = new Map<string, User>();
  for (const page of pages) for (const u of page.items) reps.set(u.id, u);
  return [...reps.values()];
}

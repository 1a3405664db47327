/** Query keys and fetchers of the pipeline board, its drill-down and the sales targets. */
import { keepPreviousData, useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, unwrap } from "../../api/client";
import { SELECT_LIMIT } from "../../api/queries";
import type { User } from "../../api/types";
import {
  boardQuery,
  drillQuery,
  type Drill,
  type DrillPage,
  type PipelineBoard,
  type PipelineParams,
  type SalesTarget,
  type SalesTargetBatch,
} from "./pipelineHelpers";

export const pipelineKeys = {
  all: ["pipeline"] as const,
  board: (p: PipelineParams, today: string) => ["pipeline", "board", boardQuery(p, today)] as const,
  drill: (p: PipelineParams, today: string, drill: Drill) => ["pipeline", "drill", boardQuery(p, today), drill] as const,
  targets: (month: string) => ["sales-targets", month] as const,
  targetUsers: (teams: string[], zones: string[]) => ["sales-targets", "users", teams, zones] as const,
  user: (id: string) => ["users", "one", id] as const,
};

export function fetchPipelineBoard(p: PipelineParams, today: string): Promise<PipelineBoard> {
  return unwrap(api.GET("/api/v1/analytics/pipeline", { params: { query: boardQuery(p, today) } }));
}

export function fetchDrill(p: PipelineParams, today: string, drill: Drill, cursor: string | null): Promise<DrillPage> {
  return unwrap(api.GET("/api/v1/analytics/pipeline/opportunities", { params: { query: drillQuery(p, today, drill, cursor) } }));
}

export function usePipelineBoard(p: PipelineParams, today: string) {
  return useQuery({
    queryKey: pipelineKeys.board(p, today),
    queryFn: () => fetchPipelineBoard(p, today),
    placeholderData: keepPreviousData,
  });
}

/** The opportunities behind one number of the board, a page at a time (null: nothing open). */
export function useDrill(p: PipelineParams, today: string, drill: Drill | null) {
  return useInfiniteQuery({
    queryKey: pipelineKeys.drill(p, today, drill ?? { kind: "open" }),
    initialPageParam: null as string | null,
    queryFn: ({ pageParam }) => fetchDrill(p, today, drill!, pageParam),
    getNextPageParam: (last) => last.next_cursor ?? null,
    enabled: drill !== null,
  });
}

/** One user's display name (the owner filter's label before any search). */
export function useUserName(id: string | undefined) {
  return useQuery({
    queryKey: pipelineKeys.user(id ?? ""),
    queryFn: async () => {
      const u = await unwrap(api.GET("/api/v1/users/{user_id}", { params: { path: { user_id: id! } } }));
      return { id: u.id, display_name: u.display_name };
    },
    enabled: Boolean(id),
    staleTime: 5 * 60_000,
  });
}

// --- sales targets ----------------------------------------------------------------------------

export async function fetchTargets(month: string): Promise<SalesTarget[]> {
  return (await unwrap(api.GET("/api/v1/sales-targets", { params: { query: { month } } }))).items;
}

export function useTargets(month: string) {
  return useQuery({ queryKey: pipelineKeys.targets(month), queryFn: () => fetchTargets(month) });
}

async function allUsers(query: { team_id?: string; zone_id?: string }): Promise<User[]> {
  const out: User[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < 50; page++) {
    const res = await unwrap(api.GET("/api/v1/users", { params: { query: { ...query, is_active: true, limit: SELECT_LIMIT, cursor } } }));
    out.push(...res.items);
    if (!res.next_cursor) break;
    cursor = res.next_cursor;
  }
  return out;
}

/** The people of these teams (with sub-teams) and zones, each once. */
export function useTargetUsers(teams: string[], zones: string[], enabled: boolean) {
  return useQuery({
    queryKey: pipelineKeys.targetUsers(teams, zones),
    queryFn: async () => {
      const lists = await Promise.all([...teams.map((team_id) => allUsers({ team_id })), ...zones.map((zone_id) => allUsers({ zone_id }))]);
      const byId = new Map<string, User>();
      for (const u of lists.flat()) byId.set(u.id, u);
      return [...byId.values()];
    },
    enabled: enabled && teams.length + zones.length > 0,
    staleTime: 60_000,
  });
}

export function useSaveTargets() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: SalesTargetBatch) => unwrap(api.PUT("/api/v1/sales-targets/batch", { body })),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: ["sales-targets"] });
      void qc.invalidateQueries({ queryKey: pipelineKeys.all });
    },
  });
}

export function useDeleteTarget() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async (id: string) => {
      await unwrap(api.DELETE("/api/v1/sales-targets/{target_id}", { params: { path: { target_id: id } } }));
    },
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: ["sales-targets"] });
      void qc.invalidateQueries({ queryKey: pipelineKeys.all });
    },
  });
}

/**
 * Query keys, fetchers and shared hooks of the opportunity pages (the list, the kanban, the
 * forms and the detail page all use these).
 */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, ifMatch, unwrap } from "../../api/client";
import { ApiError } from "../../api/problem";
import { retryUnlessClientError } from "../customers/customerQueries";
import {
  boardQuery,
  listQuery,
  moveError,
  type Board,
  type BoardFilters,
  type BusinessLine,
  type Competitor,
  type ListFilters,
  type LostReason,
  type OpportunityDetail,
  type OpportunityPage,
  type StageMoveIn,
} from "./opportunityHelpers";

export const opportunityKeys = {
  all: ["opportunities"] as const,
  lists: ["opportunities", "list"] as const,
  list: (f: ListFilters) => ["opportunities", "list", f] as const,
  boards: ["opportunities", "board"] as const,
  board: (f: BoardFilters) => ["opportunities", "board", f] as const,
  detail: (id: string) => ["opportunities", "detail", id] as const,
  history: (id: string) => ["opportunities", "detail", id, "history"] as const,
  lostReasons: ["opportunities", "lost-reasons"] as const,
  competitors: (q: string) => ["competitors", "search", q] as const,
  /** Same key as the business-line settings page, so an admin's edit refreshes the forms. */
  businessLines: ["business-lines", "list"] as const,
};

export function fetchOpportunities(f: ListFilters, cursor: string | null, limit = 50): Promise<OpportunityPage> {
  return unwrap(api.GET("/api/v1/opportunities", { params: { query: listQuery(f, cursor, limit) } }));
}

export function fetchBoard(f: BoardFilters): Promise<Board> {
  return unwrap(api.GET("/api/v1/opportunities/board", { params: { query: boardQuery(f) } }));
}

export async function fetchOpportunity(id: string): Promise<OpportunityDetail> {
  const { data, error, response } = await api.GET("/api/v1/opportunities/{opportunity_id}", {
    params: { path: { opportunity_id: id } },
  });
  if (!response.ok || !data) throw ApiError.from(response, error);
  return data;
}

export async function fetchBusinessLines(): Promise<BusinessLine[]> {
  return (await unwrap(api.GET("/api/v1/business-lines"))).items;
}

export async function fetchLostReasons(): Promise<LostReason[]> {
  return (await unwrap(api.GET("/api/v1/opportunities/lost-reasons"))).items;
}

export async function searchCompetitors(q: string): Promise<Competitor[]> {
  return (await unwrap(api.GET("/api/v1/competitors", { params: { query: { q: q || undefined, limit: 20 } } }))).items;
}

/** One opportunity (GET /opportunities/{id}); its `version` is the If-Match of writes. */
export function useOpportunity(id: string | undefined) {
  return useQuery({
    queryKey: opportunityKeys.detail(id ?? ""),
    queryFn: () => fetchOpportunity(id!),
    enabled: Boolean(id),
    retry: retryUnlessClientError,
  });
}

/** Every business line with its ordered stages (inactive ones included; filter for forms). */
export function useBusinessLines(enabled = true) {
  return useQuery({ queryKey: opportunityKeys.businessLines, queryFn: fetchBusinessLines, staleTime: 60_000, enabled });
}

export function useLostReasons(enabled = true) {
  return useQuery({ queryKey: opportunityKeys.lostReasons, queryFn: fetchLostReasons, staleTime: 5 * 60_000, enabled });
}

export interface MoveVariables {
  id: string;
  /** The opportunity's version: sent as If-Match when known. */
  version?: number | null;
  body: StageMoveIn;
}

export async function moveStage({ id, version, body }: MoveVariables): Promise<OpportunityDetail> {
  const { data, error, response } = await api.POST("/api/v1/opportunities/{opportunity_id}/stage", {
    params: {
      path: { opportunity_id: id },
      ...(version !== undefined && version !== null ? { header: { "If-Match": ifMatch({ version }) } } : {}),
    },
    body,
  });
  if (!response.ok || !data) throw moveError(response, error);
  return data;
}

/**
 * POST /opportunities/{id}/stage. A 422 `stage-criteria-not-met` rejects with a
 * StageCriteriaError (`missing`: stage code, kind, item, message). On success the detail
 * cache holds the answer and every list, board and detail is refreshed.
 */
export function useMoveStage() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: moveStage,
    onSuccess: (opp) => {
      qc.setQueryData(opportunityKeys.detail(opp.id), opp);
      void qc.invalidateQueries({ queryKey: opportunityKeys.all });
    },
  });
}

/**
 * The detail page's reads and writes beyond the opportunity itself (which comes from the shared
 * `useOpportunity` of opportunityQueries). Writes that answer the whole opportunity put it
 * straight into the shared cache entry and refresh the history and the lists.
 */
import { useMutation, useQuery, useQueryClient, type QueryClient } from "@tanstack/react-query";
import { api, unwrap } from "../../api/client";
import { detailKeys, type Opportunity } from "./detailHelpers";
import { opportunityKeys } from "./opportunityQueries";

const path = (id: string) => ({ params: { path: { opportunity_id: id } } });

export function opportunityPath(id: string) {
  return path(id);
}

/** Puts an answered opportunity in the cache and refreshes what depends on it. */
export function storeOpportunity(qc: QueryClient, opp: Opportunity) {
  qc.setQueryData<Opportunity>(opportunityKeys.detail(opp.id), opp);
  void qc.invalidateQueries({ queryKey: opportunityKeys.history(opp.id) });
  void qc.invalidateQueries({ queryKey: opportunityKeys.lists });
  void qc.invalidateQueries({ queryKey: opportunityKeys.boards });
}

/** Refreshes the opportunity (its criteria follow the team, the chain and the documents). */
export function refreshOpportunity(qc: QueryClient, id: string) {
  void qc.invalidateQueries({ queryKey: opportunityKeys.detail(id), exact: true });
}

export function useTickChecklist(id: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: { stage_code: string; item: string; done: boolean }) =>
      unwrap(api.POST("/api/v1/opportunities/{opportunity_id}/checklist", { ...path(id), body })),
    onSuccess: (o) => storeOpportunity(qc, o),
  });
}

export function useHistory(id: string) {
  return useQuery({
    queryKey: opportunityKeys.history(id),
    queryFn: () => unwrap(api.GET("/api/v1/opportunities/{opportunity_id}/history", path(id))),
  });
}

export function useMembers(id: string, enabled = true) {
  return useQuery({
    queryKey: detailKeys.members(id),
    queryFn: () => unwrap(api.GET("/api/v1/opportunities/{opportunity_id}/members", path(id))),
    enabled,
  });
}

export function useDecisionChain(id: string, enabled = true) {
  return useQuery({
    queryKey: detailKeys.chain(id),
    queryFn: () => unwrap(api.GET("/api/v1/opportunities/{opportunity_id}/decision-chain", path(id))),
    enabled,
  });
}

export function useBids(id: string) {
  return useQuery({
    queryKey: detailKeys.competitors(id),
    queryFn: async () => (await unwrap(api.GET("/api/v1/opportunities/{opportunity_id}/competitors", path(id)))).items,
  });
}

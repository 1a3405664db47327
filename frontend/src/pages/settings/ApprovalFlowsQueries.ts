/** Query keys, fetchers and shared lookups of the approval-flow designer. */
import { useQuery } from "@tanstack/react-query";
import { useMemo } from "react";
import { api, unwrap } from "../../api/client";
import { ApiError } from "../../api/problem";
import { fetchRoles, fetchZones, keys } from "../../api/queries";
import { useCan } from "../../auth/context";
import { localLabel, useLang } from "../../i18n/context";
import type { Flow, FlowVersion, RequestKind, SummaryLabels } from "./ApprovalFlowsHelpers";

export const FLOW_KEYS = {
  all: ["approval-flows"] as const,
  list: (kind: RequestKind | null) => ["approval-flows", "list", kind ?? "all"] as const,
  one: (id: string) => ["approval-flows", "detail", id] as const,
  versions: (id: string) => ["approval-flows", "versions", id] as const,
};

export async function fetchFlows(kind: RequestKind | null): Promise<Flow[]> {
  const query = kind ? { kind } : {};
  return (await unwrap(api.GET("/api/v1/approval-flows", { params: { query } }))).items;
}

export interface FlowWithEtag {
  flow: Flow;
  etag: string | null;
}

/** One flow with its ETag (for If-Match). */
export async function fetchFlow(id: string): Promise<FlowWithEtag> {
  const { data, error, response } = await api.GET("/api/v1/approval-flows/{flow_id}", { params: { path: { flow_id: id } } });
  if (!response.ok || !data) throw ApiError.from(response, error);
  return { flow: data, etag: response.headers.get("ETag") };
}

export async function fetchVersions(id: string): Promise<FlowVersion[]> {
  return (await unwrap(api.GET("/api/v1/approval-flows/{flow_id}/versions", { params: { path: { flow_id: id } } }))).items;
}

/** Role labels (with role:read) and zone names for the step and match summaries. */
export function useSummaryLabels(): SummaryLabels {
  const { lang } = useLang();
  const can = useCan();
  const roles = useQuery({ queryKey: keys.roles, queryFn: fetchRoles, enabled: can("role", "read"), staleTime: 5 * 60_000 });
  const zones = useQuery({ queryKey: keys.zones, queryFn: () => fetchZones(), enabled: can("sales_zone", "read"), staleTime: 5 * 60_000 });
  return useMemo(() => {
    const role = new Map((roles.data ?? []).map((r) => [r.name, localLabel(r.label, lang) || r.name]));
    const zone = new Map((zones.data ?? []).map((z) => [z.id, z.name]));
    return { role: (name: string) => role.get(name) ?? name, zone: (id: string) => zone.get(id) ?? id };
  }, [roles.data, zones.data, lang]);
}

/** Fetchers and shared queries of the approval pages (the counts also feed the menu badge). */
import { useQuery } from "@tanstack/react-query";
import { api, unwrap } from "../../api/client";
import { useCan } from "../../auth/context";
import { approvalKeys, inboxQuery, type ApprovalCounts, type ApprovalDetail, type ApprovalPage, type InboxFilters } from "./approvalHelpers";

const COUNTS_POLL_MS = 60_000;

export function fetchInbox(f: InboxFilters, cursor: string | null): Promise<ApprovalPage> {
  return unwrap(api.GET("/api/v1/approvals", { params: { query: inboxQuery(f, cursor) } }));
}

export function fetchCounts(): Promise<ApprovalCounts> {
  return unwrap(api.GET("/api/v1/approvals/counts"));
}

export function fetchApproval(id: string): Promise<ApprovalDetail> {
  return unwrap(api.GET("/api/v1/approvals/{request_id}", { params: { path: { request_id: id } } }));
}

/** The daily numbers (inbox badges, the board strip, the menu badge); polled. */
export function useApprovalCounts() {
  const can = useCan();
  return useQuery({
    queryKey: approvalKeys.counts,
    queryFn: fetchCounts,
    enabled: can("approval", "read"),
    refetchInterval: COUNTS_POLL_MS,
    staleTime: 10_000,
  });
}

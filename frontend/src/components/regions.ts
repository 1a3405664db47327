import { useQueries, useQuery } from "@tanstack/react-query";
import { useCallback, useMemo, useState } from "react";
import { fetchRegions, keys } from "../api/queries";
import type { Region } from "../api/types";

const ROOT = "";

/**
 * Region levels loaded on demand over GET /regions?parent_code= (provinces first), cached by
 * react-query. `preloadParents` are the codes whose children the current value needs.
 */
export function useRegionTree(preloadParents: string[]) {
  const [expanded, setExpanded] = useState<string[]>([]);
  const parents = useMemo(() => [...new Set([ROOT, ...preloadParents, ...expanded])], [preloadParents, expanded]);
  const results = useQueries({
    queries: parents.map((p) => ({
      queryKey: keys.regions(p || null),
      queryFn: () => fetchRegions(p || null),
      staleTime: Infinity,
    })),
  });
  const children: Record<string, Region[]> = {};
  parents.forEach((p, i) => {
    const data = results[i]?.data;
    if (data) children[p] = data;
  });
  const load = useCallback((parent: string) => setExpanded((e) => (e.includes(parent) ? e : [...e, parent])), []);
  return { children, load };
}

/** Names for a province / city / district triple, for display. */
export function useRegionNames(codes: (string | null | undefined)[]): string[] {
  const parents = [ROOT, ...codes.slice(0, -1)];
  const results = useQueries({
    queries: codes.map((code, i) => ({
      // a level without a parent is disabled: its own key keeps useQueries' keys distinct
      queryKey: i > 0 && !parents[i] ? [...keys.regions(null), "no-parent", i] : keys.regions(parents[i] || null),
      queryFn: () => fetchRegions(parents[i] || null),
      staleTime: Infinity,
      enabled: Boolean(code) && (i === 0 || Boolean(parents[i])),
    })),
  });
  return codes.map((code, i) => {
    if (!code) return "";
    return results[i]?.data?.find((r) => r.code === code)?.name ?? code;
  });
}

/** Names for city codes (GB/T 2260 level 2), looked up among their provinces' children. */
export function useCityNames(codes: string[]): string[] {
  const provinces = [...new Set(codes.map((c) => `${c.slice(0, 2)}0000`))];
  const results = useQueries({
    queries: provinces.map((p) => ({
      queryKey: keys.regions(p),
      queryFn: () => fetchRegions(p),
      staleTime: Infinity,
    })),
  });
  const names = new Map<string, string>();
  for (const r of results) for (const region of r.data ?? []) names.set(region.code, region.name);
  return codes.map((c) => names.get(c) ?? c);
}

/** Names for province codes (GB/T 2260 level 1). */
export function useProvinceNames(codes: string[]): string[] {
  const { data } = useQuery({
    queryKey: keys.regions(null),
    queryFn: () => fetchRegions(null),
    staleTime: Infinity,
    enabled: codes.length > 0,
  });
  const names = new Map((data ?? []).map((r) => [r.code, r.name]));
  return codes.map((c) => names.get(c) ?? c);
}

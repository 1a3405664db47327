import { useQuery } from "@tanstack/react-query";
import { Select, TreeSelect } from "antd";
import { useEffect, useMemo, useState } from "react";
import {
  buildTree,
  fetchDepartments,
  fetchRegions,
  fetchRoles,
  fetchTeams,
  fetchTiers,
  fetchZones,
  keys,
  searchUsers,
  type TreeNode,
} from "../api/queries";
import type { Department } from "../api/types";
import { useCan } from "../auth/context";
import { localLabel, useLang } from "../i18n/context";

interface ValueProps<V> {
  value?: V;
  onChange?: (value: V) => void;
  placeholder?: string;
  allowClear?: boolean;
  disabled?: boolean;
  "data-testid"?: string;
}

function useDebounced<T>(value: T, ms = 300): T {
  const [v, setV] = useState(value);
  useEffect(() => {
    const h = setTimeout(() => setV(value), ms);
    return () => clearTimeout(h);
  }, [value, ms]);
  return v;
}

/** Pick a user by searching GET /users?q=. `initial` labels the current value before any search. */
export function UserSelect({
  initial,
  ...props
}: ValueProps<string | null> & { initial?: { id: string; display_name: string } | null }) {
  const [q, setQ] = useState("");
  const dq = useDebounced(q);
  const { data, isFetching } = useQuery({ queryKey: keys.users({ q: dq, select: true }), queryFn: () => searchUsers(dq) });
  const options = useMemo(() => {
    const opts = (data ?? []).map((u) => ({ value: u.id, label: `${u.display_name} (${u.username})` }));
    if (initial && !opts.some((o) => o.value === initial.id)) opts.unshift({ value: initial.id, label: initial.display_name });
    return opts;
  }, [data, initial]);
  return (
    <Select
      showSearch
      filterOption={false}
      onSearch={setQ}
      loading={isFetching}
      options={options}
      allowClear={props.allowClear ?? true}
      value={props.value ?? undefined}
      onChange={(v) => props.onChange?.(v ?? null)}
      placeholder={props.placeholder}
      disabled={props.disabled}
      data-testid={props["data-testid"]}
      style={{ minWidth: 180 }}
    />
  );
}

export function ZoneSelect(props: ValueProps<string | null>) {
  const { data, isLoading } = useQuery({ queryKey: keys.zones, queryFn: () => fetchZones() });
  return (
    <Select
      showSearch
      optionFilterProp="label"
      loading={isLoading}
      options={(data ?? []).map((z) => ({ value: z.id, label: z.name }))}
      allowClear={props.allowClear ?? true}
      value={props.value ?? undefined}
      onChange={(v) => props.onChange?.(v ?? null)}
      placeholder={props.placeholder}
      disabled={props.disabled}
      data-testid={props["data-testid"]}
      style={{ minWidth: 160 }}
    />
  );
}

export function MultiZoneSelect(props: ValueProps<string[]>) {
  const { data, isLoading } = useQuery({ queryKey: keys.zones, queryFn: () => fetchZones() });
  return (
    <Select
      mode="multiple"
      optionFilterProp="label"
      loading={isLoading}
      options={(data ?? []).map((z) => ({ value: z.id, label: z.name }))}
      value={props.value ?? []}
      onChange={(v) => props.onChange?.(v)}
      placeholder={props.placeholder}
      data-testid={props["data-testid"]}
    />
  );
}

export function TeamSelect({ zoneId, excludeId, ...props }: ValueProps<string | null> & { zoneId?: string | null; excludeId?: string }) {
  const { data, isLoading } = useQuery({ queryKey: keys.teams(zoneId), queryFn: () => fetchTeams(zoneId) });
  return (
    <Select
      showSearch
      optionFilterProp="label"
      loading={isLoading}
      options={(data ?? []).filter((t) => t.id !== excludeId).map((t) => ({ value: t.id, label: t.name }))}
      allowClear={props.allowClear ?? true}
      value={props.value ?? undefined}
      onChange={(v) => props.onChange?.(v ?? null)}
      placeholder={props.placeholder}
      disabled={props.disabled}
      data-testid={props["data-testid"]}
      style={{ minWidth: 160 }}
    />
  );
}

/** A province (GB/T 2260 level 1) from GET /regions. */
export function ProvinceSelect(props: ValueProps<string | null>) {
  const { data, isLoading } = useQuery({ queryKey: keys.regions(null), queryFn: () => fetchRegions(null), staleTime: Infinity });
  return (
    <Select
      showSearch
      optionFilterProp="label"
      loading={isLoading}
      options={(data ?? []).map((r) => ({ value: r.code, label: r.name }))}
      allowClear={props.allowClear ?? true}
      value={props.value ?? undefined}
      onChange={(v) => props.onChange?.(v ?? null)}
      placeholder={props.placeholder}
      disabled={props.disabled}
      data-testid={props["data-testid"]}
      style={{ minWidth: 140 }}
    />
  );
}

/** The customer tiers from GET /customer-tiers ("A · A 类（重点）"). */
export function TierSelect(props: ValueProps<string | null>) {
  const { data, isLoading } = useQuery({ queryKey: keys.tiers, queryFn: fetchTiers, staleTime: 5 * 60_000 });
  return (
    <Select
      loading={isLoading}
      options={(data ?? []).map((tier) => ({ value: tier.code, label: tier.name.startsWith(tier.code) ? tier.name : `${tier.code} · ${tier.name}` }))}
      allowClear={props.allowClear ?? true}
      value={props.value ?? undefined}
      onChange={(v) => props.onChange?.(v ?? null)}
      placeholder={props.placeholder}
      disabled={props.disabled}
      data-testid={props["data-testid"]}
      style={{ minWidth: 120 }}
    />
  );
}

export function RoleSelect({ multiple, ...props }: ValueProps<string[] | string | null> & { multiple?: boolean }) {
  const { lang } = useLang();
  // GET /roles needs role:read; without it the select can only show the names it holds
  const mayList = useCan()("role", "read");
  const { data, isLoading } = useQuery({ queryKey: keys.roles, queryFn: fetchRoles, enabled: mayList });
  const held = props.value === null || props.value === undefined ? [] : Array.isArray(props.value) ? props.value : [props.value];
  const roles = data ?? held.map((name) => ({ name, label: name }));
  return (
    <Select
      mode={multiple ? "multiple" : undefined}
      optionFilterProp="label"
      loading={isLoading}
      options={roles.map((r) => {
        const label = localLabel(r.label, lang);
        return { value: r.name, label: label && label !== r.name ? `${label} (${r.name})` : r.name };
      })}
      allowClear={props.allowClear ?? true}
      value={props.value ?? undefined}
      onChange={(v) => props.onChange?.(v ?? null)}
      placeholder={props.placeholder}
      disabled={props.disabled}
      data-testid={props["data-testid"]}
      style={{ minWidth: 160 }}
    />
  );
}

interface TreeData {
  value: string;
  title: string;
  children: TreeData[];
}

function toTreeData(nodes: TreeNode<Department>[]): TreeData[] {
  return nodes.map((n) => ({ value: n.item.id, title: n.item.name, children: toTreeData(n.children) }));
}

export function DepartmentTreeSelect(props: ValueProps<string | null>) {
  const { data } = useQuery({ queryKey: keys.departments, queryFn: fetchDepartments });
  const treeData = useMemo(() => toTreeData(buildTree(data ?? [], (d) => d.id, (d) => d.parent_id)), [data]);
  return (
    <TreeSelect
      treeData={treeData}
      treeDefaultExpandAll
      allowClear={props.allowClear ?? true}
      value={props.value ?? undefined}
      onChange={(v) => props.onChange?.(v ?? null)}
      placeholder={props.placeholder}
      data-testid={props["data-testid"]}
      style={{ minWidth: 180 }}
    />
  );
}

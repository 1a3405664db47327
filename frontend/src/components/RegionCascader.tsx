import { Cascader } from "antd";
import { useMemo } from "react";
import type { Region } from "../api/types";
import { useRegionTree } from "./regions";

interface Option {
  value: string;
  label: string;
  isLeaf: boolean;
  children?: Option[];
}

function buildOptions(parent: string, children: Record<string, Region[]>, maxLevel: number): Option[] | undefined {
  const items = children[parent];
  if (!items) return undefined;
  return items.map((r) => {
    const isLeaf = r.level >= maxLevel;
    return { value: r.code, label: r.name, isLeaf, children: isLeaf ? undefined : buildOptions(r.code, children, maxLevel) };
  });
}

interface SingleProps {
  value?: string[];
  onChange?: (value: string[]) => void;
  maxLevel?: 1 | 2 | 3;
  placeholder?: string;
  "data-testid"?: string;
}

/** Province / city / district picker over GET /regions?parent_code=. */
export function RegionCascader({ value, onChange, maxLevel = 3, placeholder, ...rest }: SingleProps) {
  const { children, load } = useRegionTree((value ?? []).slice(0, -1));
  const options = buildOptions("", children, maxLevel) ?? [];
  return (
    <Cascader
      options={options}
      value={value && value.length ? value : undefined}
      changeOnSelect
      allowClear
      placeholder={placeholder}
      data-testid={rest["data-testid"]}
      loadData={(selected) => {
        const last = selected[selected.length - 1];
        if (last?.value) void load(String(last.value));
      }}
      onChange={(v) => onChange?.(((v ?? []) as (string | number)[]).map(String))}
    />
  );
}

interface MultiProps {
  value?: string[][];
  onChange?: (value: string[][]) => void;
  maxLevel?: 1 | 2 | 3;
  placeholder?: string;
}

/** Several regions at once (a sales zone's provinces and cities). */
export function MultiRegionCascader({ value, onChange, maxLevel = 2, placeholder }: MultiProps) {
  const parents = useMemo(() => [...new Set((value ?? []).flatMap((p) => p.slice(0, -1)))], [value]);
  const { children, load } = useRegionTree(parents);
  const options = buildOptions("", children, maxLevel) ?? [];
  return (
    <Cascader
      multiple
      options={options}
      value={value}
      placeholder={placeholder}
      showCheckedStrategy={Cascader.SHOW_PARENT}
      maxTagCount="responsive"
      loadData={(selected) => {
        const last = selected[selected.length - 1];
        if (last?.value) void load(String(last.value));
      }}
      onChange={(v) => onChange?.(((v ?? []) as (string | number)[][]).map((p) => p.map(String)))}
    />
  );
}

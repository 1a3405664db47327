import { useQuery } from "@tanstack/react-query";
import { Select } from "antd";
import { useMemo } from "react";
import { fetchTagCategories, fetchTags, keys } from "../../api/queries";

/** Tags grouped by category. */
export function TagSelect({
  value,
  onChange,
  placeholder,
  exclude = [],
  ...rest
}: {
  value?: string | null;
  onChange?: (v: string | null) => void;
  placeholder?: string;
  exclude?: string[];
  "data-testid"?: string;
}) {
  const tags = useQuery({ queryKey: keys.tags(null), queryFn: () => fetchTags(null) });
  const cats = useQuery({ queryKey: keys.tagCategories, queryFn: fetchTagCategories });
  const options = useMemo(() => {
    const byCat = new Map<string, { label: string; options: { value: string; label: string }[] }>();
    for (const c of cats.data ?? []) byCat.set(c.id, { label: c.name, options: [] });
    const other = { label: "—", options: [] as { value: string; label: string }[] };
    for (const tag of tags.data ?? []) {
      if (exclude.includes(tag.id)) continue;
      (byCat.get(tag.category_id) ?? other).options.push({ value: tag.id, label: tag.name });
    }
    return [...byCat.values(), other].filter((g) => g.options.length);
  }, [tags.data, cats.data, exclude]);
  return (
    <Select
      showSearch
      optionFilterProp="label"
      allowClear
      loading={tags.isLoading}
      options={options}
      value={value ?? undefined}
      onChange={(v) => onChange?.(v ?? null)}
      placeholder={placeholder}
      data-testid={rest["data-testid"]}
      style={{ minWidth: 160 }}
    />
  );
}

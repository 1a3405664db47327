import { DownOutlined, DownloadOutlined, PlusOutlined, SettingOutlined, SwapOutlined, UpOutlined } from "@ant-design/icons";
import { useInfiniteQuery, useQuery } from "@tanstack/react-query";
import {
  Button,
  Card,
  Checkbox,
  Col,
  DatePicker,
  Dropdown,
  Form,
  Input,
  Popover,
  Row,
  Select,
  Space,
  Table,
  Tag,
  Tooltip,
  Typography,
  type TableColumnsType,
  type TableProps,
} from "antd";
import type { Dayjs } from "dayjs";
import { useMemo, useState, type HTMLAttributes, type ReactNode } from "react";
import { Link, useNavigate } from "react-router";
import { api, cleanQuery, unwrap } from "../../api/client";
import { ApiError } from "../../api/problem";
import { fetchTiers, keys } from "../../api/queries";
import type { CustomerListItem, CustomerQuery, CustomerSort } from "../../api/types";
import { useCan } from "../../auth/context";
import { useNow } from "../../components/chinaTime";
import { fmtDateTime, readStored, writeStored } from "../../components/format";
import { useRegionNames } from "../../components/regions";
import { ProvinceSelect, TeamSelect, TierSelect, UserSelect, ZoneSelect } from "../../components/selects";
import { useApiError } from "../../components/useApiError";
import { translateDynamic, useT } from "../../i18n/context";
import { RecycleCountdown } from "./CustomerPoolActions";
import { QuickFollowUpModal } from "./FollowUpForm";
import { useRemindDays } from "./recycleDue";
import { TagSelect } from "./TagSelect";
import { useMayHandOver } from "./transfer";
import { TransferCustomersDialog } from "./TransferCustomersDialog";

const PAGE_SIZE = 50;
const COLUMNS_KEY = "crm.customers.columns";
const LEVELS = ["normal", "KA", "SKA"] as const;

type ColumnKey =
  | "name"
  | "kind"
  | "level"
  | "tier"
  | "owner"
  | "zone"
  | "tags"
  | "region"
  | "mobile"
  | "uscc"
  | "industry"
  | "last_followed_up_at"
  | "recycle_due_at"
  | "created_at"
  | "updated_at";

const ALL_COLUMNS: ColumnKey[] = [
  "name",
  "kind",
  "level",
  "tier",
  "owner",
  "zone",
  "tags",
  "region",
  "mobile",
  "uscc",
  "industry",
  "last_followed_up_at",
  "recycle_due_at",
  "created_at",
  "updated_at",
];
const DEFAULT_COLUMNS: ColumnKey[] = ["name", "kind", "level", "tier", "owner", "zone", "tags", "last_followed_up_at", "recycle_due_at", "created_at"];

interface FilterValues {
  kind?: CustomerQuery["kind"];
  level?: CustomerQuery["level"];
  tier?: CustomerQuery["tier"];
  owner_id?: string | null;
  team_id?: string | null;
  zone_id?: string | null;
  tag_id?: string | null;
  industry?: string;
  province_code?: string | null;
  uscc?: string;
  mobile?: string;
  created?: [Dayjs | null, Dayjs | null] | null;
  last_followed_up?: [Dayjs | null, Dayjs | null] | null;
}

function filtersToQuery(f: FilterValues, q: string, sort: CustomerSort | undefined): CustomerQuery {
  return cleanQuery({
    q: q.trim(),
    kind: f.kind,
    level: f.level,
    tier: f.tier,
    owner_id: f.owner_id,
    team_id: f.team_id,
    zone_id: f.zone_id,
    tag_id: f.tag_id,
    industry: f.industry?.trim(),
    province_code: f.province_code,
    uscc: f.uscc?.trim(),
    mobile: f.mobile?.trim(),
    created_from: f.created?.[0]?.startOf("day").toISOString(),
    created_to: f.created?.[1]?.endOf("day").toISOString(),
    last_followed_up_from: f.last_followed_up?.[0]?.startOf("day").toISOString(),
    last_followed_up_to: f.last_followed_up?.[1]?.endOf("day").toISOString(),
    sort,
  } as CustomerQuery);
}

function RegionText({ item }: { item: CustomerListItem }) {
  const names = useRegionNames([item.province_code, item.city_code, item.district_code]);
  return <>{names.filter(Boolean).join(" / ")}</>;
}

/** Columns the API sorts by (`sort`, "-" prefix for descending). */
const SORTABLE: ColumnKey[] = ["name", "created_at", "last_followed_up_at", "updated_at", "level", "tier"];

function downloadBlob(blob: Blob, filename: string) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = filename;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

function filenameFrom(response: Response, fallback: string): string {
  const cd = response.headers.get("Content-Disposition") ?? "";
  const star = /filename\*=UTF-8''([^;]+)/i.exec(cd);
  if (star?.[1]) return decodeURIComponent(star[1]);
  const plain = /filename="?([^";]+)"?/i.exec(cd);
  return plain?.[1] ?? fallback;
}

export function CustomerListPage() {
  const t = useT();
  const can = useCan();
  const navigate = useNavigate();
  const report = useApiError();
  const [form] = Form.useForm<FilterValues>();
  const [filters, setFilters] = useState<FilterValues>({});
  const [q, setQ] = useState("");
  const [sort, setSort] = useState<CustomerSort | undefined>(undefined);
  const [visible, setVisible] = useState<ColumnKey[]>(() =>
    readStored<ColumnKey[]>(COLUMNS_KEY, DEFAULT_COLUMNS).filter((k) => ALL_COLUMNS.includes(k)),
  );
  const [followUpFor, setFollowUpFor] = useState<CustomerListItem | null>(null);
  const [exporting, setExporting] = useState(false);
  const [pickedIds, setPickedIds] = useState<string[]>([]);
  const [transferring, setTransferring] = useState<"selected" | "all" | null>(null);
  const mayHandOver = useMayHandOver();

  const query = useMemo(() => filtersToQuery(filters, q, sort), [filters, q, sort]);
  const [expanded, setExpanded] = useState(false);
  const advanced = expanded ? undefined : { display: "none" };
  // filters applied from the folded part of the panel, counted on its toggle
  const hiddenActive = Object.entries(filters).filter(
    ([k, v]) => !["kind", "level", "tier"].includes(k) && v !== undefined && v !== null && v !== "" && !(Array.isArray(v) && v.every((x) => !x)),
  ).length;
  const tiers = useQuery({ queryKey: keys.tiers, queryFn: fetchTiers, staleTime: 5 * 60_000 });
  const tierName = useMemo(() => new Map((tiers.data ?? []).map((tier) => [tier.code, tier.name])), [tiers.data]);
  const remindDays = useRemindDays();
  const now = useNow();

  const list = useInfiniteQuery({
    queryKey: ["customers", "list", query],
    initialPageParam: null as string | null,
    queryFn: ({ pageParam }) =>
      unwrap(
        api.GET("/api/v1/customers", {
          params: { query: { ...query, limit: PAGE_SIZE, ...(pageParam ? { cursor: pageParam } : {}) } },
        }),
      ),
    getNextPageParam: (last) => last.next_cursor ?? null,
  });
  const rows = useMemo(() => list.data?.pages.flatMap((p) => p.items) ?? [], [list.data]);
  // the selected rows still listed (the filters may have changed since)
  const picked = useMemo(() => rows.filter((r) => pickedIds.includes(r.id)), [pickedIds, rows]);
  // the selection's owner hands over, when it has just one
  const pickedOwners = [...new Map(picked.map((r) => [r.owner?.id ?? "", r.owner])).values()];
  const pickedOwner = transferring === "selected" && pickedOwners.length === 1 ? (pickedOwners[0] ?? null) : null;

  function setColumns(keys: ColumnKey[]) {
    const ordered = ALL_COLUMNS.filter((k) => keys.includes(k) || k === "name");
    setVisible(ordered);
    writeStored(COLUMNS_KEY, ordered);
  }

  async function exportAs(format: "xlsx" | "csv") {
    setExporting(true);
    try {
      const { data, error, response } = await api.GET("/api/v1/customers/export", {
        params: { query: { ...query, format } },
        parseAs: "blob",
      });
      if (!response.ok || !data) throw ApiError.from(response, error);
      downloadBlob(data as Blob, filenameFrom(response, `customers.${format}`));
    } catch (e) {
      report(e);
    } finally {
      setExporting(false);
    }
  }

  const columnTitles: Record<ColumnKey, string> = {
    name: t("customer.name"),
    kind: t("customer.kind"),
    level: t("customer.level"),
    tier: t("customer.tier"),
    owner: t("customer.owner"),
    zone: t("customer.zone"),
    tags: t("customer.tags"),
    region: t("customer.region"),
    mobile: t("customer.mobile"),
    uscc: t("customer.uscc"),
    industry: t("customer.industry"),
    last_followed_up_at: t("customer.lastFollowedUpAt"),
    recycle_due_at: t("customer.recycleDue"),
    created_at: t("common.createdAt"),
    updated_at: t("common.updatedAt"),
  };

  const render: Record<ColumnKey, (r: CustomerListItem) => ReactNode> = {
    name: (r) => (
      <Link to={`/customers/${r.id}`} data-testid="customer-link">
        {r.name}
      </Link>
    ),
    kind: (r) => translateDynamic(t, "customer.kind", r.kind),
    level: (r) => (
      <Tag color={r.level === "SKA" ? "red" : r.level === "KA" ? "orange" : undefined}>{translateDynamic(t, "customer.level", r.level)}</Tag>
    ),
    tier: (r) => (r.tier ? <Tooltip title={tierName.get(r.tier)}>{r.tier}</Tooltip> : ""),
    owner: (r) => r.owner?.display_name ?? "",
    zone: (r) => r.zone?.name ?? "",
    tags: (r) => (
      <>
        {(r.tags ?? []).map((tag) => (
          <Tag key={tag.id} color={tag.color ?? undefined}>
            {tag.name}
            {tag.count > 1 ? ` ×${tag.count}` : ""}
          </Tag>
        ))}
      </>
    ),
    region: (r) => <RegionText item={r} />,
    mobile: (r) => r.mobile ?? "",
    uscc: (r) => r.uscc ?? "",
    industry: (r) => r.industry ?? "",
    last_followed_up_at: (r) => fmtDateTime(r.last_followed_up_at),
    recycle_due_at: (r) => <RecycleCountdown customer={r} remindDays={remindDays} now={now} />,
    created_at: (r) => fmtDateTime(r.created_at),
    updated_at: (r) => fmtDateTime(r.updated_at),
  };

  const columns: TableColumnsType<CustomerListItem> = visible.map((key) => {
    const sortable = SORTABLE.includes(key);
    const current = sort?.replace(/^-/, "") === key ? (sort.startsWith("-") ? "descend" : "ascend") : null;
    return {
      key,
      dataIndex: key,
      title: columnTitles[key],
      render: (_: unknown, r: CustomerListItem) => render[key](r),
      sorter: sortable,
      sortOrder: sortable ? current : undefined,
      sortDirections: ["ascend", "descend"],
      ellipsis: key === "name" ? false : true,
    };
  });
  if (can("follow_up", "create") || can("customer", "update")) {
    columns.push({
      key: "actions",
      title: t("common.actions"),
      fixed: "right",
      width: 180,
      render: (_: unknown, r: CustomerListItem) => (
        <Space size="small">
          {can("follow_up", "create") && (
            <Button size="small" type="link" data-testid="customer-quick-followup" onClick={() => setFollowUpFor(r)}>
              {t("customer.quickFollowUp")}
            </Button>
          )}
          {can("customer", "update") && (
            <Button size="small" type="link" onClick={() => navigate(`/customers/${r.id}/edit`)}>
              {t("common.edit")}
            </Button>
          )}
        </Space>
      ),
    });
  }

  const onTableChange: TableProps<CustomerListItem>["onChange"] = (_p, _f, sorter) => {
    const s = Array.isArray(sorter) ? sorter[0] : sorter;
    if (!s?.order || !s.columnKey) setSort(undefined);
    else setSort(`${s.order === "descend" ? "-" : ""}${String(s.columnKey)}` as CustomerSort);
  };

  return (
    <Space direction="vertical" style={{ width: "100%" }} size="middle">
      <Card
        title={t("customer.list")}
        extra={
          <Space wrap>
            <Input.Search
              allowClear
              placeholder={t("customer.searchPlaceholder")}
              onSearch={(v) => setQ(v)}
              style={{ width: 280 }}
              data-testid="customer-search"
            />
            <Popover
              trigger="click"
              placement="bottomRight"
              content={
                <Checkbox.Group
                  value={visible}
                  onChange={(v) => setColumns(v as ColumnKey[])}
                  style={{ display: "flex", flexDirection: "column", gap: 4 }}
                  options={ALL_COLUMNS.map((k) => ({ value: k, label: columnTitles[k], disabled: k === "name" }))}
                />
              }
            >
              <Button icon={<SettingOutlined />} data-testid="customer-columns">
                {t("common.columns")}
              </Button>
            </Popover>
            {can("customer", "export") && (
              <Dropdown
                menu={{
                  items: [
                    { key: "xlsx", label: t("customer.exportXlsx") },
                    { key: "csv", label: t("customer.exportCsv") },
                  ],
                  onClick: ({ key }) => void exportAs(key as "xlsx" | "csv"),
                }}
              >
                <Button icon={<DownloadOutlined />} loading={exporting} data-testid="customer-export">
                  {t("customer.export")}
                </Button>
              </Dropdown>
            )}
            {mayHandOver && (
              <Button icon={<SwapOutlined />} onClick={() => setTransferring("all")} data-testid="customer-handover">
                {t("transfer.handOver")}
              </Button>
            )}
            {can("customer", "create") && (
              <Button type="primary" icon={<PlusOutlined />} onClick={() => navigate("/customers/new")} data-testid="customer-create">
                {t("customer.new")}
              </Button>
            )}
          </Space>
        }
      >
        <Form<FilterValues> form={form} layout="vertical" onFinish={(v) => setFilters(v)} data-testid="customer-filters">
          <Row gutter={16}>
            <Col xs={24} sm={12} md={6}>
              <Form.Item name="kind" label={t("customer.kind")}>
                <Select
                  allowClear
                  options={(["enterprise", "individual"] as const).map((k) => ({ value: k, label: t(`customer.kind.${k}`) }))}
                />
              </Form.Item>
            </Col>
            <Col xs={24} sm={12} md={6}>
              <Form.Item name="level" label={t("customer.level")}>
                <Select allowClear options={LEVELS.map((l) => ({ value: l, label: t(`customer.level.${l}`) }))} />
              </Form.Item>
            </Col>
            <Col xs={24} sm={12} md={6}>
              <Form.Item name="tier" label={t("customer.tier")}>
                <TierSelect data-testid="customer-filter-tier" />
              </Form.Item>
            </Col>
            {can("user", "read") && (
              <Col xs={24} sm={12} md={6} style={advanced}>
                <Form.Item name="owner_id" label={t("customer.owner")}>
                  <UserSelect />
                </Form.Item>
              </Col>
            )}
            {can("team", "read") && (
              <Col xs={24} sm={12} md={6} style={advanced}>
                <Form.Item name="team_id" label={t("customer.team")}>
                  <TeamSelect />
                </Form.Item>
              </Col>
            )}
            {can("sales_zone", "read") && (
              <Col xs={24} sm={12} md={6} style={advanced}>
                <Form.Item name="zone_id" label={t("customer.zone")}>
                  <ZoneSelect />
                </Form.Item>
              </Col>
            )}
            {can("tag", "read") && (
              <Col xs={24} sm={12} md={6} style={advanced}>
                <Form.Item name="tag_id" label={t("customer.tag")}>
                  <TagSelect />
                </Form.Item>
              </Col>
            )}
            <Col xs={24} sm={12} md={6} style={advanced}>
              <Form.Item name="industry" label={t("customer.industry")}>
                <Input allowClear />
              </Form.Item>
            </Col>
            {can("region", "read") && (
              <Col xs={24} sm={12} md={6} style={advanced}>
                <Form.Item name="province_code" label={t("customer.province")}>
                  <ProvinceSelect />
                </Form.Item>
              </Col>
            )}
            <Col xs={24} sm={12} md={6} style={advanced}>
              <Form.Item name="uscc" label={t("customer.uscc")}>
                <Input allowClear />
              </Form.Item>
            </Col>
            <Col xs={24} sm={12} md={6} style={advanced}>
              <Form.Item name="mobile" label={t("customer.mobile")}>
                <Input allowClear />
              </Form.Item>
            </Col>
            <Col xs={24} sm={12} md={6} style={advanced}>
              <Form.Item name="created" label={t("customer.createdRange")}>
                <DatePicker.RangePicker allowEmpty={[true, true]} style={{ width: "100%" }} />
              </Form.Item>
            </Col>
            <Col xs={24} sm={12} md={6} style={advanced}>
              <Form.Item name="last_followed_up" label={t("customer.lastFollowedUpRange")}>
                <DatePicker.RangePicker allowEmpty={[true, true]} style={{ width: "100%" }} />
              </Form.Item>
            </Col>
            <Col xs={24} sm={12} md={6} style={{ display: "flex", alignItems: "flex-end", paddingBottom: 24 }}>
              <Space wrap>
                <Button type="primary" htmlType="submit" data-testid="customer-filter-apply">
                  {t("common.search")}
                </Button>
                <Button
                  onClick={() => {
                    form.resetFields();
                    setFilters({});
                  }}
                >
                  {t("common.reset")}
                </Button>
                <Button type="link" onClick={() => setExpanded((e) => !e)} data-testid="customer-filters-toggle" style={{ paddingInline: 4 }}>
                  {expanded ? t("common.collapse") : t("common.moreFilters")}
                  {!expanded && hiddenActive > 0 ? ` (${hiddenActive})` : ""}
                  {expanded ? <UpOutlined /> : <DownOutlined />}
                </Button>
              </Space>
            </Col>
          </Row>
        </Form>
      </Card>
      <Card>
        {picked.length > 0 && (
          <Space style={{ marginBottom: 12 }} data-testid="customer-bulk">
            <Typography.Text>{t("transfer.selectedCount", { n: picked.length })}</Typography.Text>
            <Button type="primary" icon={<SwapOutlined />} onClick={() => setTransferring("selected")} data-testid="customer-bulk-transfer">
              {t("transfer.bulk")}
            </Button>
            <Button type="link" onClick={() => setPickedIds([])}>
              {t("transfer.clearSelection")}
            </Button>
          </Space>
        )}
        <Table<CustomerListItem>
          rowKey="id"
          rowSelection={
            mayHandOver
              ? { selectedRowKeys: picked.map((r) => r.id), onChange: (keys) => setPickedIds(keys.map(String)) }
              : undefined
          }
          data-testid="customer-table"
          columns={columns}
          dataSource={rows}
          loading={list.isLoading}
          pagination={false}
          scroll={{ x: "max-content" }}
          onChange={onTableChange}
          onRow={(r) => ({ "data-testid": `customer-row-${r.id}`, "data-name": r.name }) as HTMLAttributes<HTMLElement>}
          showSorterTooltip={false}
        />
        <div style={{ textAlign: "center", marginTop: 16 }}>
          {list.isError ? (
            <Typography.Text type="danger">{list.error.message}</Typography.Text>
          ) : list.hasNextPage ? (
            <Button onClick={() => void list.fetchNextPage()} loading={list.isFetchingNextPage} data-testid="customer-load-more">
              {t("common.loadMore")}
            </Button>
          ) : rows.length > 0 ? (
            <Typography.Text type="secondary">{t("common.noMore")}</Typography.Text>
          ) : null}
        </div>
      </Card>
      <QuickFollowUpModal customer={followUpFor} onClose={() => setFollowUpFor(null)} />
      <TransferCustomersDialog
        open={transferring !== null}
        onClose={() => setTransferring(null)}
        from={pickedOwner}
        selected={transferring === "selected" ? picked.map((r) => ({ id: r.id, name: r.name })) : undefined}
        onDone={() => setPickedIds([])}
      />
    </Space>
  );
}

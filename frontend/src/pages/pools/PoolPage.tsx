/** 公海: the customers waiting in the pools the caller may see; reps claim, managers allocate. */
import { PlusOutlined, ShareAltOutlined } from "@ant-design/icons";
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import {
  Alert,
  App,
  Button,
  Card,
  Col,
  DatePicker,
  Empty,
  Form,
  Input,
  Modal,
  Row,
  Select,
  Space,
  Table,
  Tabs,
  Tag,
  Typography,
  type TableColumnsType,
} from "antd";
import dayjs, { type Dayjs } from "dayjs";
import { useEffect, useMemo, useState, type HTMLAttributes } from "react";
import { Link, useSearchParams } from "react-router";
import { api, cleanQuery, unwrap } from "../../api/client";
import { isApiError } from "../../api/problem";
import type { Customer, PoolCustomer, PoolIn } from "../../api/types";
import { useAuth, useCan } from "../../auth/context";
import { fmtDateTime } from "../../components/format";
import { RegionCascader } from "../../components/RegionCascader";
import { useRegionNames } from "../../components/regions";
import { TierSelect, ZoneSelect } from "../../components/selects";
import { useApiError } from "../../components/useApiError";
import { translateDynamic, useT } from "../../i18n/context";
import { AllocateDialog } from "./AllocateDialog";
import { POOL_LEVELS, activeFilterCount, currentPoolId, filtersFromParams, filtersToQuery, paramsWithFilters, type PoolFilters, type PoolLevel } from "./poolHelpers";
import { fetchPools, poolKeys } from "./poolQueries";

const PAGE_SIZE = 50;

interface FilterForm {
  level?: PoolLevel;
  tier?: string | null;
  industry?: string;
  region?: string[];
  before?: Dayjs | null;
}

function toForm(f: PoolFilters): FilterForm {
  return {
    level: f.level,
    tier: f.tier ?? null,
    industry: f.industry,
    region: [f.province, f.city].filter((x): x is string => Boolean(x)),
    before: f.before ? dayjs(f.before) : null,
  };
}

function fromForm(v: FilterForm, q: string | undefined): PoolFilters {
  return {
    level: v.level,
    tier: v.tier ?? undefined,
    industry: v.industry?.trim(),
    province: v.region?.[0],
    city: v.region?.[1],
    before: v.before ? v.before.format("YYYY-MM-DD") : undefined,
    q,
  };
}

function RegionText({ item }: { item: PoolCustomer }) {
  // without a province there is nothing to look up (and no duplicate region queries)
  const names = useRegionNames(item.province_code ? [item.province_code, item.city_code] : []);
  return <>{names.filter(Boolean).join(" / ")}</>;
}

/** 新建公海: also on the pool administration page. */
export function NewPoolButton({ onCreated }: { onCreated: (id: string) => void }) {
  const t = useT();
  const report = useApiError();
  const { message } = App.useApp();
  const qc = useQueryClient();
  const [open, setOpen] = useState(false);
  const [form] = Form.useForm<PoolIn>();
  const create = useMutation({
    mutationFn: (v: PoolIn) =>
      unwrap(api.POST("/api/v1/pools", { body: { name: v.name.trim(), zone_id: v.zone_id ?? null, description: v.description?.trim() || null } })),
    onSuccess: (pool) => {
      message.success(t("common.created"));
      setOpen(false);
      void qc.invalidateQueries({ queryKey: poolKeys.list });
      onCreated(pool.id);
    },
    onError: (e) => report(e, { form }),
  });
  return (
    <>
      <Button icon={<PlusOutlined />} onClick={() => setOpen(true)} data-testid="pool-new">
        {t("pool.new")}
      </Button>
      <Modal
        open={open}
        title={t("pool.new")}
        onCancel={() => setOpen(false)}
        onOk={() => form.submit()}
        confirmLoading={create.isPending}
        okText={t("common.create")}
        cancelText={t("common.cancel")}
        okButtonProps={{ "data-testid": "pool-new-ok" }}
        destroyOnHidden
      >
        <Form form={form} layout="vertical" preserve={false} clearOnDestroy onFinish={(v) => create.mutate(v)}>
          <Form.Item name="name" label={t("pool.name")} rules={[{ required: true, whitespace: true, max: 100 }]}>
            <Input maxLength={100} data-testid="pool-new-name" />
          </Form.Item>
          <Form.Item name="zone_id" label={t("pool.zone")} extra={t("pool.zoneHint")}>
            <ZoneSelect data-testid="pool-new-zone" />
          </Form.Item>
          <Form.Item name="description" label={t("pool.description")} rules={[{ max: 1000 }]}>
            <Input.TextArea rows={3} maxLength={1000} data-testid="pool-new-description" />
          </Form.Item>
        </Form>
      </Modal>
    </>
  );
}

/** The filters (level, tier, industry, region, last follow-up); they live in the URL. */
function PoolFilterBar({ filters, onApply }: { filters: PoolFilters; onApply: (f: PoolFilters) => void }) {
  const t = useT();
  const can = useCan();
  const [form] = Form.useForm<FilterForm>();
  // the form follows the URL (back / forward, links with filters)
  useEffect(() => {
    form.setFieldsValue(toForm(filters));
  }, [filters, form]);
  const filterCount = activeFilterCount(filters);
  return (
    <Form<FilterForm>
      form={form}
      layout="vertical"
      onFinish={(v) => onApply(fromForm(v, filters.q))}
      data-testid="pool-filters"
    >
      <Row gutter={16}>
        <Col xs={24} sm={12} md={4}>
          <Form.Item name="level" label={t("customer.level")}>
            <Select allowClear data-testid="pool-filter-level" options={POOL_LEVELS.map((l) => ({ value: l, label: t(`customer.level.${l}`) }))} />
          </Form.Item>
        </Col>
        <Col xs={24} sm={12} md={4}>
          <Form.Item name="tier" label={t("customer.tier")}>
            <TierSelect data-testid="pool-filter-tier" />
          </Form.Item>
        </Col>
        <Col xs={24} sm={12} md={4}>
          <Form.Item name="industry" label={t("customer.industry")}>
            <Input allowClear maxLength={100} data-testid="pool-filter-industry" />
          </Form.Item>
        </Col>
        {can("region", "read") && (
          <Col xs={24} sm={12} md={4}>
            <Form.Item name="region" label={t("pool.region")}>
              <RegionCascader maxLevel={2} data-testid="pool-filter-region" />
            </Form.Item>
          </Col>
        )}
        <Col xs={24} sm={12} md={4}>
          <Form.Item name="before" label={t("pool.followedBefore")}>
            <DatePicker style={{ width: "100%" }} data-testid="pool-filter-before" />
          </Form.Item>
        </Col>
        <Col xs={24} sm={12} md={4} style={{ display: "flex", alignItems: "flex-end", paddingBottom: 24 }}>
          <Space>
            <Button type="primary" htmlType="submit" data-testid="pool-filter-apply">
              {t("common.search")}
            </Button>
            <Button onClick={() => onApply({})} data-testid="pool-filter-reset">
              {t("common.reset")}
              {filterCount ? ` (${filterCount})` : ""}
            </Button>
          </Space>
        </Col>
      </Row>
    </Form>
  );
}

export function PoolPage() {
  const t = useT();
  const { can, me } = useAuth();
  const report = useApiError();
  const { message } = App.useApp();
  const qc = useQueryClient();
  const [params, setParams] = useSearchParams();
  const [selected, setSelected] = useState<string[]>([]);
  const [allocating, setAllocating] = useState(false);
  const [claimed, setClaimed] = useState<{ id: string; name: string } | null>(null);
  const [claimError, setClaimError] = useState<string | null>(null);
  const canClaim = can("pool", "claim");
  const canAllocate = can("pool", "allocate");

  const pools = useQuery({ queryKey: poolKeys.list, queryFn: fetchPools });
  const poolId = currentPoolId(pools.data ?? [], params.get("pool"), me?.user.zone_ids);
  const filters = useMemo(() => filtersFromParams(params), [params]);
  const query = useMemo(() => cleanQuery(filtersToQuery(filters)), [filters]);

  const list = useInfiniteQuery({
    queryKey: poolKeys.customers(poolId, query),
    enabled: poolId !== null,
    initialPageParam: null as string | null,
    queryFn: ({ pageParam }) =>
      unwrap(
        api.GET("/api/v1/pools/{pool_id}/customers", {
          params: { path: { pool_id: poolId ?? "" }, query: { ...query, limit: PAGE_SIZE, ...(pageParam ? { cursor: pageParam } : {}) } },
        }),
      ),
    getNextPageParam: (last) => last.next_cursor ?? null,
  });
  const rows = useMemo(() => list.data?.pages.flatMap((p) => p.items) ?? [], [list.data]);
  const showPrevious = rows.some((r) => r.previous_owner);

  const claim = useMutation({
    mutationFn: (c: PoolCustomer) => unwrap(api.POST("/api/v1/customers/{customer_id}/claim", { params: { path: { customer_id: c.id } } })),
    onSuccess: (customer: Customer) => {
      message.success(t("pool.claimed", { name: customer.name }));
      setClaimError(null);
      setClaimed({ id: customer.id, name: customer.name });
      setSelected((s) => s.filter((id) => id !== customer.id));
      void qc.invalidateQueries({ queryKey: poolKeys.all });
      void qc.invalidateQueries({ queryKey: ["customers"] });
    },
    onError: (e) => {
      report(e);
      setClaimed(null);
      setClaimError(isApiError(e) ? e.problem.detail || e.message : e instanceof Error ? e.message : t("common.error"));
      // someone else may have taken it: show the pool as it is now
      void qc.invalidateQueries({ queryKey: poolKeys.all });
    },
  });

  function update(next: URLSearchParams) {
    setParams(next, { replace: true });
    setSelected([]);
  }

  function switchPool(id: string) {
    const next = new URLSearchParams(params);
    next.set("pool", id);
    update(next);
    setClaimed(null);
    setClaimError(null);
  }

  const columns: TableColumnsType<PoolCustomer> = [
    {
      key: "name",
      title: t("customer.name"),
      render: (_, r) => <span data-testid="pool-customer-name">{r.name}</span>,
    },
    { key: "kind", title: t("customer.kind"), render: (_, r) => translateDynamic(t, "customer.kind", r.kind) },
    {
      key: "level",
      title: t("customer.level"),
      render: (_, r) => <Tag color={r.level === "SKA" ? "red" : r.level === "KA" ? "orange" : undefined}>{translateDynamic(t, "customer.level", r.level)}</Tag>,
    },
    { key: "tier", title: t("customer.tier"), render: (_, r) => r.tier ?? "" },
    { key: "industry", title: t("customer.industry"), render: (_, r) => r.industry ?? "" },
    { key: "region", title: t("customer.region"), render: (_, r) => <RegionText item={r} /> },
    { key: "last_followed_up_at", title: t("customer.lastFollowedUpAt"), render: (_, r) => fmtDateTime(r.last_followed_up_at) },
    {
      key: "recycle_count",
      title: t("pool.recycleCount"),
      align: "right",
      render: (_, r) => <span data-testid="pool-recycle-count">{r.recycle_count}</span>,
    },
    ...(showPrevious
      ? [
          {
            key: "previous_owner",
            title: t("pool.previousOwner"),
            render: (_: unknown, r: PoolCustomer) => <span data-testid="pool-previous-owner">{r.previous_owner?.name ?? ""}</span>,
          },
        ]
      : []),
    ...(canClaim
      ? [
          {
            key: "claim",
            title: t("common.actions"),
            fixed: "right" as const,
            render: (_: unknown, r: PoolCustomer) => (
              <Button
                size="small"
                type="primary"
                ghost
                loading={claim.isPending && claim.variables?.id === r.id}
                onClick={() => claim.mutate(r)}
                data-testid="pool-claim"
                data-customer-id={r.id}
              >
                {t("pool.claim")}
              </Button>
            ),
          },
        ]
      : []),
  ];

  const activePools = pools.data ?? [];

  return (
    <Space direction="vertical" style={{ width: "100%" }} size="middle">
      <Card
        title={t("pool.title")}
        loading={pools.isLoading}
        extra={
          <Space wrap>
            <Input.Search
              key={filters.q ?? ""}
              allowClear
              defaultValue={filters.q}
              placeholder={t("pool.searchPlaceholder")}
              onSearch={(v) => update(paramsWithFilters(params, { ...filters, q: v }))}
              style={{ width: 240 }}
              data-testid="pool-search"
            />
            {canAllocate && poolId && (
              <Button icon={<ShareAltOutlined />} onClick={() => setAllocating(true)} data-testid="pool-allocate">
                {t("pool.allocate")}
                {selected.length ? ` (${selected.length})` : ""}
              </Button>
            )}
            {can("pool", "manage") && <NewPoolButton onCreated={switchPool} />}
          </Space>
        }
      >
        {pools.isError ? (
          <Alert type="error" showIcon message={pools.error.message} />
        ) : activePools.length === 0 ? (
          <Empty description={t("pool.none")} data-testid="pool-empty" />
        ) : (
          <>
            <Tabs
              activeKey={poolId ?? undefined}
              onChange={switchPool}
              data-testid="pool-tabs"
              items={activePools.map((p) => ({
                key: p.id,
                label: (
                  <span data-testid={`pool-tab-${p.id}`} data-pool-id={p.id} data-count={p.customers} title={p.description ?? undefined}>
                    {p.name}
                    {p.zone_id === null && <Tag style={{ marginInlineStart: 6 }}>{t("pool.companyWide")}</Tag>}{" "}
                    <Typography.Text type="secondary" data-testid="pool-count">
                      ({p.customers})
                    </Typography.Text>
                  </span>
                ),
              }))}
            />
            <PoolFilterBar filters={filters} onApply={(f) => update(paramsWithFilters(params, f))} />
          </>
        )}
      </Card>
      {claimed && (
        <Alert
          type="success"
          showIcon
          closable
          onClose={() => setClaimed(null)}
          data-testid="pool-claimed"
          message={
            <Space wrap>
              {t("pool.claimed", { name: claimed.name })}
              <Link to={`/customers/${claimed.id}`} data-testid="pool-claimed-link">
                {t("pool.openCustomer")}
              </Link>
            </Space>
          }
        />
      )}
      {claimError && (
        <Alert
          type="error"
          showIcon
          closable
          onClose={() => setClaimError(null)}
          message={t("pool.claimRefused")}
          description={<span data-testid="pool-claim-error-detail">{claimError}</span>}
          data-testid="pool-claim-error"
        />
      )}
      {poolId && (
        <Card>
          <Table<PoolCustomer>
            rowKey="id"
            data-testid="pool-table"
            columns={columns}
            dataSource={rows}
            loading={list.isLoading}
            pagination={false}
            scroll={{ x: "max-content" }}
            rowSelection={canAllocate ? { selectedRowKeys: selected, onChange: (keys) => setSelected(keys as string[]) } : undefined}
            onRow={(r) => ({ "data-testid": `pool-row-${r.id}`, "data-name": r.name }) as HTMLAttributes<HTMLElement>}
          />
          <div style={{ textAlign: "center", marginTop: 16 }}>
            {list.isError ? (
              <Typography.Text type="danger">{list.error.message}</Typography.Text>
            ) : list.hasNextPage ? (
              <Button onClick={() => void list.fetchNextPage()} loading={list.isFetchingNextPage} data-testid="pool-load-more">
                {t("common.loadMore")}
              </Button>
            ) : rows.length > 0 ? (
              <Typography.Text type="secondary">{t("common.noMore")}</Typography.Text>
            ) : null}
          </div>
          {filters.before && (
            <Typography.Text type="secondary" style={{ fontSize: 12 }}>
              {t("pool.followedBeforeHint", { date: filters.before })}
            </Typography.Text>
          )}
        </Card>
      )}
      {allocating && poolId && (
        <AllocateDialog poolId={poolId} selected={selected} onClose={() => setAllocating(false)} onAllocated={() => setSelected([])} />
      )}
    </Space>
  );
}

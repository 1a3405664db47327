/** 商机列表: filters kept in the URL (line, stage, status, owner, grade, source, close dates,
 * amounts, search, the zone leader's queue, conflicts), sort, cursor "load more". */
import { useInfiniteQuery } from "@tanstack/react-query";
import { Button, Card, Checkbox, Col, DatePicker, Form, Input, Row, Select, Space, Table, Tag, Typography, type TableColumnsType } from "antd";
import dayjs, { type Dayjs } from "dayjs";
import { useMemo, type HTMLAttributes } from "react";
import { Link, useSearchParams } from "react-router";
import { useAuth } from "../../auth/context";
import { fmtDate, fmtDateTime } from "../../components/format";
import { UserSelect } from "../../components/selects";
import { localLabel, useLang, useT } from "../../i18n/context";
import { OpportunityBadges } from "./OpportunityBoardPage";
import { LineSelect } from "./OpportunityFields";
import {
  AMOUNT_PATTERN,
  GRADES,
  SORTS,
  SOURCES,
  STATUSES,
  filtersFromSearch,
  filtersToSearch,
  fmtAmount,
  orderedLines,
  seesOthers,
  type ListFilters,
  type OpportunityItem,
  type OpportunitySort,
} from "./opportunityHelpers";
import { fetchOpportunities, opportunityKeys, useBusinessLines } from "./opportunityQueries";
import { CreateButtons, ViewSwitch } from "./OpportunityToolbar";

const PAGE_SIZE = 50;

interface FilterForm extends Omit<ListFilters, "close_from" | "close_to" | "sort"> {
  close?: [string, string];
}

const rangeField = {
  getValueProps: (v: [string, string] | undefined) => ({ value: v ? [dayjs(v[0]), dayjs(v[1])] : undefined }),
  normalize: (r: [Dayjs, Dayjs] | null | undefined) => (r ? [r[0].format("YYYY-MM-DD"), r[1].format("YYYY-MM-DD")] : undefined),
};

function statusColor(status: string) {
  return status === "won" ? "green" : status === "lost" ? "red" : "blue";
}

export function OpportunityListPage() {
  const t = useT();
  const { lang } = useLang();
  const { me } = useAuth();
  const [params, setParams] = useSearchParams();
  const filters = useMemo(() => filtersFromSearch(params), [params]);
  const lines = useBusinessLines();
  const [form] = Form.useForm<FilterForm>();
  const formLine = Form.useWatch("business_line_id", form) as string | undefined;

  const apply = (next: ListFilters) => setParams(filtersToSearch(next), { replace: true });

  const list = useInfiniteQuery({
    queryKey: opportunityKeys.list(filters),
    initialPageParam: null as string | null,
    queryFn: ({ pageParam }) => fetchOpportunities(filters, pageParam, PAGE_SIZE),
    getNextPageParam: (last) => last.next_cursor ?? null,
  });
  const rows = useMemo(() => list.data?.pages.flatMap((p) => p.items) ?? [], [list.data]);

  const stageOptions = useMemo(() => {
    const shown = orderedLines(lines.data ?? []).filter((l) => !formLine || l.id === formLine);
    return shown.map((l) => ({
      label: localLabel(l.name, lang),
      options: [...l.stages].sort((a, b) => a.position - b.position).map((s) => ({ value: s.id, label: localLabel(s.name, lang) })),
    }));
  }, [lines.data, formLine, lang]);

  const initial: FilterForm = {
    ...filters,
    close: filters.close_from && filters.close_to ? [filters.close_from, filters.close_to] : undefined,
  };

  const onFinish = (v: FilterForm) => {
    const { close, ...rest } = v;
    apply({ ...rest, q: filters.q, sort: filters.sort, close_from: close?.[0], close_to: close?.[1] });
  };

  const columns: TableColumnsType<OpportunityItem> = [
    {
      key: "name",
      title: t("opportunity.name"),
      render: (_, r) => (
        <Space direction="vertical" size={0}>
          <Link to={`/opportunities/${r.id}`} data-testid="opportunity-link">
            {r.name}
          </Link>
          <span>
            <OpportunityBadges item={r} />
          </span>
        </Space>
      ),
    },
    { key: "customer", title: t("opportunity.customer"), render: (_, r) => <Link to={`/customers/${r.customer.id}`}>{r.customer.name}</Link> },
    {
      key: "stage",
      title: t("opportunity.stage"),
      render: (_, r) => (
        <Tag color={statusColor(r.status)} data-testid="opportunity-stage" data-stage={r.stage_code}>
          {localLabel(r.stage.name, lang)}
        </Tag>
      ),
    },
    { key: "amount", title: t("opportunity.amount"), align: "right", render: (_, r) => <span data-testid="opportunity-amount">{fmtAmount(r.amount, r.currency)}</span> },
    { key: "weighted", title: t("opportunity.weighted"), align: "right", render: (_, r) => <span data-testid="opportunity-weighted">{fmtAmount(r.weighted, r.currency)}</span> },
    { key: "close", title: t("opportunity.expectedClose"), render: (_, r) => fmtDate(r.expected_close_date) },
    {
      key: "owner",
      title: t("opportunity.owner"),
      render: (_, r) => r.owner?.display_name ?? (r.queue ? <Tag color="blue">{t("opportunity.badge.queue")}</Tag> : <Typography.Text type="secondary">—</Typography.Text>),
    },
    { key: "grade", title: t("opportunity.grade"), render: (_, r) => (r.grade ? <Tag data-testid="opportunity-grade">{r.grade}</Tag> : null) },
    { key: "updated", title: t("common.updatedAt"), render: (_, r) => fmtDateTime(r.updated_at) },
  ];

  return (
    <Space direction="vertical" style={{ width: "100%" }} size="middle">
      <Card
        title={
          <Space>
            {t("opportunity.list")}
            <ViewSwitch view="list" lineId={filters.business_line_id} />
          </Space>
        }
        extra={
          <Space wrap>
            <Input.Search
              key={filters.q ?? ""}
              allowClear
              defaultValue={filters.q}
              placeholder={t("opportunity.searchPlaceholder")}
              onSearch={(v) => apply({ ...filters, q: v.trim() || undefined })}
              style={{ width: 240 }}
              data-testid="opportunity-search"
            />
            <Select<OpportunitySort>
              value={filters.sort ?? "-updated_at"}
              onChange={(sort) => apply({ ...filters, sort })}
              style={{ width: 170 }}
              data-testid="opportunity-sort"
              options={SORTS.map((s) => ({ value: s, label: t(`opportunity.sort.${s}`) }))}
            />
            <CreateButtons />
          </Space>
        }
      >
        <Form<FilterForm> key={params.toString()} form={form} layout="vertical" initialValues={initial} onFinish={onFinish} data-testid="opportunity-filters">
          <Row gutter={16}>
            <Col xs={24} sm={12} md={6}>
              <Form.Item name="business_line_id" label={t("opportunity.businessLine")}>
                <LineSelect
                  lines={lines.data ?? []}
                  allowClear
                  data-testid="opportunity-filter-line"
                  onChange={() => form.setFieldValue("stage_id", undefined)}
                />
              </Form.Item>
            </Col>
            <Col xs={24} sm={12} md={6}>
              <Form.Item name="stage_id" label={t("opportunity.stage")}>
                <Select allowClear data-testid="opportunity-filter-stage" options={stageOptions} />
              </Form.Item>
            </Col>
            <Col xs={12} sm={6} md={4}>
              <Form.Item name="status" label={t("opportunity.status")}>
                <Select allowClear data-testid="opportunity-filter-status" options={STATUSES.map((s) => ({ value: s, label: t(`opportunity.status.${s}`) }))} />
              </Form.Item>
            </Col>
            <Col xs={12} sm={6} md={4}>
              <Form.Item name="grade" label={t("opportunity.grade")}>
                <Select allowClear data-testid="opportunity-filter-grade" options={GRADES.map((g) => ({ value: g, label: g }))} />
              </Form.Item>
            </Col>
            <Col xs={12} sm={6} md={4}>
              <Form.Item name="source" label={t("opportunity.source")}>
                <Select allowClear data-testid="opportunity-filter-source" options={SOURCES.map((s) => ({ value: s, label: t(`opportunity.source.${s}`) }))} />
              </Form.Item>
            </Col>
            {seesOthers(me?.permissions) && (
              <Col xs={24} sm={12} md={6}>
                <Form.Item name="owner_id" label={t("opportunity.owner")}>
                  <UserSelect data-testid="opportunity-filter-owner" />
                </Form.Item>
              </Col>
            )}
            <Col xs={24} sm={12} md={6}>
              <Form.Item name="close" label={t("opportunity.expectedClose")} {...rangeField}>
                <DatePicker.RangePicker style={{ width: "100%" }} data-testid="opportunity-filter-close" />
              </Form.Item>
            </Col>
            <Col xs={24} sm={12} md={6}>
              <Form.Item label={t("opportunity.amountRange")} style={{ marginBottom: 0 }}>
                <Space.Compact style={{ width: "100%" }}>
                  <Form.Item name="amount_min" noStyle rules={[{ pattern: AMOUNT_PATTERN, message: t("opportunity.amountInvalid") }]}>
                    <Input inputMode="decimal" placeholder={t("opportunity.amountMin")} data-testid="opportunity-filter-amount-min" />
                  </Form.Item>
                  <Form.Item name="amount_max" noStyle rules={[{ pattern: AMOUNT_PATTERN, message: t("opportunity.amountInvalid") }]}>
                    <Input inputMode="decimal" placeholder={t("opportunity.amountMax")} data-testid="opportunity-filter-amount-max" />
                  </Form.Item>
                </Space.Compact>
              </Form.Item>
            </Col>
            <Col xs={24} md={12} style={{ display: "flex", alignItems: "flex-end", gap: 16, flexWrap: "wrap", paddingBottom: 24 }}>
              <Form.Item name="mine" valuePropName="checked" noStyle>
                <Checkbox data-testid="opportunity-filter-mine">{t("opportunity.mine")}</Checkbox>
              </Form.Item>
              <Form.Item name="queue" valuePropName="checked" noStyle>
                <Checkbox data-testid="opportunity-filter-queue">{t("opportunity.queueOnly")}</Checkbox>
              </Form.Item>
              <Form.Item name="conflict" valuePropName="checked" noStyle>
                <Checkbox data-testid="opportunity-filter-conflict">{t("opportunity.conflictOnly")}</Checkbox>
              </Form.Item>
              <Space>
                <Button type="primary" htmlType="submit" data-testid="opportunity-filter-apply">
                  {t("common.search")}
                </Button>
                <Button onClick={() => apply({ sort: filters.sort })} data-testid="opportunity-filter-reset">
                  {t("common.reset")}
                </Button>
              </Space>
            </Col>
          </Row>
        </Form>
      </Card>
      <Card>
        <Table<OpportunityItem>
          rowKey="id"
          data-testid="opportunity-table"
          columns={columns}
          dataSource={rows}
          loading={list.isLoading}
          pagination={false}
          scroll={{ x: "max-content" }}
          onRow={(r) => ({ "data-testid": "opportunity-row", "data-id": r.id, "data-name": r.name }) as HTMLAttributes<HTMLElement>}
        />
        <div style={{ textAlign: "center", marginTop: 16 }}>
          {list.isError ? (
            <Typography.Text type="danger">{list.error.message}</Typography.Text>
          ) : list.hasNextPage ? (
            <Button onClick={() => void list.fetchNextPage()} loading={list.isFetchingNextPage} data-testid="opportunity-load-more">
              {t("common.loadMore")}
            </Button>
          ) : rows.length > 0 ? (
            <Typography.Text type="secondary">{t("common.noMore")}</Typography.Text>
          ) : null}
        </div>
      </Card>
    </Space>
  );
}


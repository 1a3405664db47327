/** 遗失看板: the customers that left a rep (or the reps a manager has) in a period, and how. */
import { CloseOutlined, ReloadOutlined } from "@ant-design/icons";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { Button, Card, Col, DatePicker, Empty, Result, Row, Segmented, Space, Statistic, Table, Tag, Typography, type TableColumnsType } from "antd";
import dayjs, { type Dayjs } from "dayjs";
import { useMemo, type HTMLAttributes } from "react";
import { useSearchParams } from "react-router";
import { api, unwrap } from "../../api/client";
import { chinaDay, useNow } from "../../components/chinaTime";
import { EChart } from "../../components/EChart";
import { useT } from "../../i18n/context";
import { formatRate, ratio } from "../leads/boardCharts";
import {
  HOWS,
  HOW_COLORS,
  PERIODS,
  chartHeight,
  filterRows,
  lostApiRange,
  lostByOwner,
  lostByRule,
  lostOwnersOption,
  lostSearch,
  lostTotals,
  parseLostParams,
  periodRange,
  ruleText,
  ruleTexts,
  type LostHow,
  type LostParams,
  type LostPeriod,
  type OwnerLoss,
  type RuleLoss,
} from "./lostBoard";

const DATE_FMT = "YYYY-MM-DD";

const PERIOD_LABELS = { this_month: "lost.period.thisMonth", last_month: "lost.period.lastMonth", custom: "lost.period.custom" } as const;

interface KpiProps {
  testId: string;
  title: string;
  value: number;
  loading: boolean;
  note?: string;
  active: boolean;
  color?: string;
  onClick: () => void;
}

function Kpi({ testId, title, value, loading, note, active, color, onClick }: KpiProps) {
  return (
    <Col flex="1 1 160px">
      <Card
        size="small"
        hoverable
        onClick={onClick}
        data-testid={testId}
        data-value={value}
        data-active={active}
        style={{ borderColor: active ? (color ?? "#1677ff") : undefined, cursor: "pointer" }}
      >
        <Statistic title={title} value={value} loading={loading} valueStyle={color ? { color } : undefined} />
        {note && !loading && <Typography.Text type="secondary">{note}</Typography.Text>}
      </Card>
    </Col>
  );
}

export function LostBoardPage() {
  const t = useT();
  const [searchParams, setSearchParams] = useSearchParams();
  const today = chinaDay(useNow()); // a page left open past midnight moves on
  const params = useMemo(() => parseLostParams(searchParams, today), [searchParams, today]);
  const range = useMemo(() => lostApiRange(params.from, params.to), [params.from, params.to]);

  const lost = useQuery({
    queryKey: ["analytics", "lost-customers", range.from, range.to],
    queryFn: async () => (await unwrap(api.GET("/api/v1/analytics/lost-customers", { params: { query: range } }))).items,
    placeholderData: keepPreviousData,
  });

  const update = (patch: Partial<LostParams>) => setSearchParams(lostSearch({ ...params, ...patch }), { replace: true });
  const howLabel = (how: LostHow) => t(`recycle.how.${how}`);
  const texts = ruleTexts(t);

  const rows = useMemo(() => lost.data ?? [], [lost.data]);
  // the KPIs split one rep's (or everyone's) losses by how; the reps are compared on the chosen how
  const totals = useMemo(() => lostTotals(filterRows(rows, params.owner, null)), [rows, params.owner]);
  const owners = useMemo(() => lostByOwner(filterRows(rows, null, params.how)), [rows, params.how]);
  const rules = useMemo(() => lostByRule(filterRows(rows, params.owner, params.how)), [rows, params.owner, params.how]);
  const chart = useMemo(() => lostOwnersOption(owners, (h) => t(`recycle.how.${h}`), params.owner), [owners, t, params.owner]);
  const ownerName = rows.find((r) => r.owner.id === params.owner)?.owner.name;
  const rulesTotal = rules.reduce((s, r) => s + r.count, 0);

  const ownerColumns: TableColumnsType<OwnerLoss> = [
    { key: "name", dataIndex: "name", title: t("lost.owner"), sorter: (a, b) => a.name.localeCompare(b.name) },
    ...HOWS.map((how) => ({
      key: how,
      dataIndex: how,
      title: howLabel(how),
      align: "right" as const,
      sorter: (a: OwnerLoss, b: OwnerLoss) => a[how] - b[how],
    })),
    {
      key: "total",
      dataIndex: "total",
      title: t("lost.total"),
      align: "right",
      sorter: (a, b) => a.total - b.total,
      render: (v: number) => <Typography.Text strong>{v}</Typography.Text>,
    },
  ];

  const ruleColumns: TableColumnsType<RuleLoss> = [
    {
      key: "how",
      title: t("lost.how"),
      width: 120,
      render: (_, r) => <Tag color={HOW_COLORS[r.how]}>{howLabel(r.how)}</Tag>,
    },
    { key: "rule", title: t("lost.rule"), render: (_, r) => ruleText(r.how, r.rule, texts) },
    { key: "count", dataIndex: "count", title: t("lost.count"), align: "right", sorter: (a, b) => a.count - b.count },
    { key: "share", title: t("lost.share"), align: "right", render: (_, r) => formatRate(ratio(r.count, rulesTotal)) },
  ];

  const todayDay = dayjs(today);
  const filters = (
    <Space wrap>
      <Segmented<LostPeriod>
        value={params.period}
        data-testid="lost-period"
        options={PERIODS.map((p) => ({ value: p, label: t(PERIOD_LABELS[p]) }))}
        onChange={(period) => {
          if (period === "custom") update({ period, from: params.from, to: params.to });
          else {
            const [from, to] = periodRange(period, today);
            update({ period, from, to });
          }
        }}
      />
      <DatePicker.RangePicker
        value={[dayjs(params.from), dayjs(params.to)]}
        allowClear={false}
        disabledDate={(d: Dayjs) => d.isAfter(todayDay, "day")}
        onChange={(dates) => {
          if (dates?.[0] && dates[1]) update({ period: "custom", from: dates[0].format(DATE_FMT), to: dates[1].format(DATE_FMT) });
        }}
        aria-label={t("lost.range")}
        data-testid="lost-range"
      />
      <Button
        icon={<ReloadOutlined />}
        title={t("common.reload")}
        aria-label={t("common.reload")}
        loading={lost.isFetching}
        onClick={() => void lost.refetch()}
        data-testid="lost-reload"
      />
    </Space>
  );

  if (lost.isError) {
    return (
      <Card title={t("lost.title")} extra={filters}>
        <div data-testid="lost-error">
          <Result
            status="error"
            title={t("common.error")}
            subTitle={lost.error.message}
            extra={<Button onClick={() => void lost.refetch()}>{t("common.reload")}</Button>}
          />
        </div>
      </Card>
    );
  }

  const loading = lost.isPending;
  const empty = !loading && rows.length === 0;
  const activeFilters = (params.owner || params.how) && (
    <Space wrap data-testid="lost-filters">
      {params.owner && (
        <Tag closable onClose={() => update({ owner: null })} data-testid="lost-filter-owner">
          {t("lost.filterOwner", { name: ownerName ?? params.owner })}
        </Tag>
      )}
      {params.how && (
        <Tag closable color={HOW_COLORS[params.how]} onClose={() => update({ how: null })} data-testid="lost-filter-how">
          {t("lost.filterHow", { how: howLabel(params.how) })}
        </Tag>
      )}
      <Button size="small" type="link" icon={<CloseOutlined />} onClick={() => update({ owner: null, how: null })} data-testid="lost-clear">
        {t("lost.clearFilters")}
      </Button>
    </Space>
  );

  return (
    <Space direction="vertical" style={{ width: "100%" }} size="middle" data-testid="lost-board">
      <Card title={t("lost.title")} extra={filters}>
        <Typography.Paragraph type="secondary">{t("lost.hint")}</Typography.Paragraph>
        {activeFilters && <div style={{ marginBottom: 12 }}>{activeFilters}</div>}
        <Row gutter={[16, 16]}>
          <Kpi
            testId="lost-kpi-total"
            title={params.owner && ownerName ? `${t("lost.kpi.total")} · ${ownerName}` : t("lost.kpi.total")}
            value={totals.total}
            loading={loading}
            active={!params.how}
            onClick={() => update({ how: null })}
          />
          {HOWS.map((how) => (
            <Kpi
              key={how}
              testId={`lost-kpi-${how}`}
              title={howLabel(how)}
              value={totals[how]}
              loading={loading}
              color={HOW_COLORS[how]}
              active={params.how === how}
              note={t("lost.kpi.share", { rate: formatRate(ratio(totals[how], totals.total)) })}
              onClick={() => update({ how: params.how === how ? null : how })}
            />
          ))}
        </Row>
      </Card>
      {empty ? (
        <Card>
          <Empty description={t("lost.empty")} data-testid="lost-empty" />
        </Card>
      ) : (
        <Row gutter={[16, 16]}>
          <Col xs={24} xl={12}>
            <Card title={t("lost.byOwner")} extra={<Typography.Text type="secondary">{t("lost.byOwnerHint")}</Typography.Text>} style={{ height: "100%" }}>
              <EChart option={chart} height={chartHeight(owners.length)} loading={lost.isFetching} data-testid="lost-chart" />
              <Table<OwnerLoss>
                rowKey="id"
                size="small"
                style={{ marginTop: 16 }}
                data-testid="lost-owners"
                columns={ownerColumns}
                dataSource={owners}
                loading={lost.isFetching}
                pagination={owners.length > 20 ? { pageSize: 20, showSizeChanger: false } : false}
                showSorterTooltip={false}
                rowClassName={(o) => (o.id === params.owner ? "ant-table-row-selected" : "")}
                onRow={(o) =>
                  ({
                    "data-testid": "lost-owner-row",
                    "data-key": o.id,
                    style: { cursor: "pointer" },
                    onClick: () => update({ owner: params.owner === o.id ? null : o.id }),
                  }) as HTMLAttributes<HTMLElement>
                }
              />
            </Card>
          </Col>
          <Col xs={24} xl={12}>
            <Card title={t("lost.byRule")} style={{ height: "100%" }}>
              <Table<RuleLoss>
                rowKey="key"
                size="small"
                data-testid="lost-rules"
                columns={ruleColumns}
                dataSource={rules}
                loading={lost.isFetching}
                pagination={false}
                showSorterTooltip={false}
                locale={{ emptyText: t("lost.empty") }}
                onRow={(r) => ({ "data-testid": "lost-rule-row", "data-how": r.how }) as HTMLAttributes<HTMLElement>}
                summary={() =>
                  rules.length ? (
                    <Table.Summary.Row>
                      <Table.Summary.Cell index={0} colSpan={2}>
                        <Typography.Text strong>{t("lost.total")}</Typography.Text>
                      </Table.Summary.Cell>
                      <Table.Summary.Cell index={2} align="right">
                        <Typography.Text strong data-testid="lost-rules-total">
                          {rulesTotal}
                        </Typography.Text>
                      </Table.Summary.Cell>
                      <Table.Summary.Cell index={3} />
                    </Table.Summary.Row>
                  ) : null
                }
              />
            </Card>
          </Col>
        </Row>
      )}
    </Space>
  );
}

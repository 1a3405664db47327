import { ReloadOutlined } from "@ant-design/icons";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { Button, Card, Col, DatePicker, Empty, Result, Row, Select, Space, Statistic, Table, Tag, Typography, type TableColumnsType } from "antd";
import dayjs, { type Dayjs } from "dayjs";
import { useMemo, type HTMLAttributes } from "react";
import { useSearchParams } from "react-router";
import { api, unwrap } from "../../api/client";
import { EChart } from "../../components/EChart";
import { translateDynamic, useT, type Translate } from "../../i18n/context";
import {
  formatRate,
  funnelOption,
  invalidReasonsOption,
  ratio,
  sourceOption,
  trendOption,
  trendPeriod,
  trendPoints,
  type LeadBoard,
  type LeadBoardGroup,
} from "./boardCharts";
import { DATE_FMT, GROUP_BYS, PRESETS, apiRange, boardSearch, parseBoardParams, presetRange, type BoardGroupBy, type BoardParams } from "./boardParams";

const CHART_HEIGHT = 300;

type GroupBy = BoardGroupBy | "day" | "week";

function fetchBoard(range: { from: string; to: string }, groupBy: GroupBy): Promise<LeadBoard> {
  return unwrap(api.GET("/api/v1/analytics/leads", { params: { query: { ...range, group_by: groupBy } } }));
}

const boardKey = (range: { from: string; to: string }, groupBy: GroupBy) => ["analytics", "leads", range.from, range.to, groupBy] as const;

/** A group's name; a group without a key (no channel, unassigned, ...) gets a readable one. */
function groupName(g: LeadBoardGroup, groupBy: BoardGroupBy, t: Translate): string {
  return g.key === null ? t(`board.none.${groupBy}`) : g.label;
}

interface KpiProps {
  testId: string;
  title: string;
  value: number | string;
  /** The number behind the shown value, for tests and tools reading the page. */
  raw: number;
  loading: boolean;
  note?: string;
}

function Kpi({ testId, title, value, raw, loading, note }: KpiProps) {
  return (
    <Col flex="1 1 160px" data-testid={testId} data-value={raw}>
      <Statistic title={title} value={value} loading={loading} />
      {note && !loading && <Typography.Text type="secondary">{note}</Typography.Text>}
    </Col>
  );
}

export function LeadBoardPage() {
  const t = useT();
  const [searchParams, setSearchParams] = useSearchParams();
  const today = dayjs().format(DATE_FMT); // re-read each render: a page left open past midnight moves on
  const params = useMemo(() => parseBoardParams(searchParams, dayjs(today)), [searchParams, today]);
  const range = useMemo(() => apiRange(params.from, params.to), [params.from, params.to]);
  const period = trendPeriod(params.from, params.to);

  const board = useQuery({
    queryKey: boardKey(range, params.groupBy),
    queryFn: () => fetchBoard(range, params.groupBy),
    placeholderData: keepPreviousData,
  });
  // the points are built with the range they were asked for: while another range loads, the
  // previous line stays as it was (under the loading mask) instead of mixing two ranges
  const trend = useQuery({
    queryKey: boardKey(range, period),
    queryFn: async () => trendPoints((await fetchBoard(range, period)).groups, period, params.from, params.to),
    placeholderData: keepPreviousData,
  });

  const update = (patch: Partial<BoardParams>) => setSearchParams(boardSearch({ ...params, ...patch }), { replace: true });

  const data = board.data;
  const totals = data?.totals;
  // while another breakdown loads, the previous one stays on screen under its own names
  const shownGroupBy = GROUP_BYS.find((g) => g === data?.group_by) ?? params.groupBy;
  const dimension = t(`board.groupBy.${shownGroupBy}`);
  const label = (g: LeadBoardGroup) => groupName(g, shownGroupBy, t);

  const funnelChart = useMemo(() => funnelOption(data?.funnel ?? [], (s) => t(`lead.status.${s}`)), [data?.funnel, t]);
  const sourceChart = useMemo(
    () =>
      sourceOption(
        (data?.groups ?? []).map((g) => ({ name: groupName(g, shownGroupBy, t), value: g.leads })),
        t("board.kpi.leads"),
        t("board.other"),
      ),
    [data?.groups, shownGroupBy, t],
  );
  const trendChart = useMemo(
    () => trendOption(trend.data ?? [], { leads: t("board.kpi.leads"), converted: t("board.kpi.converted") }),
    [trend.data, t],
  );
  const reasonsChart = useMemo(
    () =>
      invalidReasonsOption(
        data?.invalid_reasons ?? [],
        (reason) => (reason ? translateDynamic(t, "board.reason", reason) : t("board.noReason")),
        t("board.kpi.invalid"),
      ),
    [data?.invalid_reasons, t],
  );

  const num = (key: "leads" | "contacted" | "qualified" | "converted" | "invalid" | "duplicates", title: string) => ({
    key,
    dataIndex: key,
    title,
    align: "right" as const,
    sorter: (a: LeadBoardGroup, b: LeadBoardGroup) => a[key] - b[key],
  });
  const columns: TableColumnsType<LeadBoardGroup> = [
    { key: "label", title: dimension, render: (_, g) => label(g), sorter: (a, b) => label(a).localeCompare(label(b)) },
    num("leads", t("board.kpi.leads")),
    num("contacted", t("lead.status.contacted")),
    num("qualified", t("lead.status.qualified")),
    num("converted", t("lead.status.converted")),
    num("invalid", t("lead.status.invalid")),
    num("duplicates", t("board.kpi.duplicates")),
    {
      key: "conversion_rate",
      title: t("board.kpi.conversion"),
      align: "right",
      render: (_, g) => formatRate(g.conversion_rate),
      sorter: (a, b) => a.conversion_rate - b.conversion_rate,
    },
  ];

  const today0 = dayjs(today);
  const filters = (
    <Space wrap>
      <DatePicker.RangePicker
        value={[dayjs(params.from), dayjs(params.to)]}
        allowClear={false}
        disabledDate={(d: Dayjs) => d.isAfter(today0, "day")}
        presets={PRESETS.map((p) => ({ label: t(`board.preset.${p}`), value: presetRange(p, today0) }))}
        onChange={(dates) => {
          if (dates?.[0] && dates[1]) update({ from: dates[0].format(DATE_FMT), to: dates[1].format(DATE_FMT) });
        }}
        aria-label={t("board.range")}
        data-testid="board-range"
      />
      <Select<BoardGroupBy>
        value={params.groupBy}
        onChange={(groupBy) => update({ groupBy })}
        style={{ width: 150 }}
        prefix={`${t("board.groupBy")}:`}
        data-testid="board-group-by"
        options={GROUP_BYS.map((g) => ({ value: g, label: t(`board.groupBy.${g}`) }))}
      />
      <Button
        icon={<ReloadOutlined />}
        title={t("common.reload")}
        aria-label={t("common.reload")}
        loading={board.isFetching || trend.isFetching}
        onClick={() => {
          void board.refetch();
          void trend.refetch();
        }}
        data-testid="board-reload"
      />
    </Space>
  );

  if (board.isError) {
    return (
      <Card title={t("board.title")} extra={filters}>
        <div data-testid="board-error">
          <Result
            status="error"
            title={t("common.error")}
            subTitle={board.error.message}
            extra={<Button onClick={() => void board.refetch()}>{t("common.reload")}</Button>}
          />
        </div>
      </Card>
    );
  }

  const loading = board.isPending;
  const leads = totals?.leads ?? 0;
  const converted = totals?.converted ?? 0;
  const invalid = totals?.invalid ?? 0;
  const duplicates = totals?.duplicates ?? 0;
  const rate = totals?.conversion_rate ?? 0;
  const empty = !loading && leads === 0;

  return (
    <Space direction="vertical" style={{ width: "100%" }} size="middle" data-testid="lead-board">
      <Card title={t("board.title")} extra={filters}>
        <Row gutter={[24, 16]}>
          <Kpi testId="board-kpi-leads" title={t("board.kpi.leads")} value={leads} raw={leads} loading={loading} />
          <Kpi testId="board-kpi-converted" title={t("board.kpi.converted")} value={converted} raw={converted} loading={loading} />
          <Kpi testId="board-kpi-conversion" title={t("board.kpi.conversion")} value={formatRate(rate)} raw={rate} loading={loading} />
          <Kpi
            testId="board-kpi-invalid"
            title={t("board.kpi.invalid")}
            value={invalid}
            raw={invalid}
            loading={loading}
            note={t("board.kpi.share", { rate: formatRate(ratio(invalid, leads)) })}
          />
          <Kpi
            testId="board-kpi-duplicates"
            title={t("board.kpi.duplicates")}
            value={duplicates}
            raw={duplicates}
            loading={loading}
            note={t("board.kpi.share", { rate: formatRate(ratio(duplicates, leads)) })}
          />
        </Row>
      </Card>
      {empty ? (
        <Card>
          <Empty description={t("board.empty")} data-testid="board-empty" />
        </Card>
      ) : (
        <>
          <Row gutter={[16, 16]}>
            <Col xs={24} lg={12}>
              <Card title={t("board.funnel")} style={{ height: "100%" }}>
                <EChart option={funnelChart} height={CHART_HEIGHT} loading={board.isFetching} data-testid="board-funnel" />
              </Card>
            </Col>
            <Col xs={24} lg={12}>
              <Card title={t("board.source", { dim: dimension })} style={{ height: "100%" }}>
                <EChart option={sourceChart} height={CHART_HEIGHT} loading={board.isFetching} data-testid="board-source" />
              </Card>
            </Col>
            <Col xs={24} lg={16}>
              <Card title={t("board.trend")} extra={<Tag>{t(`board.trend.${period}`)}</Tag>} style={{ height: "100%" }}>
                {trend.isError ? (
                  <Typography.Text type="danger">{trend.error.message}</Typography.Text>
                ) : (
                  <EChart option={trendChart} height={CHART_HEIGHT} loading={trend.isFetching} data-testid="board-trend" />
                )}
              </Card>
            </Col>
            <Col xs={24} lg={8}>
              <Card title={t("board.invalidReasons")} style={{ height: "100%" }}>
                {!loading && !data?.invalid_reasons.length ? (
                  <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t("board.noInvalid")} />
                ) : (
                  <EChart option={reasonsChart} height={CHART_HEIGHT} loading={board.isFetching} data-testid="board-invalid-reasons" />
                )}
              </Card>
            </Col>
          </Row>
          <Card title={t("board.groups")}>
            <Table<LeadBoardGroup>
              rowKey={(g) => g.key ?? ""}
              data-testid="board-groups"
              columns={columns}
              dataSource={data?.groups ?? []}
              loading={board.isFetching}
              pagination={false}
              size="middle"
              scroll={{ x: "max-content" }}
              onRow={(g) => ({ "data-testid": "board-group-row", "data-key": g.key ?? "" }) as HTMLAttributes<HTMLElement>}
              summary={() =>
                totals ? (
                  <Table.Summary.Row>
                    <Table.Summary.Cell index={0}>
                      <Typography.Text strong>{t("board.total")}</Typography.Text>
                    </Table.Summary.Cell>
                    {(["leads", "contacted", "qualified", "converted", "invalid", "duplicates"] as const).map((k, i) => (
                      <Table.Summary.Cell key={k} index={i + 1} align="right">
                        <Typography.Text strong>{totals[k]}</Typography.Text>
                      </Table.Summary.Cell>
                    ))}
                    <Table.Summary.Cell index={7} align="right">
                      <Typography.Text strong>{formatRate(totals.conversion_rate)}</Typography.Text>
                    </Table.Summary.Cell>
                  </Table.Summary.Row>
                ) : null
              }
            />
          </Card>
        </>
      )}
    </Space>
  );
}

/**
 * 商机漏斗: the funnel of one business line over the opportunities the user may read — per open
 * stage the count, amount and weighted value, conversion and days in stage; the target against
 * the weighted pipeline (the gap to close), attainment, won / lost and the loss board, stock vs
 * new. Every figure is the server's decimal string, formatted; clicking one lists the
 * opportunities behind it in a drawer. The filters live in the URL.
 */
import { AimOutlined, ReloadOutlined } from "@ant-design/icons";
import { Button, Card, Col, DatePicker, Empty, Result, Row, Segmented, Select, Space, Statistic, Table, Tag, Typography, type TableColumnsType } from "antd";
import dayjs from "dayjs";
import { useCallback, useMemo, useState, type HTMLAttributes, type KeyboardEvent, type ReactNode } from "react";
import { Link, useSearchParams } from "react-router";
import { useAuth } from "../../auth/context";
import { chinaDay, useNow } from "../../components/chinaTime";
import { TeamSelect, UserSelect, ZoneSelect } from "../../components/selects";
import { localLabel, translateDynamic, useLang, useT } from "../../i18n/context";
import { LineSelect } from "../opportunities/OpportunityFields";
import { CURRENCIES, fmtAmount, fmtRate } from "../opportunities/opportunityHelpers";
import { useBusinessLines } from "../opportunities/opportunityQueries";
import { PipelineChart } from "./PipelineChart";
import { amountWeightedOption, funnelOption, lossCompetitorsOption, lossReasonsOption, type ChartTexts } from "./pipelineCharts";
import { PipelineDrillDrawer } from "./PipelineDrillDrawer";
import {
  PERIODS,
  isPositive,
  paramsFromSearch,
  paramsToSearch,
  pickersFor,
  readScope,
  resolvedRange,
  type Bucket,
  type Drill,
  type PeriodKind,
  type PipelineCategory,
  type PipelineLossCompetitor,
  type PipelineLossReason,
  type PipelineParams,
  type PipelineStageRow,
} from "./pipelineHelpers";
import { usePipelineBoard, useUserName } from "./pipelineQueries";

const CHART_HEIGHT = 320;

interface KpiProps {
  name: string;
  title: string;
  value: ReactNode;
  /** The server's figure behind the shown value (data-value, for tests and tools). */
  raw: string | number | null | undefined;
  note?: ReactNode;
  color?: string;
  loading: boolean;
  onClick?: () => void;
  strong?: boolean;
}

function Kpi({ name, title, value, raw, note, color, loading, onClick, strong }: KpiProps) {
  const clickable = onClick
    ? {
        role: "button",
        tabIndex: 0,
        onClick,
        onKeyDown: (e: KeyboardEvent) => {
          if (e.key === "Enter" || e.key === " ") {
            e.preventDefault();
            onClick();
          }
        },
      }
    : {};
  const style = { ...(strong ? { borderColor: color, borderWidth: 2 } : {}), ...(onClick ? { cursor: "pointer" } : {}) };
  return (
    <Col flex="1 1 180px">
      <Card
        size="small"
        data-testid={`pipeline-kpi-${name}`}
        data-value={raw ?? ""}
        hoverable={Boolean(onClick)}
        {...clickable}
        style={style}
      >
        <Statistic title={title} value={value as string} valueStyle={color ? { color } : undefined} loading={loading} />
        {note && !loading && <Typography.Text type="secondary">{note}</Typography.Text>}
      </Card>
    </Col>
  );
}

export function PipelinePage() {
  const t = useT();
  const { lang } = useLang();
  const { me, can } = useAuth();
  const [searchParams, setSearchParams] = useSearchParams();
  const today = chinaDay(useNow());
  const params = useMemo(() => paramsFromSearch(searchParams), [searchParams]);
  const range = resolvedRange(params, today);
  const pickers = pickersFor(readScope(me?.permissions));
  const lines = useBusinessLines();
  const owner = useUserName(params.owner_id);
  const board = usePipelineBoard(params, today);
  const [drill, setDrill] = useState<Drill | null>(null);

  const update = useCallback(
    (patch: Partial<PipelineParams>) => setSearchParams(paramsToSearch({ ...params, ...patch }), { replace: true }),
    [params, setSearchParams],
  );

  const data = board.data;
  const currency = data?.currency ?? params.currency ?? "CNY";
  const money = useCallback((v: string | null | undefined) => (v === null || v === undefined ? "—" : fmtAmount(v, currency)), [currency]);
  const stageName = useCallback((s: { name: string }) => localLabel(s.name, lang), [lang]);
  const texts: ChartTexts = useMemo(
    () => ({
      stage: stageName,
      money: (v) => fmtAmount(v, currency),
      rate: (v) => fmtRate(v),
      count: (n) => t("pipeline.count", { n }),
      amount: t("pipeline.col.amount"),
      weighted: t("pipeline.col.weighted"),
    }),
    [stageName, currency, t],
  );
  const stages = useMemo(() => data?.stages ?? [], [data?.stages]);
  const reasons = useMemo(() => data?.loss_reasons ?? [], [data?.loss_reasons]);
  const rivals = useMemo(() => data?.loss_competitors ?? [], [data?.loss_competitors]);
  const funnel = useMemo(() => funnelOption(stages, texts), [stages, texts]);
  const bars = useMemo(() => amountWeightedOption(stages, texts), [stages, texts]);
  const reasonsChart = useMemo(() => lossReasonsOption(reasons, texts, (r) => r.name), [reasons, texts]);
  const rivalsChart = useMemo(() => lossCompetitorsOption(rivals, texts, t("pipeline.loss.count")), [rivals, texts, t]);

  const openStage = (s: PipelineStageRow) => setDrill({ kind: "stage", stageId: s.stage_id, name: s.name });
  const openBucket = (bucket: Bucket) => setDrill({ kind: "bucket", bucket });

  const filters = (
    <Space wrap data-testid="pipeline-filters">
      <LineSelect
        lines={lines.data ?? []}
        value={params.business_line_id ?? data?.business_line.id}
        onChange={(v) => update({ business_line_id: v })}
        style={{ minWidth: 180 }}
        data-testid="pipeline-line"
      />
      <Segmented<PeriodKind>
        value={params.period}
        onChange={(period) => update(period === "custom" ? { period, ...range } : { period, from: undefined, to: undefined })}
        options={PERIODS.map((p) => ({ value: p, label: <span data-testid={`pipeline-period-${p}`}>{t(`pipeline.period.${p}`)}</span> }))}
        data-testid="pipeline-period"
      />
      {params.period === "custom" && (
        <DatePicker.RangePicker
          value={[dayjs(range.from), dayjs(range.to)]}
          allowClear={false}
          onChange={(dates) => {
            if (dates?.[0] && dates[1]) update({ period: "custom", from: dates[0].format("YYYY-MM-DD"), to: dates[1].format("YYYY-MM-DD") });
          }}
          data-testid="pipeline-range"
        />
      )}
      {pickers.zone && (
        <ZoneSelect
          value={params.zone_id ?? null}
          onChange={(v) => update({ zone_id: v ?? undefined, team_id: undefined })}
          placeholder={t("pipeline.filter.zone")}
          data-testid="pipeline-zone"
        />
      )}
      {pickers.team && (
        <TeamSelect
          zoneId={params.zone_id}
          value={params.team_id ?? null}
          onChange={(v) => update({ team_id: v ?? undefined })}
          placeholder={t("pipeline.filter.team")}
          data-testid="pipeline-team"
        />
      )}
      {pickers.owner && (
        <UserSelect
          initial={owner.data ?? null}
          value={params.owner_id ?? null}
          onChange={(v) => update({ owner_id: v ?? undefined })}
          placeholder={t("pipeline.filter.owner")}
          data-testid="pipeline-owner"
        />
      )}
      <Select
        value={params.currency ?? "CNY"}
        onChange={(v: string) => update({ currency: v })}
        options={CURRENCIES.map((c) => ({ value: c, label: c }))}
        style={{ width: 90 }}
        data-testid="pipeline-currency"
      />
      <Button
        icon={<ReloadOutlined />}
        title={t("common.reload")}
        aria-label={t("common.reload")}
        loading={board.isFetching}
        onClick={() => void board.refetch()}
        data-testid="pipeline-reload"
      />
      <Link to={`/pipeline/targets?month=${range.from.slice(0, 7)}`} data-testid="pipeline-targets-link">
        <Button icon={<AimOutlined />}>{t("pipeline.targets.title")}</Button>
      </Link>
    </Space>
  );

  const title = (
    <Space>
      {t("pipeline.title")}
      {data && (
        <Typography.Text type="secondary" style={{ fontWeight: "normal" }} data-testid="pipeline-period-shown">
          {localLabel(data.business_line.name, lang)} · {data.period.from} ~ {data.period.to}
        </Typography.Text>
      )}
    </Space>
  );

  if (board.isError) {
    return (
      <Card title={title} extra={filters} data-testid="pipeline-page">
        <Result
          status="error"
          title={t("common.error")}
          subTitle={board.error.message}
          extra={<Button onClick={() => void board.refetch()}>{t("common.reload")}</Button>}
          data-testid="pipeline-error"
        />
      </Card>
    );
  }

  const loading = board.isPending;
  const target = data?.target;
  const gap = target?.gap ?? null;
  const gapColor = gap === null ? undefined : isPositive(gap) ? "#cf1322" : "#389e0d";
  const outcomes = data?.outcomes;
  const svn = data?.stock_vs_new;
  const mayManage = can("sales_target", "manage");

  const stageColumns: TableColumnsType<PipelineStageRow> = [
    {
      key: "name",
      title: t("pipeline.col.stage"),
      render: (_, s) => (
        <Space size={4}>
          <Typography.Link>{stageName(s)}</Typography.Link>
          <Tag>{fmtRate(s.win_rate)}</Tag>
        </Space>
      ),
    },
    { key: "category", title: t("pipeline.col.category"), render: (_, s) => translateDynamic(t, "businessLines.forecast", s.forecast_category) },
    { key: "count", title: t("pipeline.col.count"), dataIndex: "count", align: "right" },
    { key: "amount", title: t("pipeline.col.amount"), align: "right", render: (_, s) => money(s.amount) },
    { key: "weighted", title: t("pipeline.col.weighted"), align: "right", render: (_, s) => <span data-testid="pipeline-stage-weighted">{money(s.weighted)}</span> },
    {
      key: "conversion",
      title: t("pipeline.col.conversion"),
      align: "right",
      render: (_, s) => (s.conversion_to_next === null ? "—" : fmtRate(s.conversion_to_next)),
    },
    {
      key: "days",
      title: t("pipeline.col.avgDays"),
      align: "right",
      render: (_, s) => (s.avg_days === null ? "—" : t("pipeline.days", { n: s.avg_days })),
    },
  ];

  const categoryColumns: TableColumnsType<PipelineCategory> = [
    { key: "category", title: t("pipeline.col.category"), render: (_, c) => <Typography.Link>{translateDynamic(t, "businessLines.forecast", c.category)}</Typography.Link> },
    { key: "count", title: t("pipeline.col.count"), dataIndex: "count", align: "right" },
    { key: "amount", title: t("pipeline.col.amount"), align: "right", render: (_, c) => money(c.amount) },
    { key: "weighted", title: t("pipeline.col.weighted"), align: "right", render: (_, c) => money(c.weighted) },
  ];

  const reasonColumns: TableColumnsType<PipelineLossReason> = [
    { key: "name", title: t("pipeline.loss.reason"), render: (_, r) => <Typography.Link>{r.name}</Typography.Link> },
    { key: "count", title: t("pipeline.col.count"), dataIndex: "count", align: "right" },
    { key: "amount", title: t("pipeline.col.amount"), align: "right", render: (_, r) => money(r.amount) },
  ];
  const rivalColumns: TableColumnsType<PipelineLossCompetitor> = [
    { key: "name", title: t("pipeline.loss.competitor"), render: (_, r) => <Typography.Link>{r.name}</Typography.Link> },
    { key: "count", title: t("pipeline.col.count"), dataIndex: "count", align: "right" },
    { key: "amount", title: t("pipeline.col.amount"), align: "right", render: (_, r) => money(r.amount) },
  ];
  const clickRow = (testId: string, attrs: Record<string, string>, onClick: () => void) =>
    ({ "data-testid": testId, ...attrs, onClick, style: { cursor: "pointer" } }) as HTMLAttributes<HTMLElement>;

  return (
    <Space direction="vertical" style={{ width: "100%" }} size="middle" data-testid="pipeline-page">
      <Card title={title} extra={filters}>
        <Row gutter={[16, 16]}>
          <Kpi
            name="amount"
            title={t("pipeline.kpi.amount")}
            value={money(data?.totals.amount)}
            raw={data?.totals.amount}
            note={data ? t("pipeline.count", { n: data.totals.count }) : undefined}
            loading={loading}
            onClick={() => setDrill({ kind: "open" })}
          />
          <Kpi name="weighted" title={t("pipeline.kpi.weighted")} value={money(target?.weighted_pipeline)} raw={target?.weighted_pipeline} loading={loading} />
          <Kpi
            name="target"
            title={t("pipeline.kpi.target")}
            value={target?.amount === null ? t("pipeline.kpi.noTarget") : money(target?.amount)}
            raw={target?.amount}
            loading={loading}
            note={
              mayManage ? (
                <Link to={`/pipeline/targets?month=${range.from.slice(0, 7)}`} data-testid="pipeline-set-target">
                  {t("pipeline.kpi.setTarget")}
                </Link>
              ) : undefined
            }
          />
          <Kpi
            name="gap"
            title={t("pipeline.kpi.gap")}
            value={gap === null ? "—" : money(gap)}
            raw={gap}
            color={gapColor}
            strong={gap !== null}
            note={gap === null ? undefined : isPositive(gap) ? t("pipeline.kpi.gapHint") : t("pipeline.kpi.gapCovered")}
            loading={loading}
          />
          <Kpi
            name="attainment"
            title={t("pipeline.kpi.attainment")}
            value={target?.attainment ? fmtRate(target.attainment) : "—"}
            raw={target?.attainment}
            loading={loading}
          />
        </Row>
        <Row gutter={[16, 16]} style={{ marginTop: 16 }}>
          <Kpi
            name="won"
            title={t("pipeline.kpi.won")}
            value={money(outcomes?.won.amount)}
            raw={outcomes?.won.amount}
            color="#389e0d"
            note={outcomes ? t("pipeline.count", { n: outcomes.won.count }) : undefined}
            loading={loading}
            onClick={() => openBucket("won")}
          />
          <Kpi
            name="lost"
            title={t("pipeline.kpi.lost")}
            value={money(outcomes?.lost.amount)}
            raw={outcomes?.lost.amount}
            color="#cf1322"
            note={outcomes ? t("pipeline.count", { n: outcomes.lost.count }) : undefined}
            loading={loading}
            onClick={() => openBucket("lost")}
          />
          <Kpi
            name="loss-rate"
            title={t("pipeline.kpi.lossRate")}
            value={outcomes?.loss_rate ? fmtRate(outcomes.loss_rate) : "—"}
            raw={outcomes?.loss_rate}
            loading={loading}
          />
          <Kpi
            name="new"
            title={t("pipeline.kpi.new")}
            value={money(svn?.new.amount)}
            raw={svn?.new.amount}
            note={svn ? t("pipeline.count", { n: svn.new.count }) : undefined}
            loading={loading}
            onClick={() => openBucket("new")}
          />
          <Kpi
            name="stock"
            title={t("pipeline.kpi.stock")}
            value={money(svn?.stock.amount)}
            raw={svn?.stock.amount}
            note={svn ? t("pipeline.count", { n: svn.stock.count }) : undefined}
            loading={loading}
            onClick={() => openBucket("stock")}
          />
        </Row>
      </Card>

      <Row gutter={[16, 16]}>
        <Col xs={24} xl={12}>
          <Card title={t("pipeline.funnel")} style={{ height: "100%" }}>
            {!loading && !stages.length ? (
              <Empty description={t("pipeline.noStages")} />
            ) : (
              <PipelineChart
                option={funnel}
                height={CHART_HEIGHT}
                loading={board.isFetching}
                onItemClick={(i) => stages[i] && openStage(stages[i])}
                data-testid="pipeline-funnel"
              />
            )}
          </Card>
        </Col>
        <Col xs={24} xl={12}>
          <Card title={t("pipeline.amountVsWeighted")} style={{ height: "100%" }}>
            <PipelineChart
              option={bars}
              height={CHART_HEIGHT}
              loading={board.isFetching}
              onItemClick={(i) => stages[i] && openStage(stages[i])}
              data-testid="pipeline-bars"
            />
          </Card>
        </Col>
      </Row>

      <Card title={t("pipeline.stages")}>
        <Table<PipelineStageRow>
          rowKey="stage_id"
          size="middle"
          data-testid="pipeline-stages"
          columns={stageColumns}
          dataSource={stages}
          loading={board.isFetching}
          pagination={false}
          scroll={{ x: "max-content" }}
          onRow={(s) => clickRow("pipeline-stage-row", { "data-code": s.code }, () => openStage(s))}
          summary={() =>
            data ? (
              <Table.Summary.Row data-testid="pipeline-stage-total" onClick={() => setDrill({ kind: "open" })} style={{ cursor: "pointer" }}>
                <Table.Summary.Cell index={0} colSpan={2}>
                  <Typography.Text strong>{t("pipeline.total")}</Typography.Text>
                </Table.Summary.Cell>
                <Table.Summary.Cell index={2} align="right">
                  <Typography.Text strong>{data.totals.count}</Typography.Text>
                </Table.Summary.Cell>
                <Table.Summary.Cell index={3} align="right">
                  <Typography.Text strong>{money(data.totals.amount)}</Typography.Text>
                </Table.Summary.Cell>
                <Table.Summary.Cell index={4} align="right">
                  <Typography.Text strong>{money(data.totals.weighted)}</Typography.Text>
                </Table.Summary.Cell>
                <Table.Summary.Cell index={5} colSpan={2} />
              </Table.Summary.Row>
            ) : null
          }
        />
      </Card>

      <Row gutter={[16, 16]}>
        <Col xs={24} xl={8}>
          <Card title={t("pipeline.categories")} style={{ height: "100%" }}>
            <Table<PipelineCategory>
              rowKey="category"
              size="small"
              columns={categoryColumns}
              dataSource={data?.by_forecast_category ?? []}
              loading={board.isFetching}
              pagination={false}
              onRow={(c) => clickRow("pipeline-category-row", { "data-category": c.category }, () => setDrill({ kind: "category", category: c.category }))}
            />
          </Card>
        </Col>
        <Col xs={24} xl={8}>
          <Card title={t("pipeline.loss.reasons")} style={{ height: "100%" }} data-testid="pipeline-loss-reasons">
            {!reasons.length ? (
              <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t("pipeline.loss.none")} />
            ) : (
              <>
                <PipelineChart
                  option={reasonsChart}
                  height={240}
                  loading={board.isFetching}
                  onItemClick={(i) => reasons[i] && setDrill({ kind: "reason", reason: reasons[i].reason, name: reasons[i].name })}
                  data-testid="pipeline-loss-reasons-chart"
                />
                <Table<PipelineLossReason>
                  rowKey="reason"
                  size="small"
                  columns={reasonColumns}
                  dataSource={reasons}
                  pagination={false}
                  onRow={(r) => clickRow("pipeline-loss-reason", { "data-reason": r.reason }, () => setDrill({ kind: "reason", reason: r.reason, name: r.name }))}
                />
              </>
            )}
          </Card>
        </Col>
        <Col xs={24} xl={8}>
          <Card title={t("pipeline.loss.competitors")} style={{ height: "100%" }} data-testid="pipeline-loss-competitors">
            {!rivals.length ? (
              <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t("pipeline.loss.noCompetitors")} />
            ) : (
              <>
                <PipelineChart
                  option={rivalsChart}
                  height={240}
                  loading={board.isFetching}
                  onItemClick={(i) =>
                    rivals[i] && setDrill({ kind: "competitor", competitorId: rivals[i].competitor_id, name: rivals[i].name })
                  }
                  data-testid="pipeline-loss-competitors-chart"
                />
                <Table<PipelineLossCompetitor>
                  rowKey="competitor_id"
                  size="small"
                  columns={rivalColumns}
                  dataSource={rivals}
                  pagination={false}
                  onRow={(r) =>
                    clickRow("pipeline-loss-competitor", { "data-id": r.competitor_id }, () =>
                      setDrill({ kind: "competitor", competitorId: r.competitor_id, name: r.name }),
                    )
                  }
                />
              </>
            )}
          </Card>
        </Col>
      </Row>

      <PipelineDrillDrawer params={params} today={today} drill={drill} onClose={() => setDrill(null)} />
    </Space>
  );
}

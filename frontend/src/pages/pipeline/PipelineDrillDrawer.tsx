/** The drill-down (下钻): the opportunities behind one number of the board, biggest first. */
import { Button, Drawer, Result, Space, Table, Tag, Typography, type TableColumnsType } from "antd";
import { useMemo, type HTMLAttributes } from "react";
import { Link } from "react-router";
import { fmtChinaDateTime } from "../../components/chinaTime";
import { localLabel, translateDynamic, useLang, useT, type Translate } from "../../i18n/context";
import { fmtAmount } from "../opportunities/opportunityHelpers";
import type { Drill, DrillItem, PipelineParams } from "./pipelineHelpers";
import { useDrill } from "./pipelineQueries";

const STATUS_COLORS: Record<string, string> = { open: "blue", won: "green", lost: "red" };

function drillTitle(drill: Drill, t: Translate, lang: "zh-CN" | "en"): string {
  switch (drill.kind) {
    case "open":
      return t("pipeline.drill.open");
    case "stage":
      return t("pipeline.drill.stage", { name: localLabel(drill.name, lang) });
    case "bucket":
      return t(`pipeline.drill.bucket.${drill.bucket}`);
    case "reason":
      return t("pipeline.drill.reason", { name: drill.name });
    case "competitor":
      return t("pipeline.drill.competitor", { name: drill.name });
    case "category":
      return t("pipeline.drill.category", { name: translateDynamic(t, "businessLines.forecast", drill.category) });
  }
}

export function PipelineDrillDrawer({
  params,
  today,
  drill,
  onClose,
}: {
  params: PipelineParams;
  today: string;
  drill: Drill | null;
  onClose: () => void;
}) {
  const t = useT();
  const { lang } = useLang();
  const query = useDrill(params, today, drill);
  const rows = useMemo(() => query.data?.pages.flatMap((p) => p.items) ?? [], [query.data]);
  const closed = drill?.kind === "bucket" && (drill.bucket === "won" || drill.bucket === "lost");

  const columns: TableColumnsType<DrillItem> = [
    {
      key: "name",
      title: t("pipeline.col.opportunity"),
      render: (_, r) => (
        <Link to={`/opportunities/${r.id}`} data-testid="pipeline-drill-link">
          {r.name}
        </Link>
      ),
    },
    { key: "customer", title: t("pipeline.col.customer"), render: (_, r) => <Link to={`/customers/${r.customer_id}`}>{r.customer_name}</Link> },
    { key: "owner", title: t("pipeline.col.owner"), render: (_, r) => r.owner_name ?? "—" },
    {
      key: "stage",
      title: t("pipeline.col.stage"),
      render: (_, r) => (
        <Space size={4}>
          {localLabel(r.stage_name, lang)}
          {r.status !== "open" && <Tag color={STATUS_COLORS[r.status]}>{translateDynamic(t, "opportunity.status", r.status)}</Tag>}
        </Space>
      ),
    },
    {
      key: "amount",
      title: t("pipeline.col.amount"),
      align: "right",
      render: (_, r) => fmtAmount(r.status === "won" && r.won_amount ? r.won_amount : r.amount, r.currency),
    },
    ...(closed
      ? [
          {
            key: "closed",
            title: t("pipeline.col.closedAt"),
            render: (_: unknown, r: DrillItem) => fmtChinaDateTime(r.closed_at),
          },
        ]
      : [
          { key: "weighted", title: t("pipeline.col.weighted"), align: "right" as const, render: (_: unknown, r: DrillItem) => fmtAmount(r.weighted, r.currency) },
          { key: "close", title: t("pipeline.col.expectedClose"), render: (_: unknown, r: DrillItem) => r.expected_close_date ?? "" },
        ]),
  ];

  return (
    <Drawer
      open={drill !== null}
      onClose={onClose}
      width={960}
      title={drill ? drillTitle(drill, t, lang) : ""}
      destroyOnHidden
      data-testid="pipeline-drill"
    >
      {query.isError ? (
        <Result status="error" title={t("common.error")} subTitle={query.error.message} />
      ) : (
        <>
          <Table<DrillItem>
            rowKey="id"
            size="small"
            columns={columns}
            dataSource={rows}
            loading={query.isFetching && !query.isFetchingNextPage}
            pagination={false}
            scroll={{ x: "max-content" }}
            onRow={(r) => ({ "data-testid": "pipeline-drill-row", "data-id": r.id }) as HTMLAttributes<HTMLElement>}
          />
          <div style={{ textAlign: "center", marginTop: 12 }}>
            {query.hasNextPage ? (
              <Button onClick={() => void query.fetchNextPage()} loading={query.isFetchingNextPage} data-testid="pipeline-drill-more">
                {t("common.loadMore")}
              </Button>
            ) : (
              rows.length > 0 && <Typography.Text type="secondary">{t("common.noMore")}</Typography.Text>
            )}
          </div>
        </>
      )}
    </Drawer>
  );
}

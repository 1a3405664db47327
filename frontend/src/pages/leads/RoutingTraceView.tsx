import { Descriptions, Empty, Table, Tag, Typography } from "antd";
import { translateDynamic, useT } from "../../i18n/context";
import { isEmptyTrace, parseTrace } from "./leadHelpers";

/** A routing trace (stored on a lead, or a dry-run decision), readable: rule, result, candidates. */
export function RoutingTraceView({
  trace,
  userName,
}: {
  trace: Record<string, unknown> | null | undefined;
  userName?: (id: string) => string | undefined;
}) {
  const t = useT();
  const tr = parseTrace(trace);
  if (isEmptyTrace(tr)) return <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t("lead.routing.empty")} />;
  const who = (id: string | null) => (id ? (userName?.(id) ?? id) : "");
  return (
    <div data-testid="lead-routing">
      <Descriptions size="small" column={1} bordered>
        <Descriptions.Item label={t("lead.routing.rule")}>{tr.ruleName ?? t("lead.routing.noRule")}</Descriptions.Item>
        {tr.action && <Descriptions.Item label={t("lead.routing.action")}>{translateDynamic(t, "rule.actionType", tr.action)}</Descriptions.Item>}
        {tr.ownerId && <Descriptions.Item label={t("lead.routing.owner")}>{who(tr.ownerId)}</Descriptions.Item>}
        {tr.queue && <Descriptions.Item label={t("lead.routing.queue")}>{tr.queue}</Descriptions.Item>}
        {tr.reason && <Descriptions.Item label={t("lead.routing.reason")}>{tr.reason}</Descriptions.Item>}
        {tr.customerId && <Descriptions.Item label={t("lead.routing.customer")}>{tr.customerId}</Descriptions.Item>}
        {tr.missingFields.length > 0 && (
          <Descriptions.Item label={t("lead.routing.missing")}>
            {tr.missingFields.map((f) => (
              <Tag key={f}>{f}</Tag>
            ))}
          </Descriptions.Item>
        )}
      </Descriptions>
      {tr.candidates.length > 0 && (
        <>
          <Typography.Title level={5} style={{ marginTop: 12 }}>
            {t("lead.routing.candidates")}
          </Typography.Title>
          <Table
            size="small"
            pagination={false}
            rowKey={(_, i) => String(i)}
            dataSource={tr.candidates}
            columns={[
              { key: "user", title: t("lead.routing.owner"), render: (_, c) => who(c.userId) },
              { key: "open", title: t("lead.routing.openLeads"), render: (_, c) => c.openLeads ?? "" },
              {
                key: "skipped",
                title: t("lead.routing.skipped"),
                render: (_, c) =>
                  c.skippedReason ? (
                    <Typography.Text type="secondary">{c.skippedReason}</Typography.Text>
                  ) : c.userId && c.userId === tr.ownerId ? (
                    <Tag color="green">{t("lead.routing.chosen")}</Tag>
                  ) : (
                    ""
                  ),
              },
            ]}
          />
        </>
      )}
    </div>
  );
}

/**
 * Settings › approval flows (审批流程): the flows per kind of request, with their match
 * conditions and ordered steps; an editor (every change of the match or the steps is a new
 * version, requests in flight keep theirs), each flow's versions, and a preview of who would
 * approve a request with given facts.
 */
import { PlusOutlined } from "@ant-design/icons";
import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Button, Card, Modal, Select, Space, Switch, Table, Tag, Typography } from "antd";
import { useState, type HTMLAttributes } from "react";
import { api, ifMatch, unwrap } from "../../api/client";
import { useCan } from "../../auth/context";
import { fmtDateTime } from "../../components/format";
import { useApiError } from "../../components/useApiError";
import { useT } from "../../i18n/context";
import { ApprovalFlowDrawer } from "./ApprovalFlowsEditor";
import { APPROVAL_FLOW, REQUEST_KINDS, kindLabel, matchSummary, stepsSummary, type Flow, type FlowVersion, type RequestKind } from "./ApprovalFlowsHelpers";
import { ApprovalFlowPreview } from "./ApprovalFlowsPreview";
import { FLOW_KEYS, fetchFlows, fetchVersions, useSummaryLabels } from "./ApprovalFlowsQueries";

function Lines({ lines, testId }: { lines: string[]; testId?: string }) {
  return (
    <div data-testid={testId} style={{ maxWidth: 520 }}>
      {lines.map((line, i) => (
        <div key={i}>{line}</div>
      ))}
    </div>
  );
}

function VersionsModal({ flow, onClose }: { flow: Flow; onClose: () => void }) {
  const t = useT();
  const labels = useSummaryLabels();
  const versions = useQuery({ queryKey: FLOW_KEYS.versions(flow.id), queryFn: () => fetchVersions(flow.id) });
  return (
    <Modal open width={900} title={t("approvalFlow.versionsTitle", { name: flow.name })} onCancel={onClose} footer={null} destroyOnHidden>
      <Typography.Paragraph type="secondary">{t("approvalFlow.inFlightNote")}</Typography.Paragraph>
      <Table<FlowVersion>
        rowKey="number"
        size="small"
        pagination={false}
        loading={versions.isLoading}
        dataSource={versions.data ?? []}
        data-testid="approval-flow-versions-table"
        onRow={(v) => ({ "data-testid": `approval-flow-version-${v.number}` }) as HTMLAttributes<HTMLElement>}
        columns={[
          {
            key: "number",
            title: t("approvalFlow.version"),
            render: (_, v) => (
              <Space size={4}>
                <span>v{v.number}</span>
                {v.number === flow.current_version && <Tag color="green">{t("approvalFlow.current")}</Tag>}
              </Space>
            ),
          },
          { key: "created", title: t("common.createdAt"), render: (_, v) => fmtDateTime(v.created_at) },
          { key: "match", title: t("approvalFlow.match"), render: (_, v) => <Lines lines={matchSummary(v.match, t, labels)} /> },
          { key: "steps", title: t("approvalFlow.steps"), render: (_, v) => <Lines lines={stepsSummary(v.steps, t, labels)} testId="approval-flow-version-steps" /> },
        ]}
      />
    </Modal>
  );
}

export function ApprovalFlowsPage() {
  const t = useT();
  const can = useCan();
  const mayManage = can(APPROVAL_FLOW, "manage");
  const report = useApiError();
  const qc = useQueryClient();
  const labels = useSummaryLabels();
  const [kind, setKind] = useState<RequestKind | null>(null);
  const [editing, setEditing] = useState<string | "new" | null>(null);
  const [versionsOf, setVersionsOf] = useState<Flow | null>(null);
  const flows = useQuery({ queryKey: FLOW_KEYS.list(kind), queryFn: () => fetchFlows(kind), placeholderData: keepPreviousData });
  const invalidate = () => qc.invalidateQueries({ queryKey: FLOW_KEYS.all });

  const toggle = useMutation({
    mutationFn: (f: Flow) =>
      unwrap(
        api.PATCH("/api/v1/approval-flows/{flow_id}", {
          params: { path: { flow_id: f.id } },
          body: { is_active: !f.is_active },
          headers: { "If-Match": ifMatch(f) },
        }),
      ),
    onSuccess: () => void invalidate(),
    onError: (e) => report(e, { onStale: () => void invalidate() }),
  });

  return (
    <Space direction="vertical" size="large" style={{ width: "100%" }}>
      <Card
        title={t("approvalFlow.title")}
        data-testid="approval-flows"
        extra={
          mayManage && (
            <Button type="primary" icon={<PlusOutlined />} onClick={() => setEditing("new")} data-testid="approval-flow-create">
              {t("approvalFlow.new")}
            </Button>
          )
        }
      >
        <Typography.Paragraph type="secondary">{t("approvalFlow.hint")}</Typography.Paragraph>
        <Select<RequestKind>
          allowClear
          placeholder={t("approvalFlow.allKinds")}
          value={kind ?? undefined}
          onChange={(v) => setKind(v ?? null)}
          options={REQUEST_KINDS.map((k) => ({ value: k, label: t(`approvalKind.${k}`) }))}
          style={{ width: 220, marginBottom: 12 }}
          data-testid="approval-flow-kind-filter"
        />
        <Table<Flow>
          rowKey="id"
          size="small"
          loading={flows.isLoading}
          dataSource={flows.data ?? []}
          pagination={false}
          scroll={{ x: "max-content" }}
          locale={{ emptyText: t("approvalFlow.empty") }}
          onRow={(f) => ({ "data-testid": `approval-flow-row-${f.id}` }) as HTMLAttributes<HTMLElement>}
          columns={[
            {
              key: "name",
              title: t("approvalFlow.name"),
              render: (_, f) => (
                <div>
                  <span data-testid="approval-flow-name-cell">{f.name}</span>
                  {f.description && (
                    <Typography.Paragraph type="secondary" style={{ margin: 0, maxWidth: 280 }} ellipsis={{ rows: 2, tooltip: f.description }}>
                      {f.description}
                    </Typography.Paragraph>
                  )}
                </div>
              ),
            },
            { key: "kind", title: t("approvalFlow.kind"), render: (_, f) => <Tag data-testid="approval-flow-kind-cell">{kindLabel(t, f.kind)}</Tag> },
            { key: "priority", title: t("approvalFlow.priority"), align: "right", render: (_, f) => f.priority },
            {
              key: "active",
              title: t("approvalFlow.active"),
              render: (_, f) => (
                <Switch
                  size="small"
                  checked={f.is_active}
                  disabled={!mayManage}
                  loading={toggle.isPending && toggle.variables?.id === f.id}
                  onChange={() => toggle.mutate(f)}
                  data-testid="approval-flow-toggle"
                />
              ),
            },
            {
              key: "version",
              title: t("approvalFlow.currentVersion"),
              render: (_, f) => (
                <Button type="link" size="small" onClick={() => setVersionsOf(f)} data-testid="approval-flow-versions">
                  v{f.current_version}
                </Button>
              ),
            },
            { key: "match", title: t("approvalFlow.match"), render: (_, f) => <Lines lines={matchSummary(f.match, t, labels)} /> },
            { key: "steps", title: t("approvalFlow.steps"), render: (_, f) => <Lines lines={stepsSummary(f.steps, t, labels)} testId="approval-flow-steps" /> },
            {
              key: "actions",
              title: t("common.actions"),
              render: (_, f) => (
                <Space size={0}>
                  {mayManage && (
                    <Button type="link" size="small" onClick={() => setEditing(f.id)} data-testid="approval-flow-edit">
                      {t("common.edit")}
                    </Button>
                  )}
                  <Button type="link" size="small" onClick={() => setVersionsOf(f)}>
                    {t("approvalFlow.versions")}
                  </Button>
                </Space>
              ),
            },
          ]}
        />
        <ApprovalFlowDrawer key={editing ?? "closed"} open={editing !== null} flowId={editing === "new" ? null : editing} onClose={() => setEditing(null)} />
        {versionsOf && <VersionsModal flow={versionsOf} onClose={() => setVersionsOf(null)} />}
      </Card>
      <ApprovalFlowPreview />
    </Space>
  );
}

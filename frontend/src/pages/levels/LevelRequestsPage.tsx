/** 等级审批: level-change requests a manager decides (pending), and those already decided. */
import { useInfiniteQuery, useMutation, useQueryClient } from "@tanstack/react-query";
import { App, Button, Card, Form, Input, Modal, Space, Table, Tabs, Tag, Typography } from "antd";
import { useState } from "react";
import { Link, useSearchParams } from "react-router";
import { api, unwrap } from "../../api/client";
import type { CustomerLevel, LevelRequest, LevelRequestStatus } from "../../api/types";
import { fmtDateTime } from "../../components/format";
import { useApiError } from "../../components/useApiError";
import { useT } from "../../i18n/context";

type TabKey = "pending" | "decided";
type Decision = "approve" | "reject";

const STATUS_COLOR: Record<LevelRequestStatus, string> = {
  pending: "processing",
  approved: "success",
  rejected: "error",
  withdrawn: "default",
};

function DecideDialog({ target, onClose }: { target: { request: LevelRequest; decision: Decision } | null; onClose: () => void }) {
  const t = useT();
  const report = useApiError();
  const { message } = App.useApp();
  const qc = useQueryClient();
  const [form] = Form.useForm<{ comment: string }>();
  const decide = useMutation({
    mutationFn: ({ comment }: { comment: string }) => {
      const opts = { params: { path: { request_id: target!.request.id } }, body: { comment: comment?.trim() || null } };
      return unwrap(
        target!.decision === "approve"
          ? api.POST("/api/v1/level-requests/{request_id}/approve", opts)
          : api.POST("/api/v1/level-requests/{request_id}/reject", opts),
      );
    },
    onSuccess: (r) => {
      message.success(r.status === "approved" ? t("levelRequests.approved") : t("levelRequests.rejected"));
      void qc.invalidateQueries({ queryKey: ["level-requests"] });
      void qc.invalidateQueries({ queryKey: ["customers"] });
      onClose();
    },
    onError: (e) => {
      report(e, { form });
      // decided by someone else meanwhile: show the list as it is now
      void qc.invalidateQueries({ queryKey: ["level-requests"] });
    },
  });
  const approve = target?.decision === "approve";
  return (
    <Modal
      open={Boolean(target)}
      title={approve ? t("levelRequests.approveTitle") : t("levelRequests.rejectTitle")}
      onCancel={onClose}
      onOk={() => form.submit()}
      confirmLoading={decide.isPending}
      okText={approve ? t("levelRequests.approve") : t("levelRequests.reject")}
      cancelText={t("common.cancel")}
      okButtonProps={{ danger: !approve, ...({ "data-testid": "level-decide-ok" } as Record<string, string>) }}
      destroyOnHidden
    >
      {target && (
        <Form form={form} layout="vertical" preserve={false} clearOnDestroy onFinish={(v) => decide.mutate(v)}>
          <Typography.Paragraph>
            {target.request.customer.name}：{t(`customer.level.${target.request.from_level}`)} → {t(`customer.level.${target.request.to_level}`)}
          </Typography.Paragraph>
          <Typography.Paragraph type="secondary">{target.request.reason}</Typography.Paragraph>
          <Form.Item name="comment" label={t("levelRequests.comment")} rules={[{ required: !approve, whitespace: true, max: 1000 }]}>
            <Input.TextArea rows={3} maxLength={1000} data-testid="level-decide-comment" />
          </Form.Item>
        </Form>
      )}
    </Modal>
  );
}

export function LevelRequestsPage() {
  const t = useT();
  const [params, setParams] = useSearchParams();
  const tab: TabKey = params.get("tab") === "decided" ? "decided" : "pending";
  const [target, setTarget] = useState<{ request: LevelRequest; decision: Decision } | null>(null);
  const list = useInfiniteQuery({
    queryKey: ["level-requests", "list", tab],
    initialPageParam: null as string | null,
    queryFn: ({ pageParam }) =>
      unwrap(
        api.GET("/api/v1/level-requests", {
          params: { query: { status: tab, limit: 50, ...(pageParam ? { cursor: pageParam } : {}) } },
        }),
      ),
    getNextPageParam: (last) => last.next_cursor ?? null,
  });
  const rows = list.data?.pages.flatMap((p) => p.items) ?? [];
  const level = (l: CustomerLevel) => t(`customer.level.${l}`);

  return (
    <Card title={t("levelRequests.title")} data-testid="level-requests">
      <Tabs
        activeKey={tab}
        onChange={(k) => setParams(k === "decided" ? { tab: "decided" } : {})}
        items={[
          { key: "pending", label: <span data-testid="level-tab-pending">{t("levelRequests.pendingTab")}</span> },
          { key: "decided", label: <span data-testid="level-tab-decided">{t("levelRequests.decidedTab")}</span> },
        ]}
      />
      <Table<LevelRequest>
        rowKey="id"
        size="middle"
        data-testid="level-request-table"
        loading={list.isLoading}
        dataSource={rows}
        pagination={false}
        scroll={{ x: "max-content" }}
        locale={{ emptyText: t("levelRequests.empty") }}
        columns={[
          {
            key: "customer",
            title: t("levelRequests.customer"),
            render: (_: unknown, r) => <Link to={`/customers/${r.customer.id}`}>{r.customer.name}</Link>,
          },
          {
            key: "change",
            title: t("levelRequests.change"),
            render: (_: unknown, r) => (
              <span data-testid="level-request-change">
                {level(r.from_level)} → <b>{level(r.to_level)}</b>
              </span>
            ),
          },
          { key: "reason", dataIndex: "reason", title: t("levelRequests.reason"), width: 260 },
          { key: "applicant", title: t("levelRequests.applicant"), render: (_: unknown, r) => r.requested_by.display_name },
          { key: "created", title: t("levelRequests.createdAt"), render: (_: unknown, r) => fmtDateTime(r.created_at) },
          ...(tab === "decided"
            ? [
                {
                  key: "status",
                  title: t("levelRequests.status"),
                  render: (_: unknown, r: LevelRequest) => (
                    <Tag color={STATUS_COLOR[r.status]} data-testid="level-request-status">
                      {t(`levelRequests.status.${r.status}`)}
                    </Tag>
                  ),
                },
                { key: "decider", title: t("levelRequests.decidedBy"), render: (_: unknown, r: LevelRequest) => r.decided_by?.display_name ?? "—" },
                { key: "comment", dataIndex: "comment", title: t("levelRequests.comment") },
              ]
            : [
                {
                  key: "actions",
                  title: t("common.actions"),
                  render: (_: unknown, r: LevelRequest) =>
                    r.can_decide ? (
                      <Space>
                        <Button type="primary" size="small" onClick={() => setTarget({ request: r, decision: "approve" })} data-testid="level-approve">
                          {t("levelRequests.approve")}
                        </Button>
                        <Button danger size="small" onClick={() => setTarget({ request: r, decision: "reject" })} data-testid="level-reject">
                          {t("levelRequests.reject")}
                        </Button>
                      </Space>
                    ) : null,
                },
              ]),
        ]}
      />
      {list.hasNextPage && (
        <Button style={{ marginTop: 12 }} loading={list.isFetchingNextPage} onClick={() => void list.fetchNextPage()} data-testid="level-requests-more">
          {t("levelRequests.loadMore")}
        </Button>
      )}
      <DecideDialog target={target} onClose={() => setTarget(null)} />
    </Card>
  );
}

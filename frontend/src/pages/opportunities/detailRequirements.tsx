import { PlusOutlined } from "@ant-design/icons";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { App, Button, Card, Form, Input, Modal, Popconfirm, Select, Space, Table, Tag, Typography } from "antd";
import { useState, type HTMLAttributes } from "react";
import { api, ifMatch, unwrap } from "../../api/client";
import { useAuth } from "../../auth/context";
import { fmtDateTime } from "../../components/format";
import { useApiError } from "../../components/useApiError";
import { translateDynamic, useT } from "../../i18n/context";
import { REQUIREMENT_PRIORITIES, detailKeys, type Requirement, type RequirementCreate } from "./detailHelpers";
import { useMembers } from "./detailQueries";

type Priority = (typeof REQUIREMENT_PRIORITIES)[number];
type Action = "confirm" | "close" | "reopen";

const STATUS_COLOR: Record<string, string> = { open: "blue", confirmed: "cyan", responded: "green", closed: "default" };
const PRIORITY_COLOR: Record<string, string> = { high: "red", medium: "orange", low: "default" };

interface Values {
  title: string;
  detail?: string;
  priority: Priority;
  assignee_id?: string | null;
}

/**
 * The customer's requirements (需求跟进): record with a priority and an assignee (the owner or a
 * team member, who gets a task), confirm with the customer, answer (需求应答), close or reopen.
 */
export function RequirementsTab({ opportunityId, canEdit }: { opportunityId: string; canEdit: boolean }) {
  const t = useT();
  const { me } = useAuth();
  const { message } = App.useApp();
  const report = useApiError();
  const qc = useQueryClient();
  const [form] = Form.useForm<Values>();
  const [respondForm] = Form.useForm<{ response: string }>();
  const [creating, setCreating] = useState(false);
  const [responding, setResponding] = useState<Requirement | null>(null);
  const base = { params: { path: { opportunity_id: opportunityId } } };
  const list = useQuery({
    queryKey: detailKeys.requirements(opportunityId),
    queryFn: () => unwrap(api.GET("/api/v1/opportunities/{opportunity_id}/requirements", base)),
  });
  const team = useMembers(opportunityId);
  const people = [...(team.data?.owner ? [team.data.owner] : []), ...(team.data?.items ?? [])].map((p) => ({ value: p.user_id, label: p.display_name }));
  const refresh = () => {
    void qc.invalidateQueries({ queryKey: detailKeys.requirements(opportunityId) });
    void qc.invalidateQueries({ queryKey: detailKeys.tasks(opportunityId) });
  };
  const onStale = () => refresh();

  const create = useMutation({
    mutationFn: (v: Values) => {
      const body: RequirementCreate = { title: v.title.trim(), detail: v.detail?.trim() || null, priority: v.priority, assignee_id: v.assignee_id ?? null };
      return unwrap(api.POST("/api/v1/opportunities/{opportunity_id}/requirements", { ...base, body }));
    },
    onSuccess: refresh,
  });
  const transition = useMutation({
    mutationFn: ({ r, action }: { r: Requirement; action: Action }) => {
      const opts = {
        params: { path: { opportunity_id: opportunityId, requirement_id: r.id } },
        headers: { "If-Match": ifMatch(r) },
      };
      if (action === "confirm") return unwrap(api.POST("/api/v1/opportunities/{opportunity_id}/requirements/{requirement_id}/confirm", opts));
      if (action === "close") return unwrap(api.POST("/api/v1/opportunities/{opportunity_id}/requirements/{requirement_id}/close", opts));
      return unwrap(api.POST("/api/v1/opportunities/{opportunity_id}/requirements/{requirement_id}/reopen", opts));
    },
    onSuccess: refresh,
    onError: (e) => report(e, { onStale }),
  });
  const respond = useMutation({
    mutationFn: ({ r, response }: { r: Requirement; response: string }) =>
      unwrap(
        api.POST("/api/v1/opportunities/{opportunity_id}/requirements/{requirement_id}/respond", {
          params: { path: { opportunity_id: opportunityId, requirement_id: r.id } },
          headers: { "If-Match": ifMatch(r) },
          body: { response: response.trim() },
        }),
      ),
    onSuccess: refresh,
  });
  const reassign = useMutation({
    mutationFn: ({ r, assignee }: { r: Requirement; assignee: string | null }) =>
      unwrap(
        api.PATCH("/api/v1/opportunities/{opportunity_id}/requirements/{requirement_id}", {
          params: { path: { opportunity_id: opportunityId, requirement_id: r.id } },
          headers: { "If-Match": ifMatch(r) },
          body: { assignee_id: assignee },
        }),
      ),
    onSuccess: refresh,
    onError: (e) => report(e, { onStale }),
  });
  const remove = useMutation({
    mutationFn: (r: Requirement) =>
      unwrap(
        api.DELETE("/api/v1/opportunities/{opportunity_id}/requirements/{requirement_id}", {
          params: { path: { opportunity_id: opportunityId, requirement_id: r.id } },
          headers: { "If-Match": ifMatch(r) },
        }),
      ),
    onSuccess: refresh,
    onError: (e) => report(e, { onStale }),
  });

  const counts = list.data?.counts;
  const mayRespond = (r: Requirement) => canEdit || r.assignee?.id === me?.user.id;

  return (
    <Card
      size="small"
      title={
        <Space wrap>
          <span>{t("opportunityDetail.req.title")}</span>
          {counts &&
            (["open", "confirmed", "responded", "closed"] as const).map((s) => (
              <Tag key={s} color={STATUS_COLOR[s]} data-testid={`req-count-${s}`}>
                {t(`opportunityDetail.reqStatus.${s}`)} {counts[s]}
              </Tag>
            ))}
        </Space>
      }
      extra={
        canEdit && (
          <Button icon={<PlusOutlined />} onClick={() => setCreating(true)} data-testid="req-add">
            {t("opportunityDetail.req.add")}
          </Button>
        )
      }
    >
      <Table<Requirement>
        size="small"
        rowKey="id"
        loading={list.isLoading}
        dataSource={list.data?.items ?? []}
        pagination={false}
        data-testid="req-table"
        onRow={(r) => ({ "data-testid": "req-row", "data-status": r.status }) as HTMLAttributes<HTMLElement>}
        expandable={{
          rowExpandable: (r) => Boolean(r.detail || r.response),
          expandedRowRender: (r) => (
            <Space direction="vertical" style={{ width: "100%" }}>
              {r.detail && <Typography.Paragraph style={{ whiteSpace: "pre-wrap", margin: 0 }}>{r.detail}</Typography.Paragraph>}
              {r.response && (
                <Card size="small" type="inner" title={t("opportunityDetail.req.response")} data-testid="req-response">
                  <Typography.Paragraph style={{ whiteSpace: "pre-wrap", margin: 0 }}>{r.response}</Typography.Paragraph>
                  <Typography.Text type="secondary">
                    {r.responded_by?.display_name} · {fmtDateTime(r.responded_at)}
                  </Typography.Text>
                </Card>
              )}
            </Space>
          ),
        }}
        columns={[
          { title: t("opportunityDetail.req.titleCol"), dataIndex: "title", key: "title" },
          {
            title: t("opportunityDetail.req.priority"),
            dataIndex: "priority",
            key: "priority",
            render: (v: string) => <Tag color={PRIORITY_COLOR[v]}>{translateDynamic(t, "opportunityDetail.reqPriority", v)}</Tag>,
          },
          {
            title: t("common.status"),
            dataIndex: "status",
            key: "status",
            render: (v: string, r) => (
              <Space direction="vertical" size={0}>
                <Tag color={STATUS_COLOR[v]} data-testid="req-status">
                  {translateDynamic(t, "opportunityDetail.reqStatus", v)}
                </Tag>
                {r.confirmed_at && (
                  <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                    {t("opportunityDetail.req.confirmedBy", { name: r.confirmed_by?.display_name ?? "", at: fmtDateTime(r.confirmed_at) })}
                  </Typography.Text>
                )}
              </Space>
            ),
          },
          {
            title: t("opportunityDetail.req.assignee"),
            key: "assignee",
            render: (_, r) =>
              canEdit && r.status !== "closed" ? (
                <Select<string | null>
                  size="small"
                  allowClear
                  style={{ minWidth: 120 }}
                  value={r.assignee?.id ?? undefined}
                  options={r.assignee && !people.some((p) => p.value === r.assignee!.id) ? [...people, { value: r.assignee.id, label: r.assignee.display_name }] : people}
                  onChange={(v) => reassign.mutate({ r, assignee: v ?? null })}
                  data-testid="req-assignee"
                />
              ) : (
                r.assignee?.display_name ?? "—"
              ),
          },
          { title: t("opportunityDetail.req.createdAt"), key: "created", render: (_, r) => `${fmtDateTime(r.created_at)} · ${r.created_by?.display_name ?? ""}` },
          {
            title: t("common.actions"),
            key: "actions",
            render: (_, r) => (
              <Space size={0} wrap>
                {canEdit && r.status === "open" && (
                  <Button type="link" size="small" onClick={() => transition.mutate({ r, action: "confirm" })} data-testid="req-confirm">
                    {t("opportunityDetail.req.confirm")}
                  </Button>
                )}
                {mayRespond(r) && (r.status === "confirmed" || r.status === "responded") && (
                  <Button type="link" size="small" onClick={() => setResponding(r)} data-testid="req-respond">
                    {r.status === "responded" ? t("opportunityDetail.req.revise") : t("opportunityDetail.req.respond")}
                  </Button>
                )}
                {canEdit && r.status !== "closed" && (
                  <Button type="link" size="small" onClick={() => transition.mutate({ r, action: "close" })} data-testid="req-close">
                    {t("opportunityDetail.req.close")}
                  </Button>
                )}
                {canEdit && (r.status === "closed" || r.status === "responded") && (
                  <Button type="link" size="small" onClick={() => transition.mutate({ r, action: "reopen" })} data-testid="req-reopen">
                    {t("opportunityDetail.req.reopen")}
                  </Button>
                )}
                {canEdit && (
                  <Popconfirm title={t("common.confirmDelete")} onConfirm={() => remove.mutate(r)}>
                    <Button type="link" size="small" danger>
                      {t("common.delete")}
                    </Button>
                  </Popconfirm>
                )}
              </Space>
            ),
          },
        ]}
      />

      <Modal
        open={creating}
        title={t("opportunityDetail.req.add")}
        onCancel={() => setCreating(false)}
        onOk={() => form.submit()}
        okText={t("common.save")}
        cancelText={t("common.cancel")}
        confirmLoading={create.isPending}
        okButtonProps={{ "data-testid": "req-add-ok" } as Record<string, string>}
        destroyOnHidden
      >
        <Form
          form={form}
          layout="vertical"
          preserve={false}
          initialValues={{ priority: "medium" }}
          onFinish={(v) =>
            create.mutate(v, {
              onSuccess: () => {
                message.success(t("common.created"));
                setCreating(false);
              },
              onError: (e) => report(e, { form }),
            })
          }
        >
          <Form.Item name="title" label={t("opportunityDetail.req.titleCol")} rules={[{ required: true, whitespace: true }]}>
            <Input maxLength={200} data-testid="req-add-title" />
          </Form.Item>
          <Form.Item name="detail" label={t("opportunityDetail.req.detail")}>
            <Input.TextArea rows={4} maxLength={10000} />
          </Form.Item>
          <Space wrap>
            <Form.Item name="priority" label={t("opportunityDetail.req.priority")}>
              <Select style={{ width: 120 }} options={REQUIREMENT_PRIORITIES.map((p) => ({ value: p, label: t(`opportunityDetail.reqPriority.${p}`) }))} />
            </Form.Item>
            <Form.Item name="assignee_id" label={t("opportunityDetail.req.assignee")} extra={t("opportunityDetail.req.assigneeHint")}>
              <Select allowClear style={{ width: 180 }} options={people} data-testid="req-add-assignee" />
            </Form.Item>
          </Space>
        </Form>
      </Modal>

      <Modal
        open={Boolean(responding)}
        title={t("opportunityDetail.req.respondTitle", { title: responding?.title ?? "" })}
        onCancel={() => setResponding(null)}
        onOk={() => respondForm.submit()}
        okText={t("common.save")}
        cancelText={t("common.cancel")}
        confirmLoading={respond.isPending}
        okButtonProps={{ "data-testid": "req-respond-ok" } as Record<string, string>}
        destroyOnHidden
      >
        <Form
          form={respondForm}
          layout="vertical"
          preserve={false}
          initialValues={{ response: responding?.response ?? "" }}
          onFinish={(v) =>
            responding &&
            respond.mutate(
              { r: responding, response: v.response },
              {
                onSuccess: () => {
                  message.success(t("common.saved"));
                  setResponding(null);
                },
                onError: (e) => report(e, { form: respondForm, onStale }),
              },
            )
          }
        >
          {responding?.detail && <Typography.Paragraph type="secondary" style={{ whiteSpace: "pre-wrap" }}>{responding.detail}</Typography.Paragraph>}
          <Form.Item name="response" label={t("opportunityDetail.req.response")} rules={[{ required: true, whitespace: true }]}>
            <Input.TextArea rows={6} maxLength={10000} data-testid="req-respond-text" />
          </Form.Item>
        </Form>
      </Modal>
    </Card>
  );
}

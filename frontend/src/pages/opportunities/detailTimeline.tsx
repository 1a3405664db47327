import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Alert, App, Button, Card, Col, DatePicker, Empty, Form, Input, Progress, Row, Select, Space, Tag, Timeline, Typography } from "antd";
import dayjs, { type Dayjs } from "dayjs";
import { useEffect, useMemo, useState } from "react";
import { api, unwrap } from "../../api/client";
import { keys, searchUsers } from "../../api/queries";
import { fmtDate, fmtDateTime } from "../../components/format";
import { useApiError } from "../../components/useApiError";
import { localLabel, translateDynamic, useLang, useT } from "../../i18n/context";
import { FOLLOW_UP_KINDS, detailKeys, fmtDuration, type History, type OppFollowUp, type OppFollowUpCreate } from "./detailHelpers";
import { useDecisionChain, useHistory } from "./detailQueries";

type Kind = (typeof FOLLOW_UP_KINDS)[number];
const KIND_COLOR: Record<string, string> = { call: "blue", visit: "green", message: "cyan", meeting: "purple", email: "gold" };
const INVITE_COLOR: Record<string, string> = { open: "default", done: "green", declined: "red" };
const TASK_COLOR: Record<string, string> = { open: "processing", done: "success", declined: "default" };

interface Values {
  kind: Kind;
  content: string;
  happened_at?: Dayjs | null;
  contact_id?: string | null;
  next_step?: string;
  next_follow_up_on?: Dayjs | null;
  invite_user_ids?: string[];
}

/** Colleagues to invite to a visit: several users, searched by name. */
function UsersSelect({ value, onChange }: { value?: string[]; onChange?: (v: string[]) => void }) {
  const [q, setQ] = useState("");
  const [dq, setDq] = useState("");
  useEffect(() => {
    const h = setTimeout(() => setDq(q), 300);
    return () => clearTimeout(h);
  }, [q]);
  const users = useQuery({ queryKey: keys.users({ q: dq, select: true }), queryFn: () => searchUsers(dq) });
  const [labels, setLabels] = useState<Record<string, string>>({});
  const options = useMemo(() => {
    const found = (users.data ?? []).map((u) => ({ value: u.id, label: `${u.display_name} (${u.username})` }));
    const kept = (value ?? []).filter((id) => !found.some((o) => o.value === id)).map((id) => ({ value: id, label: labels[id] ?? id }));
    return [...kept, ...found];
  }, [users.data, value, labels]);
  return (
    <Select
      mode="multiple"
      showSearch
      filterOption={false}
      onSearch={setQ}
      loading={users.isFetching}
      options={options}
      value={value ?? []}
      onChange={(v, opts) => {
        const chosen = Array.isArray(opts) ? opts : [opts];
        setLabels((l) => ({ ...l, ...Object.fromEntries(chosen.flatMap((o) => (o ? [[String(o.value), String(o.label)]] : []))) }));
        onChange?.(v);
      }}
      data-testid="followup-invite"
    />
  );
}

function FollowUpForm({ opportunityId }: { opportunityId: string }) {
  const t = useT();
  const { message } = App.useApp();
  const report = useApiError();
  const qc = useQueryClient();
  const [form] = Form.useForm<Values>();
  const kind = Form.useWatch("kind", form);
  const chain = useDecisionChain(opportunityId);
  const create = useMutation({
    mutationFn: (v: Values) => {
      const body: OppFollowUpCreate = {
        kind: v.kind,
        content: v.content.trim(),
        happened_at: v.happened_at ? v.happened_at.toISOString() : undefined,
        contact_id: v.contact_id ?? undefined,
        next_step: v.next_step?.trim() || undefined,
        next_follow_up_on: v.next_follow_up_on ? v.next_follow_up_on.format("YYYY-MM-DD") : undefined,
        invite_user_ids: v.kind === "visit" ? (v.invite_user_ids ?? []) : [],
      };
      return unwrap(api.POST("/api/v1/opportunities/{opportunity_id}/follow-ups", { params: { path: { opportunity_id: opportunityId } }, body }));
    },
    onSuccess: (f) => {
      void qc.invalidateQueries({ queryKey: detailKeys.followUps(opportunityId) });
      void qc.invalidateQueries({ queryKey: detailKeys.tasks(opportunityId) });
      void qc.invalidateQueries({ queryKey: ["follow-ups", f.customer_id] });
      message.success(f.invitations.length ? t("opportunityDetail.activity.loggedInvited", { n: f.invitations.length }) : t("opportunityDetail.activity.logged"));
      form.resetFields();
    },
    onError: (e) => report(e, { form }),
  });
  return (
    <Form form={form} layout="vertical" initialValues={{ kind: "call" }} onFinish={(v) => create.mutate(v)} data-testid="opp-followup-form">
      <Form.Item name="kind" label={t("opportunityDetail.activity.kind")} rules={[{ required: true }]}>
        <Select style={{ maxWidth: 200 }} options={FOLLOW_UP_KINDS.map((k) => ({ value: k, label: t(`opportunityDetail.followUpKind.${k}`) }))} data-testid="opp-followup-kind" />
      </Form.Item>
      <Form.Item name="content" label={t("opportunityDetail.activity.content")} rules={[{ required: true, whitespace: true }]}>
        <Input.TextArea rows={3} maxLength={10000} data-testid="opp-followup-content" />
      </Form.Item>
      <Space wrap>
        <Form.Item name="happened_at" label={t("opportunityDetail.activity.happenedAt")} extra={t("opportunityDetail.activity.happenedAtHint")}>
          <DatePicker showTime disabledDate={(d) => d.isAfter(dayjs().endOf("day"))} />
        </Form.Item>
        <Form.Item name="contact_id" label={t("opportunityDetail.activity.contact")}>
          <Select
            allowClear
            showSearch
            optionFilterProp="label"
            style={{ minWidth: 180 }}
            loading={chain.isLoading}
            options={(chain.data?.items ?? []).map((e) => ({ value: e.contact_id, label: e.title ? `${e.name} · ${e.title}` : e.name }))}
            data-testid="opp-followup-contact"
          />
        </Form.Item>
      </Space>
      <Form.Item name="next_step" label={t("opportunityDetail.activity.nextStep")}>
        <Input maxLength={500} />
      </Form.Item>
      <Form.Item name="next_follow_up_on" label={t("opportunityDetail.activity.nextOn")}>
        <DatePicker disabledDate={(d) => d.isBefore(dayjs().startOf("day"))} />
      </Form.Item>
      {kind === "visit" && (
        <Form.Item name="invite_user_ids" label={t("opportunityDetail.activity.invite")} extra={t("opportunityDetail.activity.inviteHint")}>
          <UsersSelect />
        </Form.Item>
      )}
      <Button type="primary" htmlType="submit" loading={create.isPending} data-testid="opp-followup-submit">
        {t("opportunityDetail.activity.log")}
      </Button>
    </Form>
  );
}

function FollowUpList({ opportunityId }: { opportunityId: string }) {
  const t = useT();
  const list = useInfiniteQuery({
    queryKey: detailKeys.followUps(opportunityId),
    initialPageParam: null as string | null,
    queryFn: ({ pageParam }) =>
      unwrap(
        api.GET("/api/v1/opportunities/{opportunity_id}/follow-ups", {
          params: { path: { opportunity_id: opportunityId }, query: { limit: 20, ...(pageParam ? { cursor: pageParam } : {}) } },
        }),
      ),
    getNextPageParam: (last) => last.next_cursor ?? null,
  });
  const items: OppFollowUp[] = list.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <Card size="small" title={t("opportunityDetail.activity.followUps")} loading={list.isLoading} data-testid="opp-followup-timeline">
      {items.length === 0 ? (
        <Empty description={t("opportunityDetail.activity.empty")} />
      ) : (
        <Timeline
          items={items.map((f) => ({
            key: f.id,
            color: KIND_COLOR[f.kind] ?? "gray",
            children: (
              <div data-testid="opp-followup-item" data-kind={f.kind}>
                <Space wrap size={4}>
                  <Tag color={KIND_COLOR[f.kind]}>{translateDynamic(t, "opportunityDetail.followUpKind", f.kind)}</Tag>
                  <Typography.Text type="secondary">
                    {fmtDateTime(f.happened_at)} · {f.author?.display_name ?? ""}
                    {f.contact ? ` · ${t("opportunityDetail.activity.with", { name: f.contact.name })}` : ""}
                  </Typography.Text>
                </Space>
                <Typography.Paragraph style={{ whiteSpace: "pre-wrap", margin: "4px 0" }}>{f.content}</Typography.Paragraph>
                {(f.next_step || f.next_follow_up_on) && (
                  <Typography.Text type="secondary">
                    {f.next_step ? `${t("opportunityDetail.activity.nextStep")}: ${f.next_step}` : ""}
                    {f.next_follow_up_on ? `  ${t("opportunityDetail.activity.nextOn")}: ${fmtDate(f.next_follow_up_on)}` : ""}
                  </Typography.Text>
                )}
                {f.invitations.length > 0 && (
                  <div style={{ marginTop: 4 }}>
                    <Typography.Text type="secondary">{t("opportunityDetail.activity.invited")}: </Typography.Text>
                    {f.invitations.map((i) => (
                      <Tag key={i.task_id} color={INVITE_COLOR[i.status]} data-testid="opp-followup-invitee" data-status={i.status}>
                        {i.user.display_name} · {translateDynamic(t, "opportunityDetail.inviteStatus", i.status)}
                      </Tag>
                    ))}
                  </div>
                )}
              </div>
            ),
          }))}
        />
      )}
      {list.hasNextPage && (
        <div style={{ textAlign: "center" }}>
          <Button onClick={() => void list.fetchNextPage()} loading={list.isFetchingNextPage}>
            {t("common.loadMore")}
          </Button>
        </div>
      )}
    </Card>
  );
}

type HistoryEvent =
  | { kind: "stage"; at: string; item: History["stages"][number] }
  | { kind: "owner"; at: string; item: History["assignments"][number] };

/** Stage changes and reassignments, newest first, with how long the opportunity sat in each stage. */
function HistoryCard({ opportunityId }: { opportunityId: string }) {
  const t = useT();
  const { lang } = useLang();
  const history = useHistory(opportunityId);
  const units = { d: t("opportunityDetail.unit.d"), h: t("opportunityDetail.unit.h"), m: t("opportunityDetail.unit.m") };
  const events: HistoryEvent[] = [
    ...(history.data?.stages ?? []).map((s) => ({ kind: "stage" as const, at: s.moved_at, item: s })),
    ...(history.data?.assignments ?? []).map((a) => ({ kind: "owner" as const, at: a.at, item: a })),
  ].sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0));
  const spent = history.data?.time_in_stage ?? [];
  const max = Math.max(1, ...spent.map((s) => Number(s.seconds) || 0));
  return (
    <Card size="small" title={t("opportunityDetail.activity.history")} loading={history.isLoading} data-testid="opp-history">
      {spent.length > 0 && (
        <div style={{ marginBottom: 16 }} data-testid="time-in-stage">
          <Typography.Text strong>{t("opportunityDetail.activity.timeInStage")}</Typography.Text>
          {spent.map((s) => (
            <div key={String(s.stage_id)} style={{ display: "flex", alignItems: "center", gap: 8 }} data-testid="time-in-stage-row">
              <span style={{ width: 140, flexShrink: 0 }}>{localLabel(String(s.name ?? ""), lang)}</span>
              <Progress percent={Math.round(((Number(s.seconds) || 0) / max) * 100)} showInfo={false} size="small" style={{ flex: 1, margin: 0 }} />
              <span style={{ width: 110, textAlign: "right" }}>{fmtDuration(Number(s.seconds) || 0, units)}</span>
            </div>
          ))}
        </div>
      )}
      {events.length === 0 ? (
        <Empty description={t("opportunityDetail.activity.noHistory")} />
      ) : (
        <Timeline
          items={events.map((e) =>
            e.kind === "stage"
              ? {
                  key: `s${e.item.id}`,
                  color: "blue",
                  children: (
                    <div data-testid="history-stage">
                      <Typography.Text strong>
                        {e.item.from_stage ? `${localLabel(e.item.from_stage.name, lang)} → ` : ""}
                        {localLabel(e.item.to_stage.name, lang)}
                      </Typography.Text>
                      <div>
                        <Typography.Text type="secondary">
                          {fmtDateTime(e.item.moved_at)} · {e.item.moved_by?.display_name ?? t("opportunityDetail.activity.system")}
                          {e.item.from_stage && e.item.seconds_in_from !== null
                            ? ` · ${t("opportunityDetail.activity.stayed", { stage: localLabel(e.item.from_stage.name, lang), time: fmtDuration(e.item.seconds_in_from, units) })}`
                            : ""}
                        </Typography.Text>
                      </div>
                      {e.item.note && <Typography.Text>{e.item.note}</Typography.Text>}
                    </div>
                  ),
                }
              : {
                  key: `a${e.item.id}`,
                  color: "purple",
                  children: (
                    <div data-testid="history-reassign">
                      <Typography.Text strong>
                        {t("opportunityDetail.activity.reassigned", { from: e.item.from_owner?.display_name ?? "—", to: e.item.to_owner?.display_name ?? "—" })}
                      </Typography.Text>
                      <div>
                        <Typography.Text type="secondary">
                          {fmtDateTime(e.item.at)} · {e.item.by?.display_name ?? ""}
                        </Typography.Text>
                      </div>
                      <Typography.Text>{t("opportunityDetail.activity.reason", { reason: e.item.reason })}</Typography.Text>
                    </div>
                  ),
                },
          )}
        />
      )}
    </Card>
  );
}

function TasksCard({ opportunityId }: { opportunityId: string }) {
  const t = useT();
  const tasks = useQuery({
    queryKey: detailKeys.tasks(opportunityId),
    queryFn: async () => (await unwrap(api.GET("/api/v1/opportunities/{opportunity_id}/tasks", { params: { path: { opportunity_id: opportunityId } } }))).items,
  });
  const items = tasks.data ?? [];
  return (
    <Card size="small" title={t("opportunityDetail.activity.tasks", { n: items.filter((x) => x.status === "open").length })} loading={tasks.isLoading} data-testid="opp-tasks">
      {items.length === 0 ? (
        <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t("opportunityDetail.activity.noTasks")} />
      ) : (
        <Space direction="vertical" style={{ width: "100%" }}>
          {items.map((task) => (
            <div key={task.id} data-testid="opp-task" data-status={task.status} style={{ display: "flex", justifyContent: "space-between", gap: 8 }}>
              <span>
                <Tag color={TASK_COLOR[task.status]}>{translateDynamic(t, "opportunityDetail.taskStatus", task.status)}</Tag>
                {task.title}
              </span>
              <Typography.Text type="secondary">
                {task.assignee.display_name}
                {task.due_at ? ` · ${t("opportunityDetail.activity.due", { at: fmtDateTime(task.due_at) })}` : ""}
              </Typography.Text>
            </div>
          ))}
        </Space>
      )}
    </Card>
  );
}

/** Follow-ups and visits of the opportunity (with invitations), its stage history and its tasks. */
export function ActivityTab({ opportunityId, canEdit }: { opportunityId: string; canEdit: boolean }) {
  const t = useT();
  return (
    <Row gutter={[16, 16]}>
      {canEdit ? (
        <Col xs={24} xl={9}>
          <Card size="small" title={t("opportunityDetail.activity.new")}>
            <FollowUpForm opportunityId={opportunityId} />
          </Card>
        </Col>
      ) : (
        <Col span={24}>
          <Alert type="info" showIcon message={t("opportunityDetail.activity.readOnly")} />
        </Col>
      )}
      <Col xs={24} xl={canEdit ? 15 : 24}>
        <FollowUpList opportunityId={opportunityId} />
      </Col>
      <Col xs={24} xl={14}>
        <HistoryCard opportunityId={opportunityId} />
      </Col>
      <Col xs={24} xl={10}>
        <TasksCard opportunityId={opportunityId} />
      </Col>
    </Row>
  );
}

import { PlusOutlined } from "@ant-design/icons";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Alert, App, Button, Card, DatePicker, Form, Input, Modal, Popconfirm, Radio, Rate, Select, Space, Spin, Table, Tag, Typography } from "antd";
import dayjs from "dayjs";
import { lazy, Suspense, useMemo, useState, type HTMLAttributes } from "react";
import { api, unwrap } from "../../api/client";
import { useAuth } from "../../auth/context";
import { useApiError } from "../../components/useApiError";
import { useT } from "../../i18n/context";
import { contactsKey } from "../customers/constants";
import {
  ATTITUDE_COLORS,
  ATTITUDES,
  DECISION_ROLES,
  INFLUENCES,
  detailKeys,
  type ChainEntry,
  type ChainEntryIn,
  type ChainEntryPatch,
} from "./detailHelpers";
import { refreshOpportunity, useDecisionChain, useMembers } from "./detailQueries";

// the chart carries ECharts: loaded when the tab is first shown, in a chunk of its own
const DecisionChainChart = lazy(() => import("./detailChainChart"));

type Role = (typeof DECISION_ROLES)[number];
type Attitude = (typeof ATTITUDES)[number];
type Influence = (typeof INFLUENCES)[number];

interface AddValues {
  source: "existing" | "new";
  contact_id?: string;
  name?: string;
  title?: string;
  department?: string;
  mobile?: string;
  email?: string;
  reports_to_id?: string;
  role?: Role;
  attitude?: Attitude;
  influence?: Influence;
  covered_by_id?: string;
}

/** The customer's contacts that are not in the chain yet (needs the customer to be visible). */
function useCustomerContacts(customerId: string, enabled: boolean) {
  const { can } = useAuth();
  return useQuery({
    queryKey: contactsKey(customerId),
    queryFn: () => unwrap(api.GET("/api/v1/customers/{customer_id}/contacts", { params: { path: { customer_id: customerId } } })),
    enabled: enabled && can("contact", "read"),
    retry: false,
  });
}

function AddDialog({
  opportunityId,
  customerId,
  open,
  onClose,
  entries,
  coverOptions,
}: {
  opportunityId: string;
  customerId: string;
  open: boolean;
  onClose: () => void;
  entries: ChainEntry[];
  coverOptions: { value: string; label: string }[];
}) {
  const t = useT();
  const { message } = App.useApp();
  const report = useApiError();
  const qc = useQueryClient();
  const [form] = Form.useForm<AddValues>();
  const source = Form.useWatch("source", form) ?? "existing";
  const contacts = useCustomerContacts(customerId, open);
  const inChain = new Set(entries.map((e) => e.contact_id));
  const candidates = (contacts.data?.items ?? []).filter((c) => !inChain.has(c.id));
  const add = useMutation({
    mutationFn: (v: AddValues) => {
      const text = (s?: string) => (s && s.trim() ? s.trim() : null);
      const body: ChainEntryIn = {
        role: v.role ?? null,
        attitude: v.attitude ?? null,
        influence: v.influence ?? null,
        covered_by_id: v.covered_by_id ?? null,
      };
      if (v.source === "existing") body.contact_id = v.contact_id;
      else
        body.new_contact = {
          name: v.name!.trim(),
          title: text(v.title),
          department: text(v.department),
          mobile: text(v.mobile),
          email: text(v.email),
          reports_to_id: v.reports_to_id ?? null,
          decision_role: v.role ?? null,
          attitude: v.attitude ?? null,
        };
      return unwrap(api.POST("/api/v1/opportunities/{opportunity_id}/decision-chain", { params: { path: { opportunity_id: opportunityId } }, body }));
    },
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: detailKeys.chain(opportunityId) });
      void qc.invalidateQueries({ queryKey: contactsKey(customerId) });
      refreshOpportunity(qc, opportunityId);
    },
  });
  return (
    <Modal
      open={open}
      title={t("opportunityDetail.chain.add")}
      onCancel={onClose}
      onOk={() => form.submit()}
      okText={t("common.ok")}
      cancelText={t("common.cancel")}
      confirmLoading={add.isPending}
      okButtonProps={{ "data-testid": "chain-add-ok" } as Record<string, string>}
      destroyOnHidden
    >
      <Form
        form={form}
        layout="vertical"
        preserve={false}
        initialValues={{ source: "existing" }}
        onFinish={(v) =>
          add.mutate(v, {
            onSuccess: () => {
              message.success(t("common.created"));
              onClose();
            },
            onError: (e) => report(e, { form, aliases: { "new_contact.name": ["name"], "new_contact.mobile": ["mobile"], "new_contact.email": ["email"] } }),
          })
        }
      >
        <Form.Item name="source">
          <Radio.Group
            optionType="button"
            options={[
              { value: "existing", label: t("opportunityDetail.chain.fromContacts") },
              { value: "new", label: t("opportunityDetail.chain.newContact") },
            ]}
            data-testid="chain-add-source"
          />
        </Form.Item>
        {source === "existing" ? (
          <>
            {contacts.isError && <Alert type="info" showIcon style={{ marginBottom: 12 }} message={t("opportunityDetail.chain.contactsUnavailable")} />}
            <Form.Item name="contact_id" label={t("opportunityDetail.chain.contact")} rules={[{ required: true }]}>
              <Select
                showSearch
                optionFilterProp="label"
                loading={contacts.isLoading}
                notFoundContent={t("opportunityDetail.chain.noCandidates")}
                options={candidates.map((c) => ({ value: c.id, label: [c.name, c.title, c.department].filter(Boolean).join(" · ") }))}
                data-testid="chain-add-contact"
              />
            </Form.Item>
          </>
        ) : (
          <>
            <Form.Item name="name" label={t("opportunityDetail.chain.name")} rules={[{ required: true, whitespace: true }]}>
              <Input maxLength={100} data-testid="chain-add-name" />
            </Form.Item>
            <Space.Compact block>
              <Form.Item name="title" label={t("opportunityDetail.chain.jobTitle")} style={{ flex: 1 }}>
                <Input maxLength={100} />
              </Form.Item>
              <Form.Item name="department" label={t("opportunityDetail.chain.department")} style={{ flex: 1 }}>
                <Input maxLength={100} />
              </Form.Item>
            </Space.Compact>
            <Space.Compact block>
              <Form.Item name="mobile" label={t("opportunityDetail.chain.mobile")} style={{ flex: 1 }}>
                <Input maxLength={20} />
              </Form.Item>
              <Form.Item name="email" label={t("opportunityDetail.chain.email")} style={{ flex: 1 }}>
                <Input maxLength={200} />
              </Form.Item>
            </Space.Compact>
            <Form.Item name="reports_to_id" label={t("opportunityDetail.chain.reportsTo")}>
              <Select allowClear options={entries.map((e) => ({ value: e.contact_id, label: e.name }))} />
            </Form.Item>
          </>
        )}
        <Space wrap>
          <Form.Item name="role" label={t("opportunityDetail.chain.role")}>
            <Select allowClear style={{ width: 140 }} options={DECISION_ROLES.map((r) => ({ value: r, label: t(`opportunityDetail.role.${r}`) }))} data-testid="chain-add-role" />
          </Form.Item>
          <Form.Item name="attitude" label={t("opportunityDetail.chain.attitude")}>
            <Select allowClear style={{ width: 110 }} options={ATTITUDES.map((a) => ({ value: a, label: t(`opportunityDetail.attitude.${a}`) }))} />
          </Form.Item>
          <Form.Item name="influence" label={t("opportunityDetail.chain.influence")}>
            <Select allowClear style={{ width: 100 }} options={INFLUENCES.map((i) => ({ value: i, label: t(`opportunityDetail.influence.${i}`) }))} />
          </Form.Item>
          <Form.Item name="covered_by_id" label={t("opportunityDetail.chain.coveredBy")}>
            <Select allowClear style={{ width: 140 }} options={coverOptions} />
          </Form.Item>
        </Space>
      </Form>
    </Modal>
  );
}

/**
 * The decision chain (决策链): who decides, who champions us, who opposes; each contact's role,
 * attitude, satisfaction, influence, who on our side covers them and when we last touched them,
 * all editable in place; and the chain as an org chart coloured by attitude.
 */
export function DecisionChainTab({ opportunityId, customerId, customerName, canEdit }: { opportunityId: string; customerId: string; customerName: string; canEdit: boolean }) {
  const t = useT();
  const report = useApiError();
  const qc = useQueryClient();
  const [adding, setAdding] = useState(false);
  const chain = useDecisionChain(opportunityId);
  const team = useMembers(opportunityId);
  const entries = useMemo(() => chain.data?.items ?? [], [chain.data]);
  const coverOptions = useMemo(() => {
    const people = [...(team.data?.owner ? [team.data.owner] : []), ...(team.data?.items ?? [])];
    return people.map((p) => ({ value: p.user_id, label: p.display_name }));
  }, [team.data]);
  const refresh = () => {
    void qc.invalidateQueries({ queryKey: detailKeys.chain(opportunityId) });
    refreshOpportunity(qc, opportunityId);
  };
  const patch = useMutation({
    mutationFn: ({ id, body }: { id: string; body: ChainEntryPatch }) =>
      unwrap(
        api.PATCH("/api/v1/opportunities/{opportunity_id}/decision-chain/{entry_id}", {
          params: { path: { opportunity_id: opportunityId, entry_id: id } },
          body,
        }),
      ),
    onSuccess: refresh,
    onError: (e) => report(e),
  });
  const remove = useMutation({
    mutationFn: (id: string) =>
      unwrap(api.DELETE("/api/v1/opportunities/{opportunity_id}/decision-chain/{entry_id}", { params: { path: { opportunity_id: opportunityId, entry_id: id } } })),
    onSuccess: refresh,
    onError: (e) => report(e),
  });
  const set = (e: ChainEntry, body: ChainEntryPatch) => patch.mutate({ id: e.id, body });
  const roles = new Set(entries.map((e) => e.role).filter(Boolean));

  return (
    <Space direction="vertical" size="middle" style={{ width: "100%" }}>
      <Card
        size="small"
        title={t("opportunityDetail.chain.title", { n: entries.length })}
        extra={
          canEdit && (
            <Button icon={<PlusOutlined />} onClick={() => setAdding(true)} data-testid="chain-add">
              {t("opportunityDetail.chain.add")}
            </Button>
          )
        }
      >
        <Space wrap style={{ marginBottom: 8 }}>
          {(["decision_maker", "champion", "influencer"] as const).map((r) => (
            <Tag key={r} color={roles.has(r) ? "green" : "default"} data-testid={`chain-has-${r}`} data-has={roles.has(r) ? "true" : "false"}>
              {roles.has(r) ? "✓" : "✗"} {t(`opportunityDetail.role.${r}`)}
            </Tag>
          ))}
        </Space>
        <Table<ChainEntry>
          size="small"
          rowKey="id"
          loading={chain.isLoading}
          dataSource={entries}
          pagination={false}
          scroll={{ x: 1100 }}
          data-testid="chain-table"
          onRow={(e) => ({ "data-testid": "chain-row", "data-contact": e.contact_id }) as HTMLAttributes<HTMLElement>}
          columns={[
            {
              title: t("opportunityDetail.chain.name"),
              key: "name",
              fixed: "left",
              width: 180,
              render: (_, e) => (
                <Space direction="vertical" size={0}>
                  <Typography.Text strong>{e.name}</Typography.Text>
                  <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                    {[e.title, e.department].filter(Boolean).join(" · ")}
                  </Typography.Text>
                  {e.mobile && (
                    <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                      {e.mobile}
                    </Typography.Text>
                  )}
                </Space>
              ),
            },
            {
              title: t("opportunityDetail.chain.role"),
              key: "role",
              width: 130,
              render: (_, e) => (
                <Select<Role | null>
                  size="small"
                  allowClear
                  disabled={!canEdit}
                  value={(e.role as Role | null) ?? undefined}
                  style={{ width: 120 }}
                  placeholder={t("opportunityDetail.chain.noRole")}
                  options={DECISION_ROLES.map((r) => ({ value: r, label: t(`opportunityDetail.role.${r}`) }))}
                  onChange={(v) => set(e, { role: v ?? null })}
                  data-testid="chain-role"
                />
              ),
            },
            {
              title: t("opportunityDetail.chain.attitude"),
              key: "attitude",
              width: 110,
              render: (_, e) => (
                <Select<Attitude | null>
                  size="small"
                  allowClear
                  disabled={!canEdit}
                  value={(e.attitude as Attitude | null) ?? undefined}
                  style={{ width: 100 }}
                  options={ATTITUDES.map((a) => ({
                    value: a,
                    label: (
                      <span>
                        <span style={{ display: "inline-block", width: 8, height: 8, borderRadius: 4, marginRight: 4, background: ATTITUDE_COLORS[a] }} />
                        {t(`opportunityDetail.attitude.${a}`)}
                      </span>
                    ),
                  }))}
                  onChange={(v) => set(e, { attitude: v ?? null })}
                  data-testid="chain-attitude"
                />
              ),
            },
            {
              title: t("opportunityDetail.chain.satisfaction"),
              key: "satisfaction",
              width: 140,
              render: (_, e) => <Rate count={5} disabled={!canEdit} value={e.satisfaction ?? 0} onChange={(v) => set(e, { satisfaction: v || null })} style={{ fontSize: 14 }} />,
            },
            {
              title: t("opportunityDetail.chain.influence"),
              key: "influence",
              width: 100,
              render: (_, e) => (
                <Select<Influence | null>
                  size="small"
                  allowClear
                  disabled={!canEdit}
                  value={(e.influence as Influence | null) ?? undefined}
                  style={{ width: 90 }}
                  options={INFLUENCES.map((i) => ({ value: i, label: t(`opportunityDetail.influence.${i}`) }))}
                  onChange={(v) => set(e, { influence: v ?? null })}
                />
              ),
            },
            {
              title: t("opportunityDetail.chain.coveredBy"),
              key: "covered_by",
              width: 140,
              render: (_, e) => (
                <Select<string | null>
                  size="small"
                  allowClear
                  disabled={!canEdit}
                  value={e.covered_by_id ?? undefined}
                  style={{ width: 130 }}
                  options={
                    e.covered_by_id && !coverOptions.some((o) => o.value === e.covered_by_id)
                      ? [...coverOptions, { value: e.covered_by_id, label: e.covered_by_name ?? "" }]
                      : coverOptions
                  }
                  onChange={(v) => set(e, { covered_by_id: v ?? null })}
                />
              ),
            },
            {
              title: t("opportunityDetail.chain.lastTouch"),
              key: "last_touch",
              width: 140,
              render: (_, e) => (
                <DatePicker
                  size="small"
                  disabled={!canEdit}
                  value={e.last_touch_at ? dayjs(e.last_touch_at) : null}
                  disabledDate={(d) => d.isAfter(dayjs().endOf("day"))}
                  onChange={(d) => set(e, { last_touch_at: d ? d.startOf("day").add(12, "hour").toISOString() : null })}
                  style={{ width: 125 }}
                />
              ),
            },
            {
              title: t("opportunityDetail.chain.notes"),
              key: "notes",
              render: (_, e) => (
                <Typography.Paragraph
                  style={{ margin: 0 }}
                  editable={canEdit ? { onChange: (v) => v !== (e.notes ?? "") && set(e, { notes: v.trim() || null }), maxLength: 1000 } : false}
                >
                  {e.notes ?? ""}
                </Typography.Paragraph>
              ),
            },
            ...(canEdit
              ? [
                  {
                    title: "",
                    key: "actions",
                    width: 70,
                    render: (_: unknown, e: ChainEntry) => (
                      <Popconfirm title={t("opportunityDetail.chain.removeConfirm", { name: e.name })} onConfirm={() => remove.mutate(e.id)}>
                        <Button type="link" size="small" danger data-testid="chain-remove">
                          {t("opportunityDetail.chain.remove")}
                        </Button>
                      </Popconfirm>
                    ),
                  },
                ]
              : []),
          ]}
        />
      </Card>
      <Card size="small" title={t("opportunityDetail.chain.chart")}>
        {chain.data ? (
          <Suspense fallback={<Spin />}>
            <DecisionChainChart chart={chain.data.chart} customerName={customerName} />
          </Suspense>
        ) : (
          <Spin />
        )}
      </Card>
      <AddDialog
        opportunityId={opportunityId}
        customerId={customerId}
        open={adding}
        onClose={() => setAdding(false)}
        entries={entries}
        coverOptions={coverOptions}
      />
    </Space>
  );
}

import { PlusOutlined } from "@ant-design/icons";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { App, AutoComplete, Button, Card, Form, Input, Modal, Popconfirm, Select, Space, Table, Tag, Typography } from "antd";
import { useEffect, useState, type HTMLAttributes } from "react";
import { api, unwrap } from "../../api/client";
import { useApiError } from "../../components/useApiError";
import { translateDynamic, useT } from "../../i18n/context";
import { AMOUNT_PATTERN, BID_STATUSES, CURRENCIES, RELATIONSHIPS, detailKeys, fmtMoney, type Bid, type BidIn, type BidPatch } from "./detailHelpers";
import { useBids } from "./detailQueries";
import { opportunityKeys, searchCompetitors } from "./opportunityQueries";

type Relationship = (typeof RELATIONSHIPS)[number];
type BidStatus = (typeof BID_STATUSES)[number];

const STATUS_COLOR: Record<string, string> = { active: "processing", eliminated: "default", won: "error", lost: "success" };

interface Values {
  name?: string;
  product?: string;
  strengths?: string;
  weaknesses?: string;
  relationship?: Relationship | null;
  quote_amount?: string;
  quote_currency: string;
  status: BidStatus;
}

function useDebounced(value: string, ms = 300) {
  const [v, setV] = useState(value);
  useEffect(() => {
    const h = setTimeout(() => setV(value), ms);
    return () => clearTimeout(h);
  }, [value, ms]);
  return v;
}

/** The name field: known competitors by name (GET /competitors?q=), or a new name. */
function CompetitorName({ value, onChange }: { value?: string; onChange?: (v: string) => void }) {
  const q = useDebounced(value ?? "");
  const found = useQuery({ queryKey: opportunityKeys.competitors(q.trim()), queryFn: () => searchCompetitors(q.trim()), staleTime: 60_000 });
  return (
    <AutoComplete
      value={value}
      onChange={onChange}
      options={(found.data ?? []).map((c) => ({ value: c.name, label: c.name }))}
      data-testid="bid-name"
    />
  );
}

function BidDialog({ opportunityId, editing, open, onClose }: { opportunityId: string; editing: Bid | null; open: boolean; onClose: () => void }) {
  const t = useT();
  const { message } = App.useApp();
  const report = useApiError();
  const qc = useQueryClient();
  const [form] = Form.useForm<Values>();
  const save = useMutation({
    mutationFn: async (v: Values) => {
      const text = (s?: string) => (s && s.trim() ? s.trim() : null);
      const fields: BidPatch = {
        product: text(v.product),
        strengths: text(v.strengths),
        weaknesses: text(v.weaknesses),
        relationship: v.relationship ?? null,
        quote_amount: text(v.quote_amount),
        quote_currency: v.quote_currency,
        status: v.status,
      };
      if (editing) {
        return unwrap(
          api.PATCH("/api/v1/opportunities/{opportunity_id}/competitors/{entry_id}", {
            params: { path: { opportunity_id: opportunityId, entry_id: editing.id } },
            body: fields,
          }),
        );
      }
      const name = v.name!.trim();
      const known = qc
        .getQueriesData<{ id: string; name: string }[]>({ queryKey: ["competitors", "search"] })
        .flatMap(([, d]) => d ?? [])
        .find((c) => c.name === name);
      const body: BidIn = { ...fields, ...(known ? { competitor_id: known.id } : { competitor_name: name }) };
      return unwrap(api.POST("/api/v1/opportunities/{opportunity_id}/competitors", { params: { path: { opportunity_id: opportunityId } }, body }));
    },
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: detailKeys.competitors(opportunityId) });
      void qc.invalidateQueries({ queryKey: ["competitors"] });
    },
  });
  return (
    <Modal
      open={open}
      title={editing ? t("opportunityDetail.bids.edit", { name: editing.name }) : t("opportunityDetail.bids.add")}
      onCancel={onClose}
      onOk={() => form.submit()}
      okText={t("common.save")}
      cancelText={t("common.cancel")}
      confirmLoading={save.isPending}
      okButtonProps={{ "data-testid": "bid-ok" } as Record<string, string>}
      width={640}
      destroyOnHidden
    >
      <Form
        form={form}
        layout="vertical"
        preserve={false}
        initialValues={
          editing
            ? {
                product: editing.product ?? "",
                strengths: editing.strengths ?? "",
                weaknesses: editing.weaknesses ?? "",
                relationship: editing.relationship,
                quote_amount: editing.quote_amount ?? "",
                quote_currency: editing.quote_currency,
                status: editing.status,
              }
            : { quote_currency: "CNY", status: "active" }
        }
        onFinish={(v) =>
          save.mutate(v, {
            onSuccess: () => {
              message.success(t("common.saved"));
              onClose();
            },
            onError: (e) => report(e, { form, aliases: { competitor_name: ["name"], competitor_id: ["name"] } }),
          })
        }
      >
        {!editing && (
          <Form.Item name="name" label={t("opportunityDetail.bids.name")} rules={[{ required: true, whitespace: true }]} extra={t("opportunityDetail.bids.nameHint")}>
            <CompetitorName />
          </Form.Item>
        )}
        <Form.Item name="product" label={t("opportunityDetail.bids.product")}>
          <Input maxLength={200} data-testid="bid-product" />
        </Form.Item>
        <Space.Compact block>
          <Form.Item name="strengths" label={t("opportunityDetail.bids.strengths")} style={{ flex: 1 }}>
            <Input.TextArea rows={2} maxLength={1000} />
          </Form.Item>
          <Form.Item name="weaknesses" label={t("opportunityDetail.bids.weaknesses")} style={{ flex: 1 }}>
            <Input.TextArea rows={2} maxLength={1000} />
          </Form.Item>
        </Space.Compact>
        <Space wrap>
          <Form.Item name="relationship" label={t("opportunityDetail.bids.relationship")}>
            <Select allowClear style={{ width: 140 }} options={RELATIONSHIPS.map((r) => ({ value: r, label: t(`opportunityDetail.relationship.${r}`) }))} />
          </Form.Item>
          <Form.Item name="quote_amount" label={t("opportunityDetail.bids.quote")} rules={[{ pattern: AMOUNT_PATTERN, message: t("opportunityDetail.amountInvalid") }]}>
            <Input inputMode="decimal" style={{ width: 160 }} data-testid="bid-quote" />
          </Form.Item>
          <Form.Item name="quote_currency" label={t("opportunityDetail.field.currency")}>
            <Select style={{ width: 90 }} options={CURRENCIES.map((c) => ({ value: c, label: c }))} />
          </Form.Item>
          <Form.Item name="status" label={t("common.status")}>
            <Select style={{ width: 120 }} options={BID_STATUSES.map((s) => ({ value: s, label: t(`opportunityDetail.bidStatus.${s}`) }))} />
          </Form.Item>
        </Space>
      </Form>
    </Modal>
  );
}

/** Who else bids (竞争对手分析): their product, strengths, weaknesses, closeness to the customer, quote and status. */
export function CompetitorsTab({ opportunityId, canEdit }: { opportunityId: string; canEdit: boolean }) {
  const t = useT();
  const report = useApiError();
  const qc = useQueryClient();
  const bids = useBids(opportunityId);
  const [dialog, setDialog] = useState<{ editing: Bid | null } | null>(null);
  const remove = useMutation({
    mutationFn: (id: string) =>
      unwrap(api.DELETE("/api/v1/opportunities/{opportunity_id}/competitors/{entry_id}", { params: { path: { opportunity_id: opportunityId, entry_id: id } } })),
    onSuccess: () => void qc.invalidateQueries({ queryKey: detailKeys.competitors(opportunityId) }),
    onError: (e) => report(e),
  });
  return (
    <Card
      size="small"
      title={t("opportunityDetail.bids.title", { n: bids.data?.length ?? 0 })}
      extra={
        canEdit && (
          <Button icon={<PlusOutlined />} onClick={() => setDialog({ editing: null })} data-testid="bid-add">
            {t("opportunityDetail.bids.add")}
          </Button>
        )
      }
    >
      <Table<Bid>
        size="small"
        rowKey="id"
        loading={bids.isLoading}
        dataSource={bids.data ?? []}
        pagination={false}
        scroll={{ x: 900 }}
        data-testid="bid-table"
        onRow={(b) => ({ "data-testid": "bid-row", "data-name": b.name }) as HTMLAttributes<HTMLElement>}
        columns={[
          { title: t("opportunityDetail.bids.name"), dataIndex: "name", key: "name", render: (v: string) => <Typography.Text strong>{v}</Typography.Text> },
          { title: t("opportunityDetail.bids.product"), dataIndex: "product", key: "product", render: (v: string | null) => v || "—" },
          { title: t("opportunityDetail.bids.strengths"), dataIndex: "strengths", key: "strengths", render: (v: string | null) => v || "—" },
          { title: t("opportunityDetail.bids.weaknesses"), dataIndex: "weaknesses", key: "weaknesses", render: (v: string | null) => v || "—" },
          {
            title: t("opportunityDetail.bids.relationship"),
            dataIndex: "relationship",
            key: "relationship",
            render: (v: string | null) => (v ? translateDynamic(t, "opportunityDetail.relationship", v) : "—"),
          },
          {
            title: t("opportunityDetail.bids.quote"),
            key: "quote",
            align: "right",
            render: (_, b) => <span data-testid="bid-quote-value">{b.quote_amount ? fmtMoney(b.quote_amount, b.quote_currency) : "—"}</span>,
          },
          {
            title: t("common.status"),
            dataIndex: "status",
            key: "status",
            render: (v: string) => <Tag color={STATUS_COLOR[v]}>{translateDynamic(t, "opportunityDetail.bidStatus", v)}</Tag>,
          },
          ...(canEdit
            ? [
                {
                  title: t("common.actions"),
                  key: "actions",
                  render: (_: unknown, b: Bid) => (
                    <Space size={0}>
                      <Button type="link" size="small" onClick={() => setDialog({ editing: b })} data-testid="bid-edit">
                        {t("common.edit")}
                      </Button>
                      <Popconfirm title={t("common.confirmDelete")} onConfirm={() => remove.mutate(b.id)}>
                        <Button type="link" size="small" danger data-testid="bid-remove">
                          {t("common.delete")}
                        </Button>
                      </Popconfirm>
                    </Space>
                  ),
                },
              ]
            : []),
        ]}
      />
      <BidDialog opportunityId={opportunityId} editing={dialog?.editing ?? null} open={Boolean(dialog)} onClose={() => setDialog(null)} />
    </Card>
  );
}

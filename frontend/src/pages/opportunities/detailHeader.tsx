import { EditOutlined, FlagOutlined, MinusCircleOutlined, PlusOutlined, SwapOutlined } from "@ant-design/icons";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { Alert, App, Button, Card, DatePicker, Descriptions, Drawer, Form, Input, InputNumber, Modal, Select, Space, Tag, Typography } from "antd";
import dayjs, { type Dayjs } from "dayjs";
import { useState, type ReactNode } from "react";
import { Link, useNavigate } from "react-router";
import { api, ifMatch } from "../../api/client";
import { ApiError } from "../../api/problem";
import { fmtDate, fmtDateTime } from "../../components/format";
import { UserSelect } from "../../components/selects";
import { useApiError } from "../../components/useApiError";
import { localLabel, translateDynamic, useLang, useT } from "../../i18n/context";
import {
  AMOUNT_PATTERN,
  CURRENCIES,
  SPECIAL_KINDS,
  fmtMoney,
  fmtRate,
  type ConflictResolution,
  type Opportunity,
  type OpportunityUpdate,
  type SpecialKind,
} from "./detailHelpers";
import { opportunityPath, storeOpportunity } from "./detailQueries";
import { useLostReasons } from "./opportunityQueries";

const STATUS_COLOR: Record<string, string> = { open: "processing", won: "success", lost: "error" };
const GRADE_COLOR: Record<string, string> = { A: "red", B: "orange", C: "default" };

/** Writes answering the whole opportunity: stored in the cache as they come back. */
function useOpportunityWrite<V>(call: (v: V) => Promise<{ data?: Opportunity; error?: unknown; response: Response }>) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async (v: V) => {
      const { data, error, response } = await call(v);
      if (!response.ok || !data) throw ApiError.from(response, error);
      return data;
    },
    onSuccess: (o) => storeOpportunity(qc, o),
  });
}

// --- edit ---------------------------------------------------------------------------------------

interface EditValues {
  name: string;
  amount: string;
  currency: string;
  expected_close_date?: Dayjs | null;
  priority: "key" | "normal";
  product?: string;
  products?: { name: string; quantity?: number | null; notes?: string }[];
  next_step?: string;
  description?: string;
}

function editValues(o: Opportunity): EditValues {
  return {
    name: o.name,
    amount: o.amount,
    currency: o.currency,
    expected_close_date: o.expected_close_date ? dayjs(o.expected_close_date) : null,
    priority: o.priority === "key" ? "key" : "normal",
    product: o.product ?? "",
    products: (o.products ?? []).map((p) => ({
      name: String(p.name ?? ""),
      quantity: typeof p.quantity === "number" ? p.quantity : null,
      notes: typeof p.notes === "string" ? p.notes : "",
    })),
    next_step: o.next_step ?? "",
    description: o.description ?? "",
  };
}

function EditDrawer({ opp, open, onClose, onReload }: { opp: Opportunity; open: boolean; onClose: () => void; onReload: () => void }) {
  const t = useT();
  const { message } = App.useApp();
  const report = useApiError();
  const [form] = Form.useForm<EditValues>();
  const save = useOpportunityWrite((v: EditValues) => {
    const text = (s?: string) => (s && s.trim() ? s.trim() : null);
    const body: OpportunityUpdate = {
      name: v.name.trim(),
      amount: v.amount.trim(),
      currency: v.currency,
      expected_close_date: v.expected_close_date ? v.expected_close_date.format("YYYY-MM-DD") : null,
      priority: v.priority,
      product: text(v.product),
      products: (v.products ?? [])
        .filter((p) => p?.name?.trim())
        .map((p) => ({ name: p.name.trim(), quantity: p.quantity ?? null, notes: text(p.notes) })),
      next_step: text(v.next_step),
      description: text(v.description),
    };
    return api.PATCH("/api/v1/opportunities/{opportunity_id}", {
      ...opportunityPath(opp.id),
      body,
      headers: { "If-Match": ifMatch(opp) },
    });
  });
  return (
    <Drawer
      open={open}
      onClose={onClose}
      width={560}
      title={t("opportunityDetail.edit.title")}
      destroyOnHidden
      extra={
        <Space>
          <Button onClick={onClose}>{t("common.cancel")}</Button>
          <Button type="primary" loading={save.isPending} onClick={() => form.submit()} data-testid="opp-edit-save">
            {t("common.save")}
          </Button>
        </Space>
      }
    >
      <Form
        form={form}
        layout="vertical"
        preserve={false}
        initialValues={editValues(opp)}
        data-testid="opp-edit-form"
        onFinish={(v) =>
          save.mutate(v, {
            onSuccess: () => {
              message.success(t("common.saved"));
              onClose();
            },
            onError: (e) =>
              report(e, {
                form,
                onStale: () => {
                  onReload();
                  onClose();
                },
              }),
          })
        }
      >
        <Form.Item name="name" label={t("opportunityDetail.field.name")} rules={[{ required: true, whitespace: true }]}>
          <Input maxLength={200} data-testid="opp-edit-name" />
        </Form.Item>
        <Space.Compact style={{ width: "100%" }}>
          <Form.Item
            name="amount"
            label={t("opportunityDetail.field.amount")}
            style={{ flex: 1 }}
            rules={[{ required: true }, { pattern: AMOUNT_PATTERN, message: t("opportunityDetail.amountInvalid") }]}
          >
            <Input inputMode="decimal" data-testid="opp-edit-amount" />
          </Form.Item>
          <Form.Item name="currency" label={t("opportunityDetail.field.currency")} style={{ width: 120 }}>
            <Select options={CURRENCIES.map((c) => ({ value: c, label: c }))} />
          </Form.Item>
        </Space.Compact>
        <Form.Item name="expected_close_date" label={t("opportunityDetail.field.expected_close_date")}>
          <DatePicker data-testid="opp-edit-close-date" />
        </Form.Item>
        <Form.Item name="priority" label={t("opportunityDetail.field.priority")}>
          <Select options={(["key", "normal"] as const).map((p) => ({ value: p, label: t(`opportunityDetail.priority.${p}`) }))} style={{ maxWidth: 200 }} />
        </Form.Item>
        <Form.Item name="product" label={t("opportunityDetail.field.product")} extra={t("opportunityDetail.edit.productHint")}>
          <Input maxLength={100} />
        </Form.Item>
        <Form.Item label={t("opportunityDetail.field.products")}>
          <Form.List name="products">
            {(fields, { add, remove }) => (
              <>
                {fields.map((f) => (
                  <Space key={f.key} align="baseline" style={{ display: "flex" }}>
                    <Form.Item name={[f.name, "name"]} rules={[{ required: true, whitespace: true }]}>
                      <Input placeholder={t("opportunityDetail.edit.productName")} maxLength={200} />
                    </Form.Item>
                    <Form.Item name={[f.name, "quantity"]}>
                      <InputNumber min={1} precision={0} placeholder={t("opportunityDetail.edit.quantity")} />
                    </Form.Item>
                    <Form.Item name={[f.name, "notes"]}>
                      <Input placeholder={t("opportunityDetail.edit.notes")} maxLength={500} />
                    </Form.Item>
                    <MinusCircleOutlined onClick={() => remove(f.name)} />
                  </Space>
                ))}
                <Button type="dashed" icon={<PlusOutlined />} onClick={() => add({ name: "" })} data-testid="opp-edit-add-product">
                  {t("opportunityDetail.edit.addProduct")}
                </Button>
              </>
            )}
          </Form.List>
        </Form.Item>
        <Form.Item name="next_step" label={t("opportunityDetail.field.next_step")}>
          <Input maxLength={500} data-testid="opp-edit-next-step" />
        </Form.Item>
        <Form.Item name="description" label={t("opportunityDetail.field.description")}>
          <Input.TextArea rows={4} maxLength={5000} />
        </Form.Item>
      </Form>
    </Drawer>
  );
}

// --- reassign, special, conflict ------------------------------------------------------------------

function ReassignDialog({ opp, open, onClose }: { opp: Opportunity; open: boolean; onClose: () => void }) {
  const t = useT();
  const { message } = App.useApp();
  const report = useApiError();
  const [form] = Form.useForm<{ owner_id: string; reason: string }>();
  const reassign = useOpportunityWrite((v: { owner_id: string; reason: string }) =>
    api.POST("/api/v1/opportunities/{opportunity_id}/reassign", { ...opportunityPath(opp.id), body: { owner_id: v.owner_id, reason: v.reason.trim() } }),
  );
  return (
    <Modal
      open={open}
      title={t("opportunityDetail.reassign.title")}
      onCancel={onClose}
      onOk={() => form.submit()}
      okText={t("common.ok")}
      cancelText={t("common.cancel")}
      confirmLoading={reassign.isPending}
      okButtonProps={{ "data-testid": "reassign-ok" } as Record<string, string>}
      destroyOnHidden
    >
      <Form
        form={form}
        layout="vertical"
        preserve={false}
        onFinish={(v) =>
          reassign.mutate(v, {
            onSuccess: (r) => {
              message.success(t("opportunityDetail.reassign.done", { name: r.owner?.display_name ?? "" }));
              onClose();
            },
            onError: (e) => report(e, { form }),
          })
        }
      >
        <Typography.Paragraph type="secondary">{t("opportunityDetail.reassign.current", { name: opp.owner?.display_name ?? "—" })}</Typography.Paragraph>
        <Form.Item name="owner_id" label={t("opportunityDetail.reassign.to")} rules={[{ required: true }]}>
          <UserSelect data-testid="reassign-user" />
        </Form.Item>
        <Form.Item name="reason" label={t("opportunityDetail.reassign.reason")} rules={[{ required: true, whitespace: true }]}>
          <Input.TextArea rows={3} maxLength={500} data-testid="reassign-reason" />
        </Form.Item>
      </Form>
    </Modal>
  );
}

function SpecialDialog({ opp, open, onClose }: { opp: Opportunity; open: boolean; onClose: () => void }) {
  const t = useT();
  const { message } = App.useApp();
  const report = useApiError();
  const [form] = Form.useForm<{ special_kind: SpecialKind; reason: string }>();
  const special = useOpportunityWrite((v: { special_kind: SpecialKind; reason: string }) =>
    api.POST("/api/v1/opportunities/{opportunity_id}/special", { ...opportunityPath(opp.id), body: { special_kind: v.special_kind, reason: v.reason.trim() } }),
  );
  return (
    <Modal
      open={open}
      title={t("opportunityDetail.special.title")}
      onCancel={onClose}
      onOk={() => form.submit()}
      okText={t("opportunityDetail.special.submit")}
      cancelText={t("common.cancel")}
      confirmLoading={special.isPending}
      okButtonProps={{ "data-testid": "special-ok" } as Record<string, string>}
      destroyOnHidden
    >
      <Typography.Paragraph type="secondary">{t("opportunityDetail.special.hint")}</Typography.Paragraph>
      <Form
        form={form}
        layout="vertical"
        preserve={false}
        initialValues={{ special_kind: (opp.special_kind as SpecialKind | null) ?? undefined }}
        onFinish={(v) =>
          special.mutate(v, {
            onSuccess: () => {
              message.success(t("opportunityDetail.special.submitted"));
              onClose();
            },
            onError: (e) => report(e, { form }),
          })
        }
      >
        <Form.Item name="special_kind" label={t("opportunityDetail.special.kind")} rules={[{ required: true }]}>
          <Select options={SPECIAL_KINDS.map((k) => ({ value: k, label: t(`opportunityDetail.specialKind.${k}`) }))} data-testid="special-kind" />
        </Form.Item>
        <Form.Item name="reason" label={t("opportunityDetail.special.reason")} rules={[{ required: true, whitespace: true }]}>
          <Input.TextArea rows={3} maxLength={1000} data-testid="special-reason" />
        </Form.Item>
      </Form>
    </Modal>
  );
}

function ConflictDialog({ opp, resolution, onClose }: { opp: Opportunity; resolution: ConflictResolution | null; onClose: () => void }) {
  const t = useT();
  const { message } = App.useApp();
  const report = useApiError();
  const [note, setNote] = useState("");
  const resolve = useOpportunityWrite((v: { resolution: ConflictResolution; note: string }) =>
    api.POST("/api/v1/opportunities/{opportunity_id}/conflict", { ...opportunityPath(opp.id), body: { resolution: v.resolution, note: v.note.trim() || null } }),
  );
  return (
    <Modal
      open={Boolean(resolution)}
      title={resolution ? t(`opportunityDetail.conflict.${resolution}`) : ""}
      onCancel={onClose}
      onOk={() =>
        resolution &&
        resolve.mutate(
          { resolution, note },
          {
            onSuccess: () => {
              message.success(t("opportunityDetail.conflict.resolved"));
              setNote("");
              onClose();
            },
            onError: (e) => report(e),
          },
        )
      }
      okText={t("common.ok")}
      cancelText={t("common.cancel")}
      confirmLoading={resolve.isPending}
      okButtonProps={{ danger: resolution === "reject", ...({ "data-testid": "conflict-ok" } as Record<string, string>) }}
      destroyOnHidden
    >
      {resolution && <Typography.Paragraph>{t(`opportunityDetail.conflict.${resolution}Hint`)}</Typography.Paragraph>}
      <Input.TextArea rows={3} maxLength={1000} value={note} onChange={(e) => setNote(e.target.value)} placeholder={t("opportunityDetail.conflict.note")} data-testid="conflict-note" />
    </Modal>
  );
}

// --- the header ---------------------------------------------------------------------------------

/** Name, customer, money, people and dates; the special / conflict / won / lost badges; actions. */
export function OpportunityHeader({
  opp,
  onReload,
  editOpen,
  setEditOpen,
}: {
  opp: Opportunity;
  onReload: () => void;
  editOpen: boolean;
  setEditOpen: (open: boolean) => void;
}) {
  const t = useT();
  const { lang } = useLang();
  const navigate = useNavigate();
  const [dialog, setDialog] = useState<"reassign" | "special" | null>(null);
  const [resolution, setResolution] = useState<ConflictResolution | null>(null);
  const lostReasons = useLostReasons(opp.status === "lost");
  const lostReasonName = (code: string | null) => {
    if (!code) return "—";
    const r = (lostReasons.data ?? []).find((x) => x.code === code);
    return r ? localLabel(r.name, lang) : translateDynamic(t, "opportunityDetail.lostReason", code);
  };
  const perms = opp.permissions;
  const mayMarkSpecial = perms.update && opp.status === "open" && (!opp.special_kind || opp.approval_status === "rejected" || opp.approval_status === "none");
  const products = (opp.products ?? []).map((p) => `${String(p.name ?? "")}${typeof p.quantity === "number" ? ` × ${p.quantity}` : ""}`).join("、");

  const rows: [string, ReactNode][] = [
    [
      t("opportunityDetail.field.customer"),
      <Link to={`/customers/${opp.customer.id}`} data-testid="opp-customer">
        {opp.customer.name}
      </Link>,
    ],
    [t("opportunityDetail.field.amount"), <span data-testid="opp-amount">{fmtMoney(opp.amount, opp.currency)}</span>],
    [
      t("opportunityDetail.field.weighted"),
      <span data-testid="opp-weighted">
        {fmtMoney(opp.weighted, opp.currency)}
        <Typography.Text type="secondary"> · {fmtRate(opp.win_rate)}</Typography.Text>
      </span>,
    ],
    [t("opportunityDetail.field.stage"), <span data-testid="opp-stage">{`${localLabel(opp.stage.name, lang)} · ${t("opportunityDetail.daysInStage", { n: opp.days_in_stage })}`}</span>],
    [t("opportunityDetail.field.owner"), <span data-testid="opp-owner">{opp.owner?.display_name ?? t("opportunityDetail.noOwner")}</span>],
    [t("opportunityDetail.field.team"), opp.team?.name ?? "—"],
    [t("opportunityDetail.field.expected_close_date"), <span data-testid="opp-close-date">{fmtDate(opp.expected_close_date) || "—"}</span>],
    [t("opportunityDetail.field.source"), translateDynamic(t, "opportunityDetail.source", opp.source)],
    [t("opportunityDetail.field.businessLine"), localLabel(opp.business_line.name, lang)],
    [t("opportunityDetail.field.products"), products || opp.product || "—"],
    [t("opportunityDetail.field.next_step"), <span data-testid="opp-next-step">{opp.next_step || "—"}</span>],
    [t("common.createdAt"), fmtDateTime(opp.created_at)],
  ];

  return (
    <Card>
      <div style={{ display: "flex", justifyContent: "space-between", flexWrap: "wrap", gap: 12 }}>
        <Space wrap>
          <Typography.Title level={3} style={{ margin: 0 }} data-testid="opp-name">
            {opp.name}
          </Typography.Title>
          <Tag color={STATUS_COLOR[opp.status]} data-testid="opp-status" data-status={opp.status}>
            {t(`opportunityDetail.status.${opp.status}`)}
          </Tag>
          {opp.grade && (
            <Tag color={GRADE_COLOR[opp.grade]} data-testid="opp-grade">
              {t("opportunityDetail.grade", { grade: opp.grade })}
            </Tag>
          )}
          <Tag color={opp.priority === "key" ? "volcano" : "default"} data-testid="opp-priority">
            {translateDynamic(t, "opportunityDetail.priority", opp.priority)}
          </Tag>
          {opp.special_kind && (
            <Tag color={opp.approval_status === "approved" ? "green" : opp.approval_status === "rejected" ? "red" : "gold"} icon={<FlagOutlined />} data-testid="opp-special-tag">
              {translateDynamic(t, "opportunityDetail.specialKind", opp.special_kind)} · {translateDynamic(t, "opportunityDetail.approval", opp.approval_status)}
            </Tag>
          )}
          {opp.queue && <Tag color="purple">{t("opportunityDetail.inQueue")}</Tag>}
        </Space>
        <Space wrap>
          <Button onClick={() => navigate(-1)}>{t("common.back")}</Button>
          {perms.update && (
            <Button icon={<EditOutlined />} onClick={() => setEditOpen(true)} data-testid="opp-edit">
              {t("common.edit")}
            </Button>
          )}
          {perms.reassign && (
            <Button icon={<SwapOutlined />} onClick={() => setDialog("reassign")} data-testid="opp-reassign">
              {t("opportunityDetail.reassign.action")}
            </Button>
          )}
          {mayMarkSpecial && (
            <Button icon={<FlagOutlined />} onClick={() => setDialog("special")} data-testid="opp-special-mark">
              {t("opportunityDetail.special.action")}
            </Button>
          )}
        </Space>
      </div>

      {opp.special_kind && opp.approval_status === "pending" && (
        <Alert
          type="info"
          showIcon
          style={{ marginTop: 12 }}
          data-testid="opp-special"
          message={
            <span>
              {t("opportunityDetail.special.pending", { kind: translateDynamic(t, "opportunityDetail.specialKind", opp.special_kind) })}{" "}
              {opp.approval_request_id && (
                <Link to={`/approvals/${opp.approval_request_id}`} data-testid="opp-special-approval">
                  {t("opportunityDetail.special.viewApproval")}
                </Link>
              )}
            </span>
          }
        />
      )}
      {opp.special_kind && opp.approval_status === "rejected" && (
        <Alert
          type="warning"
          showIcon
          style={{ marginTop: 12 }}
          data-testid="opp-special"
          message={
            <span>
              {t("opportunityDetail.special.rejected")}{" "}
              {opp.approval_request_id && <Link to={`/approvals/${opp.approval_request_id}`}>{t("opportunityDetail.special.viewApproval")}</Link>}
            </span>
          }
        />
      )}
      {opp.conflict_status && opp.conflict_with && (
        <Alert
          type={opp.conflict_status === "open" ? "warning" : "info"}
          showIcon
          style={{ marginTop: 12 }}
          data-testid="opp-conflict"
          data-conflict={opp.conflict_status}
          message={
            <span>
              {t(opp.conflict_status === "open" ? "opportunityDetail.conflict.open" : "opportunityDetail.conflict.closed", {
                status: translateDynamic(t, "opportunityDetail.conflictStatus", opp.conflict_status),
              })}{" "}
              <Link to={`/opportunities/${opp.conflict_with.id}`} data-testid="opp-conflict-with">
                {opp.conflict_with.name}
              </Link>
            </span>
          }
          action={
            opp.conflict_status === "open" && perms.reassign ? (
              <Space>
                <Button size="small" type="primary" onClick={() => setResolution("accept")} data-testid="conflict-accept">
                  {t("opportunityDetail.conflict.accept")}
                </Button>
                <Button size="small" onClick={() => setResolution("merge")} data-testid="conflict-merge">
                  {t("opportunityDetail.conflict.merge")}
                </Button>
                <Button size="small" danger onClick={() => setResolution("reject")} data-testid="conflict-reject">
                  {t("opportunityDetail.conflict.reject")}
                </Button>
              </Space>
            ) : undefined
          }
        />
      )}
      {opp.status === "won" && (
        <Alert
          type="success"
          showIcon
          style={{ marginTop: 12 }}
          data-testid="opp-won"
          message={t("opportunityDetail.wonDetail", {
            amount: fmtMoney(opp.won_amount, opp.currency),
            date: fmtDate(opp.won_on) || "—",
            contract: opp.contract_number || "—",
          })}
        />
      )}
      {opp.status === "lost" && (
        <Alert
          type="error"
          showIcon
          style={{ marginTop: 12 }}
          data-testid="opp-lost"
          message={t("opportunityDetail.lostDetail", { reason: lostReasonName(opp.lost_reason), competitor: opp.lost_to?.name || "—" })}
          description={opp.lost_note || undefined}
        />
      )}

      <Descriptions
        size="small"
        style={{ marginTop: 16 }}
        column={{ xs: 1, sm: 2, md: 3, xl: 4 }}
        data-testid="opp-summary"
        items={rows.map(([label, value], i) => ({ key: String(i), label, children: value }))}
      />
      {opp.description && (
        <Typography.Paragraph type="secondary" style={{ whiteSpace: "pre-wrap", margin: 0 }} ellipsis={{ rows: 2, expandable: true }}>
          {opp.description}
        </Typography.Paragraph>
      )}

      <EditDrawer opp={opp} open={editOpen} onClose={() => setEditOpen(false)} onReload={onReload} />
      <ReassignDialog opp={opp} open={dialog === "reassign"} onClose={() => setDialog(null)} />
      <SpecialDialog opp={opp} open={dialog === "special"} onClose={() => setDialog(null)} />
      <ConflictDialog opp={opp} resolution={resolution} onClose={() => setResolution(null)} />
    </Card>
  );
}

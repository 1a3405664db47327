import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Button, DatePicker, Form, Input, Modal, Select } from "antd";
import dayjs, { type Dayjs } from "dayjs";
import { api, ifMatch, unwrap } from "../../api/client";
import type { FollowUp, FollowUpIn, FollowUpKind, FollowUpUpdate } from "../../api/types";
import { useCan } from "../../auth/context";
import { useApiError } from "../../components/useApiError";
import { useT } from "../../i18n/context";
import { contactsKey, FOLLOW_UP_KINDS } from "./constants";

interface Values {
  kind: FollowUpKind;
  content: string;
  contact_id?: string | null;
  happened_at?: Dayjs | null;
  next_step?: string;
  next_follow_up_on?: Dayjs | null;
}

function invalidateAfterWrite(queryClient: ReturnType<typeof useQueryClient>, customerId: string) {
  void queryClient.invalidateQueries({ queryKey: ["follow-ups", customerId] });
  void queryClient.invalidateQueries({ queryKey: ["customers"] });
  void queryClient.invalidateQueries({ queryKey: ["audit", "customer", customerId] });
}

function useCreateFollowUp(customerId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (v: Values) => {
      const body: FollowUpIn = {
        kind: v.kind,
        content: v.content.trim(),
        contact_id: v.contact_id ?? undefined,
        // toISOString() is UTC with a "Z": the API wants an offset-aware time
        happened_at: v.happened_at ? v.happened_at.toISOString() : undefined,
        next_step: v.next_step?.trim() || undefined,
        next_follow_up_on: v.next_follow_up_on ? v.next_follow_up_on.format("YYYY-MM-DD") : undefined,
      };
      return unwrap(api.POST("/api/v1/customers/{customer_id}/follow-ups", { params: { path: { customer_id: customerId } }, body }));
    },
    onSuccess: () => invalidateAfterWrite(queryClient, customerId),
  });
}

/** The customer's contacts, to say whom a follow-up was with (only when the user may read contacts). */
function ContactSelect({ customerId, value, onChange }: { customerId: string; value?: string | null; onChange?: (v: string | null) => void }) {
  const can = useCan();
  const t = useT();
  const list = useQuery({
    queryKey: contactsKey(customerId),
    queryFn: () => unwrap(api.GET("/api/v1/customers/{customer_id}/contacts", { params: { path: { customer_id: customerId } } })),
    enabled: Boolean(customerId) && can("contact", "read"),
  });
  return (
    <Select
      allowClear
      showSearch
      optionFilterProp="label"
      loading={list.isLoading}
      placeholder={t("followUp.contactPlaceholder")}
      options={(list.data?.items ?? []).map((c) => ({ value: c.id, label: c.title ? `${c.name} · ${c.title}` : c.name }))}
      value={value ?? undefined}
      onChange={(v) => onChange?.(v ?? null)}
      data-testid="followup-contact"
    />
  );
}

function FollowUpFields({ customerId, editing = false }: { customerId: string; editing?: boolean }) {
  const t = useT();
  const can = useCan();
  return (
    <>
      <Form.Item name="kind" label={t("followUp.kind")} rules={[{ required: true }]}>
        <Select
          data-testid="followup-kind"
          options={FOLLOW_UP_KINDS.map((k) => ({ value: k, label: t(`followUp.kind.${k}`) }))}
          style={{ maxWidth: 200 }}
        />
      </Form.Item>
      <Form.Item name="content" label={t("followUp.content")} rules={[{ required: true, whitespace: true }]}>
        <Input.TextArea rows={3} maxLength={10000} data-testid="followup-content" />
      </Form.Item>
      {!editing && can("contact", "read") && (
        <Form.Item name="contact_id" label={t("followUp.contact")}>
          <ContactSelect customerId={customerId} />
        </Form.Item>
      )}
      {!editing && (
        <Form.Item name="happened_at" label={t("followUp.happenedAt")} extra={t("followUp.happenedAtHint")}>
          <DatePicker showTime data-testid="followup-happened-at" disabledDate={(d) => d.isAfter(dayjs().endOf("day"))} />
        </Form.Item>
      )}
      <Form.Item name="next_step" label={t("followUp.nextStep")}>
        <Input maxLength={500} data-testid="followup-next-step" />
      </Form.Item>
      <Form.Item name="next_follow_up_on" label={t("followUp.nextFollowUpOn")}>
        <DatePicker data-testid="followup-next-on" />
      </Form.Item>
    </>
  );
}

// "When" left empty means now (the server stamps it).
const initialValues = (): Partial<Values> => ({ kind: "call" });

/** Inline "log a follow-up" form on the customer page. */
export function FollowUpForm({ customerId }: { customerId: string }) {
  const t = useT();
  const [form] = Form.useForm<Values>();
  const report = useApiError();
  const create = useCreateFollowUp(customerId);
  return (
    <Form
      form={form}
      name="followup"
      layout="vertical"
      initialValues={initialValues()}
      data-testid="followup-form"
      onFinish={(v) =>
        create.mutate(v, {
          onSuccess: () => form.resetFields(),
          onError: (e) => report(e, { form }),
        })
      }
    >
      <FollowUpFields customerId={customerId} />
      <Button type="primary" htmlType="submit" loading={create.isPending} data-testid="followup-submit">
        {t("followUp.new")}
      </Button>
    </Form>
  );
}

/** Edits a follow-up's kind, content and next step (PATCH /follow-ups/{id}; when and with whom stay). */
export function EditFollowUpModal({ followUp, onClose }: { followUp: FollowUp | null; onClose: () => void }) {
  const t = useT();
  const [form] = Form.useForm<Values>();
  const report = useApiError();
  const queryClient = useQueryClient();
  const save = useMutation({
    mutationFn: (v: Values) => {
      const f = followUp!;
      const body: FollowUpUpdate = {
        kind: v.kind,
        content: v.content.trim(),
        next_step: v.next_step?.trim() || null,
        next_follow_up_on: v.next_follow_up_on ? v.next_follow_up_on.format("YYYY-MM-DD") : null,
      };
      return unwrap(
        api.PATCH("/api/v1/follow-ups/{follow_up_id}", {
          params: { path: { follow_up_id: f.id } },
          body,
          headers: { "If-Match": ifMatch(f) },
        }),
      );
    },
    onSuccess: () => {
      invalidateAfterWrite(queryClient, followUp?.customer_id ?? "");
      onClose();
    },
    onError: (e) =>
      report(e, {
        form,
        onStale: () => {
          invalidateAfterWrite(queryClient, followUp?.customer_id ?? "");
          onClose();
        },
      }),
  });
  return (
    <Modal
      open={Boolean(followUp)}
      title={t("followUp.edit")}
      onCancel={onClose}
      okText={t("common.save")}
      cancelText={t("common.cancel")}
      confirmLoading={save.isPending}
      onOk={() => form.submit()}
      destroyOnHidden
      okButtonProps={{ "data-testid": "followup-edit-ok" } as Record<string, string>}
    >
      {followUp && (
        <Form
          form={form}
          name="followup-edit"
          layout="vertical"
          preserve={false}
          clearOnDestroy
          initialValues={{
            kind: followUp.kind as FollowUpKind,
            content: followUp.content,
            next_step: followUp.next_step ?? undefined,
            next_follow_up_on: followUp.next_follow_up_on ? dayjs(followUp.next_follow_up_on) : null,
          }}
          onFinish={(v) => save.mutate(v)}
        >
          <FollowUpFields customerId={followUp.customer_id} editing />
        </Form>
      )}
    </Modal>
  );
}

/** The customers list's per-row "quick follow-up" dialog. */
export function QuickFollowUpModal({
  customer,
  onClose,
}: {
  customer: { id: string; name: string } | null;
  onClose: () => void;
}) {
  const t = useT();
  const [form] = Form.useForm<Values>();
  const report = useApiError();
  const create = useCreateFollowUp(customer?.id ?? "");
  return (
    <Modal
      open={Boolean(customer)}
      title={`${t("customer.quickFollowUp")} · ${customer?.name ?? ""}`}
      onCancel={onClose}
      okText={t("common.save")}
      cancelText={t("common.cancel")}
      confirmLoading={create.isPending}
      onOk={() => form.submit()}
      destroyOnHidden
      okButtonProps={{ "data-testid": "quick-followup-ok" } as Record<string, string>}
    >
      <Form
        form={form}
        name="quick-followup"
        layout="vertical"
        initialValues={initialValues()}
        preserve={false}
        clearOnDestroy
        data-testid="quick-followup-form"
        onFinish={(v) =>
          create.mutate(v, {
            onSuccess: () => onClose(),
            onError: (e) => report(e, { form }),
          })
        }
      >
        <FollowUpFields customerId={customer?.id ?? ""} />
      </Form>
    </Modal>
  );
}

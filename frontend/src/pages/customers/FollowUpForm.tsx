import { useMutation, useQueryClient } from "@tanstack/react-query";
import { Button, DatePicker, Form, Input, Modal, Select } from "antd";
import dayjs, { type Dayjs } from "dayjs";
import { api, unwrap } from "../../api/client";
import type { FollowUpIn, FollowUpKind } from "../../api/types";
import { useApiError } from "../../components/useApiError";
import { useT } from "../../i18n/context";
import { FOLLOW_UP_KINDS } from "./constants";


interface Values {
  kind: FollowUpKind;
  content: string;
  happened_at?: Dayjs | null;
  next_step?: string;
  next_follow_up_on?: Dayjs | null;
}

function useCreateFollowUp(customerId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (v: Values) => {
      const body: FollowUpIn = {
        kind: v.kind,
        content: v.content.trim(),
        happened_at: v.happened_at ? v.happened_at.toISOString() : undefined,
        next_step: v.next_step?.trim() || undefined,
        next_follow_up_on: v.next_follow_up_on ? v.next_follow_up_on.format("YYYY-MM-DD") : undefined,
      };
      return unwrap(api.POST("/api/v1/customers/{customer_id}/follow-ups", { params: { path: { customer_id: customerId } }, body }));
    },
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: ["follow-ups", customerId] });
      void queryClient.invalidateQueries({ queryKey: ["customers"] });
      void queryClient.invalidateQueries({ queryKey: ["audit", "customer", customerId] });
    },
  });
}

function FollowUpFields() {
  const t = useT();
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
        <Input.TextArea rows={3} data-testid="followup-content" />
      </Form.Item>
      <Form.Item name="happened_at" label={t("followUp.happenedAt")}>
        <DatePicker showTime data-testid="followup-happened-at" disabledDate={(d) => d.isAfter(dayjs().endOf("day"))} />
      </Form.Item>
      <Form.Item name="next_step" label={t("followUp.nextStep")}>
        <Input data-testid="followup-next-step" />
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
      <FollowUpFields />
      <Button type="primary" htmlType="submit" loading={create.isPending} data-testid="followup-submit">
        {t("followUp.new")}
      </Button>
    </Form>
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
        layout="vertical"
        initialValues={initialValues()}
        preserve={false}
        data-testid="quick-followup-form"
        onFinish={(v) =>
          create.mutate(v, {
            onSuccess: () => onClose(),
            onError: (e) => report(e, { form }),
          })
        }
      >
        <FollowUpFields />
      </Form>
    </Modal>
  );
}

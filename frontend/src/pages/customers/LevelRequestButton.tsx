/** 申请变更等级: a rep asks for another customer level (normal / KA / SKA); the manager decides.
 * While a request is pending the page shows it (the applicant may withdraw it) instead of the button. */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { App, Button, Form, Input, Modal, Select, Space, Tag } from "antd";
import { useState } from "react";
import { api, unwrap } from "../../api/client";
import type { CustomerLevel } from "../../api/types";
import { useApiError } from "../../components/useApiError";
import { useT } from "../../i18n/context";
import { customerKey } from "./customerQueries";

const LEVELS: CustomerLevel[] = ["normal", "KA", "SKA"];

const pendingLevelRequestKey = (customerId: string) => ["level-requests", "pending", customerId] as const;

interface RequestForm {
  to_level: CustomerLevel;
  reason: string;
}

/** `level`: the customer's level now (normal / KA / SKA). */
export function LevelRequestButton({ customerId, level }: { customerId: string; level: string }) {
  const t = useT();
  const report = useApiError();
  const { message } = App.useApp();
  const qc = useQueryClient();
  const [open, setOpen] = useState(false);
  const [form] = Form.useForm<RequestForm>();
  const pending = useQuery({
    queryKey: pendingLevelRequestKey(customerId),
    queryFn: async () =>
      (await unwrap(api.GET("/api/v1/level-requests", { params: { query: { customer_id: customerId, status: "pending", limit: 1 } } }))).items[0] ?? null,
  });
  const refresh = () => {
    void qc.invalidateQueries({ queryKey: ["level-requests"] });
    void qc.invalidateQueries({ queryKey: customerKey(customerId) });
  };
  const submit = useMutation({
    mutationFn: (v: RequestForm) =>
      unwrap(
        api.POST("/api/v1/customers/{customer_id}/level-requests", {
          params: { path: { customer_id: customerId } },
          body: { to_level: v.to_level, reason: v.reason.trim() },
        }),
      ),
    onSuccess: () => {
      message.success(t("levelRequest.sent"));
      setOpen(false);
      refresh();
    },
    onError: (e) => report(e, { form }),
  });
  const withdraw = useMutation({
    mutationFn: (id: string) => unwrap(api.POST("/api/v1/level-requests/{request_id}/withdraw", { params: { path: { request_id: id } } })),
    onSuccess: () => {
      message.success(t("levelRequest.withdrawn"));
      refresh();
    },
    onError: (e) => report(e),
  });

  const name = (l: CustomerLevel) => t(`customer.level.${l}`);
  const req = pending.data;
  if (req) {
    return (
      <Space size={4} data-testid="level-request-pending">
        <Tag color="processing">{t("levelRequest.pending", { from: name(req.from_level), to: name(req.to_level) })}</Tag>
        {req.can_withdraw && (
          <Button size="small" loading={withdraw.isPending} onClick={() => withdraw.mutate(req.id)} data-testid="level-request-withdraw">
            {t("levelRequest.withdraw")}
          </Button>
        )}
      </Space>
    );
  }
  const choices = LEVELS.filter((l) => l !== level);
  return (
    <>
      <Button onClick={() => setOpen(true)} disabled={pending.isLoading} data-testid="level-request">
        {t("levelRequest.request")}
      </Button>
      <Modal
        open={open}
        title={t("levelRequest.title")}
        onCancel={() => setOpen(false)}
        onOk={() => form.submit()}
        confirmLoading={submit.isPending}
        okText={t("levelRequest.submit")}
        cancelText={t("common.cancel")}
        okButtonProps={{ "data-testid": "level-request-ok" } as Record<string, string>}
        destroyOnHidden
      >
        <Form<RequestForm>
          form={form}
          layout="vertical"
          preserve={false}
          clearOnDestroy
          initialValues={{ to_level: choices[0] }}
          onFinish={(v) => submit.mutate(v)}
        >
          <Form.Item label={t("levelRequest.current")}>
            <Tag data-testid="level-request-current">{LEVELS.includes(level as CustomerLevel) ? name(level as CustomerLevel) : level}</Tag>
          </Form.Item>
          <Form.Item name="to_level" label={t("levelRequest.toLevel")} rules={[{ required: true }]}>
            <Select options={choices.map((l) => ({ value: l, label: name(l) }))} data-testid="level-request-to" />
          </Form.Item>
          <Form.Item
            name="reason"
            label={t("levelRequest.reason")}
            extra={t("levelRequest.reasonHint")}
            rules={[{ required: true, whitespace: true, max: 1000 }]}
          >
            <Input.TextArea rows={3} maxLength={1000} data-testid="level-request-reason" />
          </Form.Item>
        </Form>
      </Modal>
    </>
  );
}

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { App, Button, Drawer, Form, Input, Select, Space } from "antd";
import { useNavigate } from "react-router";
import { api, unwrap } from "../../api/client";
import { fetchChannels, keys } from "../../api/queries";
import type { LeadCreate } from "../../api/types";
import { useCan } from "../../auth/context";
import { cleanBody } from "../../components/format";
import { ProvinceSelect } from "../../components/selects";
import { useApiError } from "../../components/useApiError";
import { useT } from "../../i18n/context";

const SIZES = ["1-19", "20-99", "100-499", "500-999", "1000+"] as const;

export function LeadCreateDrawer({ open, onClose }: { open: boolean; onClose: () => void }) {
  const t = useT();
  const can = useCan();
  const report = useApiError();
  const { message } = App.useApp();
  const navigate = useNavigate();
  const qc = useQueryClient();
  const [form] = Form.useForm<LeadCreate>();
  const channels = useQuery({ queryKey: keys.channels, queryFn: fetchChannels, enabled: open && can("channel", "read") });

  const create = useMutation({
    mutationFn: (body: LeadCreate) => unwrap(api.POST("/api/v1/leads", { body: cleanBody(body, "create") })),
    onSuccess: (lead) => {
      message.success(t("common.created"));
      void qc.invalidateQueries({ queryKey: ["leads"] });
      onClose();
      navigate(`/leads/${lead.id}`);
    },
    onError: (e) => report(e, { form }),
  });

  return (
    <Drawer
      open={open}
      onClose={onClose}
      title={t("lead.new")}
      width={520}
      destroyOnHidden
      extra={
        <Space>
          <Button onClick={onClose}>{t("common.cancel")}</Button>
          <Button type="primary" loading={create.isPending} onClick={() => form.submit()} data-testid="lead-save">
            {t("common.save")}
          </Button>
        </Space>
      }
    >
      <Form<LeadCreate> form={form} layout="vertical" preserve={false} onFinish={(v) => create.mutate(v)} data-testid="lead-form">
        <Form.Item name="company_name" label={t("lead.company")} rules={[{ required: true, max: 200 }]}>
          <Input data-testid="lead-company" />
        </Form.Item>
        <Form.Item name="contact_name" label={t("lead.contact")} rules={[{ max: 100 }]}>
          <Input data-testid="lead-contact" />
        </Form.Item>
        <Form.Item name="title" label={t("lead.title")}>
          <Input />
        </Form.Item>
        <Form.Item name="mobile" label={t("lead.mobile")}>
          <Input data-testid="lead-mobile" />
        </Form.Item>
        <Form.Item name="email" label={t("lead.email")}>
          <Input data-testid="lead-email" />
        </Form.Item>
        <Form.Item name="uscc" label={t("lead.uscc")}>
          <Input />
        </Form.Item>
        {can("channel", "read") && (
          <Form.Item name="channel_id" label={t("lead.channel")}>
            <Select
              allowClear
              data-testid="lead-channel"
              loading={channels.isLoading}
              options={(channels.data ?? []).filter((c) => c.is_active).map((c) => ({ value: c.id, label: c.name }))}
            />
          </Form.Item>
        )}
        <Form.Item name="industry" label={t("lead.industry")}>
          <Input data-testid="lead-industry" />
        </Form.Item>
        <Form.Item name="company_size" label={t("lead.companySize")}>
          <Select allowClear options={SIZES.map((s) => ({ value: s, label: s }))} data-testid="lead-size" />
        </Form.Item>
        {can("region", "read") && (
          <Form.Item name="province_code" label={t("lead.province")}>
            <ProvinceSelect />
          </Form.Item>
        )}
        <Form.Item name="product" label={t("lead.product")}>
          <Input data-testid="lead-product" />
        </Form.Item>
        <Form.Item name="campaign" label={t("lead.campaign")}>
          <Input />
        </Form.Item>
        <Form.Item name="notes" label={t("lead.notes")}>
          <Input.TextArea rows={3} />
        </Form.Item>
      </Form>
    </Drawer>
  );
}

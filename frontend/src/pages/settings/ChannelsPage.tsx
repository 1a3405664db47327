import { CopyOutlined, EditOutlined, PlusOutlined } from "@ant-design/icons";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { App, Button, Card, Form, Input, InputNumber, Modal, Select, Space, Switch, Table, Tag, Typography } from "antd";
import { useMemo, useState } from "react";
import { api, ifMatch, unwrap } from "../../api/client";
import { fetchChannels, keys } from "../../api/queries";
import type { Channel, ChannelIn, LeadForm, LeadFormIn } from "../../api/types";
import { useCan } from "../../auth/context";
import { useApiError } from "../../components/useApiError";
import { useT } from "../../i18n/context";
import { formUrl } from "./leadFormUrl";

const formsKey = ["lead-forms"] as const;

function ChannelModal({ channel, open, onClose }: { channel: Channel | null; open: boolean; onClose: () => void }) {
  const t = useT();
  const report = useApiError();
  const { message } = App.useApp();
  const qc = useQueryClient();
  const [form] = Form.useForm<ChannelIn>();
  const save = useMutation({
    mutationFn: (v: ChannelIn) =>
      channel
        ? unwrap(
            api.PATCH("/api/v1/channels/{channel_id}", {
              params: { path: { channel_id: channel.id }, header: { "If-Match": ifMatch(channel) } },
              body: { name: v.name.trim(), weight: v.weight, is_active: v.is_active },
            }),
          )
        : unwrap(api.POST("/api/v1/channels", { body: { ...v, name: v.name.trim(), code: v.code.trim() } })),
    onSuccess: () => {
      message.success(t("common.saved"));
      void qc.invalidateQueries({ queryKey: keys.channels });
      onClose();
    },
    onError: (e) => report(e, { form, onStale: () => void qc.invalidateQueries({ queryKey: keys.channels }) }),
  });
  return (
    <Modal
      open={open}
      title={channel ? channel.name : t("channel.new")}
      onCancel={onClose}
      onOk={() => form.submit()}
      confirmLoading={save.isPending}
      okButtonProps={{ "data-testid": "channel-save" }}
      destroyOnHidden
    >
      <Form<ChannelIn>
        form={form}
        layout="vertical"
        preserve={false}
        clearOnDestroy
        initialValues={channel ?? { weight: 10, is_active: true }}
        onFinish={(v) => save.mutate(v)}
      >
        <Form.Item name="code" label={t("common.code")} rules={[{ required: true, pattern: /^[a-z0-9_-]{2,40}$/ }]}>
          <Input disabled={Boolean(channel)} data-testid="channel-code" />
        </Form.Item>
        <Form.Item name="name" label={t("common.name")} rules={[{ required: true, whitespace: true, max: 100 }]}>
          <Input data-testid="channel-name" />
        </Form.Item>
        <Form.Item name="weight" label={t("channel.weight")} rules={[{ required: true }]}>
          <InputNumber min={0} max={100} data-testid="channel-weight" />
        </Form.Item>
        <Form.Item name="is_active" label={t("channel.active")} valuePropName="checked">
          <Switch />
        </Form.Item>
      </Form>
    </Modal>
  );
}

function LeadFormModal({ leadForm, open, channels, onClose }: { leadForm: LeadForm | null; open: boolean; channels: Channel[]; onClose: () => void }) {
  const t = useT();
  const report = useApiError();
  const { message } = App.useApp();
  const qc = useQueryClient();
  const [form] = Form.useForm<LeadFormIn>();
  const save = useMutation({
    mutationFn: (v: LeadFormIn) => {
      const body = { ...v, name: v.name.trim(), product: v.product?.trim() || null, allowed_origins: v.allowed_origins ?? [] };
      return leadForm
        ? unwrap(
            api.PATCH("/api/v1/lead-forms/{form_id}", {
              params: { path: { form_id: leadForm.id }, header: { "If-Match": ifMatch(leadForm) } },
              body,
            }),
          )
        : unwrap(api.POST("/api/v1/lead-forms", { body }));
    },
    onSuccess: () => {
      message.success(t("common.saved"));
      void qc.invalidateQueries({ queryKey: formsKey });
      onClose();
    },
    onError: (e) => report(e, { form, onStale: () => void qc.invalidateQueries({ queryKey: formsKey }) }),
  });
  return (
    <Modal
      open={open}
      title={leadForm ? leadForm.name : t("leadForm.new")}
      onCancel={onClose}
      onOk={() => form.submit()}
      confirmLoading={save.isPending}
      okButtonProps={{ "data-testid": "lead-form-save" }}
      destroyOnHidden
    >
      <Form<LeadFormIn>
        form={form}
        layout="vertical"
        preserve={false}
        clearOnDestroy
        initialValues={leadForm ?? { is_active: true, allowed_origins: [] }}
        onFinish={(v) => save.mutate(v)}
      >
        <Form.Item name="name" label={t("common.name")} rules={[{ required: true, whitespace: true, max: 100 }]}>
          <Input data-testid="lead-form-name" />
        </Form.Item>
        <Form.Item name="channel_id" label={t("lead.channel")} rules={[{ required: true }]}>
          <Select data-testid="lead-form-channel" options={channels.filter((c) => c.is_active).map((c) => ({ value: c.id, label: c.name }))} />
        </Form.Item>
        <Form.Item name="product" label={t("lead.product")}>
          <Input />
        </Form.Item>
        <Form.Item name="allowed_origins" label={t("leadForm.origins")} extra={t("leadForm.originsHint")}>
          <Select mode="tags" open={false} tokenSeparators={[",", " "]} />
        </Form.Item>
        <Form.Item name="is_active" label={t("channel.active")} valuePropName="checked">
          <Switch />
        </Form.Item>
      </Form>
    </Modal>
  );
}

export function ChannelsPage() {
  const t = useT();
  const can = useCan();
  const { message } = App.useApp();
  const channels = useQuery({ queryKey: keys.channels, queryFn: fetchChannels });
  const forms = useQuery({ queryKey: formsKey, queryFn: async () => (await unwrap(api.GET("/api/v1/lead-forms"))).items });
  const channelName = useMemo(() => new Map((channels.data ?? []).map((c) => [c.id, c.name])), [channels.data]);
  const [channelEdit, setChannelEdit] = useState<{ open: boolean; channel: Channel | null }>({ open: false, channel: null });
  const [formEdit, setFormEdit] = useState<{ open: boolean; form: LeadForm | null }>({ open: false, form: null });
  const canCreate = can("channel", "create");
  const canUpdate = can("channel", "update");

  const copy = (text: string) => {
    void navigator.clipboard?.writeText(text).then(
      () => message.success(t("common.copied")),
      () => message.error(t("common.error")),
    );
  };

  return (
    <Space direction="vertical" style={{ width: "100%" }} size="middle">
      <Card
        title={t("channel.list")}
        extra={
          canCreate && (
            <Button type="primary" icon={<PlusOutlined />} onClick={() => setChannelEdit({ open: true, channel: null })} data-testid="channel-create">
              {t("channel.new")}
            </Button>
          )
        }
      >
        <Table<Channel>
          rowKey="id"
          data-testid="channel-table"
          loading={channels.isLoading}
          dataSource={channels.data ?? []}
          pagination={false}
          columns={[
            { key: "code", title: t("common.code"), dataIndex: "code" },
            { key: "name", title: t("common.name"), dataIndex: "name" },
            { key: "weight", title: t("channel.weight"), dataIndex: "weight" },
            { key: "active", title: t("channel.active"), render: (_, c) => (c.is_active ? <Tag color="green">{t("common.yes")}</Tag> : <Tag>{t("common.no")}</Tag>) },
            ...(canUpdate
              ? [
                  {
                    key: "actions",
                    title: t("common.actions"),
                    render: (_: unknown, c: Channel) => <Button size="small" icon={<EditOutlined />} onClick={() => setChannelEdit({ open: true, channel: c })} />,
                  },
                ]
              : []),
          ]}
        />
      </Card>
      <Card
        title={t("leadForm.list")}
        extra={
          canCreate && (
            <Button type="primary" icon={<PlusOutlined />} onClick={() => setFormEdit({ open: true, form: null })} data-testid="lead-form-create">
              {t("leadForm.new")}
            </Button>
          )
        }
      >
        <Table<LeadForm>
          rowKey="id"
          data-testid="lead-form-table"
          loading={forms.isLoading}
          dataSource={forms.data ?? []}
          pagination={false}
          scroll={{ x: "max-content" }}
          columns={[
            { key: "name", title: t("common.name"), dataIndex: "name" },
            { key: "channel", title: t("lead.channel"), render: (_, f) => channelName.get(f.channel_id) ?? "" },
            { key: "product", title: t("lead.product"), render: (_, f) => f.product ?? "" },
            {
              key: "url",
              title: t("leadForm.url"),
              render: (_, f) => (
                <Space>
                  <Typography.Text code data-testid="lead-form-url">
                    {formUrl(f.key)}
                  </Typography.Text>
                  <Button size="small" icon={<CopyOutlined />} onClick={() => copy(formUrl(f.key))} title={t("common.copy")} />
                </Space>
              ),
            },
            { key: "origins", title: t("leadForm.origins"), render: (_, f) => f.allowed_origins.map((o) => <Tag key={o}>{o}</Tag>) },
            { key: "active", title: t("channel.active"), render: (_, f) => (f.is_active ? <Tag color="green">{t("common.yes")}</Tag> : <Tag>{t("common.no")}</Tag>) },
            ...(canUpdate
              ? [
                  {
                    key: "actions",
                    title: t("common.actions"),
                    render: (_: unknown, f: LeadForm) => <Button size="small" icon={<EditOutlined />} onClick={() => setFormEdit({ open: true, form: f })} />,
                  },
                ]
              : []),
          ]}
        />
      </Card>
      <ChannelModal channel={channelEdit.channel} open={channelEdit.open} onClose={() => setChannelEdit({ open: false, channel: null })} />
      <LeadFormModal leadForm={formEdit.form} open={formEdit.open} channels={channels.data ?? []} onClose={() => setFormEdit({ open: false, form: null })} />
    </Space>
  );
}

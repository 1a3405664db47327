import { PlusOutlined } from "@ant-design/icons";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { App, Button, Card, DatePicker, Form, Input, InputNumber, Modal, Popconfirm, Radio, Space, Table, Tag, Typography } from "antd";
import dayjs, { type Dayjs } from "dayjs";
import { useState, type HTMLAttributes } from "react";
import { Link } from "react-router";
import { api, unwrap } from "../../api/client";
import { fmtDate, fmtDateTime } from "../../components/format";
import { useApiError } from "../../components/useApiError";
import { translateDynamic, useT } from "../../i18n/context";
import { detailKeys, type Sample, type SampleCreate } from "./detailHelpers";

const STATUS_COLOR: Record<string, string> = { pending: "gold", approved: "green", rejected: "red", withdrawn: "default", shipped: "blue" };

interface Values {
  kind: "sample" | "poc";
  product: string;
  quantity: number;
  purpose: string;
  ship_to?: string;
  needed_by?: Dayjs | null;
}

/**
 * Sample and POC requests (送样 / POC): request (kind, product, quantity, purpose, where to and
 * by when), which goes through the `sample` approval; the list shows each request's approval
 * status and open step with a link to the approval, and an approved one is marked shipped.
 */
export function SamplesTab({ opportunityId, canEdit, closed }: { opportunityId: string; canEdit: boolean; closed: boolean }) {
  const t = useT();
  const { message } = App.useApp();
  const report = useApiError();
  const qc = useQueryClient();
  const [form] = Form.useForm<Values>();
  const [creating, setCreating] = useState(false);
  const base = { params: { path: { opportunity_id: opportunityId } } };
  const list = useQuery({
    queryKey: detailKeys.samples(opportunityId),
    queryFn: async () => (await unwrap(api.GET("/api/v1/opportunities/{opportunity_id}/samples", base))).items,
  });
  const refresh = () => void qc.invalidateQueries({ queryKey: detailKeys.samples(opportunityId) });
  const create = useMutation({
    mutationFn: (v: Values) => {
      const body: SampleCreate = {
        kind: v.kind,
        product: v.product.trim(),
        quantity: v.quantity,
        purpose: v.purpose.trim(),
        ship_to: v.ship_to?.trim() || null,
        needed_by: v.needed_by ? v.needed_by.format("YYYY-MM-DD") : null,
      };
      return unwrap(api.POST("/api/v1/opportunities/{opportunity_id}/samples", { ...base, body }));
    },
    onSuccess: () => {
      refresh();
      void qc.invalidateQueries({ queryKey: ["approvals"] });
    },
  });
  const ship = useMutation({
    mutationFn: (s: Sample) =>
      unwrap(api.POST("/api/v1/opportunities/{opportunity_id}/samples/{sample_id}/shipped", { params: { path: { opportunity_id: opportunityId, sample_id: s.id } } })),
    onSuccess: () => {
      message.success(t("opportunityDetail.samples.shippedDone"));
      refresh();
    },
    onError: (e) => report(e),
  });

  return (
    <Card
      size="small"
      title={t("opportunityDetail.samples.title", { n: list.data?.length ?? 0 })}
      extra={
        canEdit &&
        !closed && (
          <Button icon={<PlusOutlined />} onClick={() => setCreating(true)} data-testid="sample-add">
            {t("opportunityDetail.samples.add")}
          </Button>
        )
      }
    >
      <Table<Sample>
        size="small"
        rowKey="id"
        loading={list.isLoading}
        dataSource={list.data ?? []}
        pagination={false}
        scroll={{ x: 900 }}
        data-testid="sample-table"
        onRow={(s) => ({ "data-testid": "sample-row", "data-status": s.status }) as HTMLAttributes<HTMLElement>}
        columns={[
          { title: t("opportunityDetail.samples.kind"), dataIndex: "kind", key: "kind", render: (v: string) => <Tag>{translateDynamic(t, "opportunityDetail.sampleKind", v)}</Tag> },
          { title: t("opportunityDetail.samples.product"), dataIndex: "product", key: "product" },
          { title: t("opportunityDetail.samples.quantity"), dataIndex: "quantity", key: "quantity", align: "right" },
          { title: t("opportunityDetail.samples.purpose"), dataIndex: "purpose", key: "purpose", ellipsis: true },
          {
            title: t("opportunityDetail.samples.shipTo"),
            key: "ship",
            render: (_, s) => (
              <Space direction="vertical" size={0}>
                <span>{s.ship_to || "—"}</span>
                {s.needed_by && (
                  <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                    {t("opportunityDetail.samples.neededByShort", { date: fmtDate(s.needed_by) })}
                  </Typography.Text>
                )}
              </Space>
            ),
          },
          {
            title: t("common.status"),
            key: "status",
            render: (_, s) => (
              <Space direction="vertical" size={0}>
                <Tag color={STATUS_COLOR[s.status]} data-testid="sample-status">
                  {translateDynamic(t, "opportunityDetail.sampleStatus", s.status)}
                </Tag>
                {s.approval?.status === "pending" && s.approval.step_name && (
                  <Typography.Text type="secondary" style={{ fontSize: 12 }} data-testid="sample-step">
                    {t("opportunityDetail.samples.atStep", { step: s.approval.step_name })}
                  </Typography.Text>
                )}
                {s.approval && (
                  <Link to={`/approvals/${s.approval.id}`} data-testid="sample-approval">
                    {t("opportunityDetail.samples.viewApproval")}
                  </Link>
                )}
                {s.shipped_at && (
                  <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                    {t("opportunityDetail.samples.shippedAt", { at: fmtDateTime(s.shipped_at) })}
                  </Typography.Text>
                )}
              </Space>
            ),
          },
          { title: t("opportunityDetail.samples.requestedBy"), key: "by", render: (_, s) => `${s.requested_by?.display_name ?? ""} · ${fmtDateTime(s.created_at)}` },
          {
            title: t("common.actions"),
            key: "actions",
            render: (_, s) =>
              canEdit && s.status === "approved" ? (
                <Popconfirm title={t("opportunityDetail.samples.shipConfirm")} onConfirm={() => ship.mutate(s)}>
                  <Button type="link" size="small" data-testid="sample-ship">
                    {t("opportunityDetail.samples.ship")}
                  </Button>
                </Popconfirm>
              ) : null,
          },
        ]}
      />
      <Modal
        open={creating}
        title={t("opportunityDetail.samples.add")}
        onCancel={() => setCreating(false)}
        onOk={() => form.submit()}
        okText={t("opportunityDetail.samples.submit")}
        cancelText={t("common.cancel")}
        confirmLoading={create.isPending}
        okButtonProps={{ "data-testid": "sample-add-ok" } as Record<string, string>}
        destroyOnHidden
      >
        <Typography.Paragraph type="secondary">{t("opportunityDetail.samples.hint")}</Typography.Paragraph>
        <Form
          form={form}
          layout="vertical"
          preserve={false}
          initialValues={{ kind: "sample", quantity: 1 }}
          onFinish={(v) =>
            create.mutate(v, {
              onSuccess: (s) => {
                message.success(t("opportunityDetail.samples.submitted"));
                setCreating(false);
                if (s.status === "approved") refresh();
              },
              onError: (e) => report(e, { form }),
            })
          }
        >
          <Form.Item name="kind" label={t("opportunityDetail.samples.kind")}>
            <Radio.Group
              optionType="button"
              options={(["sample", "poc"] as const).map((k) => ({ value: k, label: t(`opportunityDetail.sampleKind.${k}`) }))}
              data-testid="sample-add-kind"
            />
          </Form.Item>
          <Space wrap>
            <Form.Item name="product" label={t("opportunityDetail.samples.product")} rules={[{ required: true, whitespace: true }]}>
              <Input maxLength={200} style={{ width: 260 }} data-testid="sample-add-product" />
            </Form.Item>
            <Form.Item name="quantity" label={t("opportunityDetail.samples.quantity")} rules={[{ required: true }]}>
              <InputNumber min={1} max={1_000_000} precision={0} data-testid="sample-add-quantity" />
            </Form.Item>
          </Space>
          <Form.Item name="purpose" label={t("opportunityDetail.samples.purpose")} rules={[{ required: true, whitespace: true }]}>
            <Input.TextArea rows={3} maxLength={1000} data-testid="sample-add-purpose" />
          </Form.Item>
          <Form.Item name="ship_to" label={t("opportunityDetail.samples.shipTo")}>
            <Input maxLength={300} />
          </Form.Item>
          <Form.Item name="needed_by" label={t("opportunityDetail.samples.neededBy")}>
            <DatePicker disabledDate={(d) => d.isBefore(dayjs().startOf("day"))} />
          </Form.Item>
        </Form>
      </Modal>
    </Card>
  );
}

/**
 * "Who would approve" (谁来审批): the facts of an imagined request → the flow and version it
 * would follow and, step by step, whether the step applies and who would decide it.
 */
import { useMutation } from "@tanstack/react-query";
import { Alert, Button, Card, Col, Empty, Form, Input, List, Row, Select, Space, Tag, Tooltip, Typography } from "antd";
import { useState } from "react";
import { api, unwrap } from "../../api/client";
import { UserSelect, ZoneSelect } from "../../components/selects";
import { useApiError } from "../../components/useApiError";
import { useT } from "../../i18n/context";
import { DECIMAL_RE, LEVELS, REQUEST_KINDS, decimalBelow, previewBody, type PreviewForm, type PreviewOut, type PreviewStep } from "./ApprovalFlowsHelpers";

function StepResult({ step }: { step: PreviewStep }) {
  const t = useT();
  const id = `approval-preview-step-${step.index}`;
  return (
    <List.Item data-testid={id} style={{ display: "block" }}>
      <Space wrap style={{ marginBottom: 4 }}>
        <Typography.Text strong>
          {step.index + 1}. {step.name || t("approvalFlow.stepN", { n: step.index + 1 })}
        </Typography.Text>
        <Tag>{t(`approvalFlow.mode.${step.mode}`)}</Tag>
        {step.applies ? (
          <Tag color="green" data-testid={`${id}-applies`}>
            {t("approvalFlow.preview.applies")}
          </Tag>
        ) : (
          <Tag data-testid={`${id}-skipped`}>{t("approvalFlow.preview.skipped")}</Tag>
        )}
        {step.applies && step.to_admin_queue && (
          <Tooltip title={t("approvalFlow.preview.adminQueueHint")}>
            <Tag color="warning" data-testid={`${id}-admin-queue`}>
              {t("approvalFlow.preview.adminQueue")}
            </Tag>
          </Tooltip>
        )}
      </Space>
      {step.applies && (
        <div>
          <Typography.Text type="secondary">{t("approvalFlow.labelled", { label: t("approvalFlow.preview.approvers"), text: "" })}</Typography.Text>
          {step.approvers.length ? (
            <span data-testid={`${id}-approvers`}>
              {step.approvers.map((u) => (
                <Tag key={u.id} color="blue">
                  {u.display_name}
                </Tag>
              ))}
            </span>
          ) : (
            <Typography.Text type="warning">{t("approvalFlow.preview.nobody")}</Typography.Text>
          )}
        </div>
      )}
      {step.applies && step.to_admin_queue && (
        <Typography.Paragraph type="warning" style={{ margin: "4px 0 0" }}>
          {t("approvalFlow.preview.adminQueueHint")}
        </Typography.Paragraph>
      )}
      {step.self_approval && (
        <Typography.Paragraph type="secondary" style={{ margin: "4px 0 0" }} data-testid={`${id}-self`}>
          {t(`approvalFlow.preview.self.${step.self_approval}`)}
        </Typography.Paragraph>
      )}
      {!step.applies && (
        <Typography.Paragraph type="secondary" style={{ margin: 0 }}>
          {t("approvalFlow.preview.skippedHint")}
        </Typography.Paragraph>
      )}
    </List.Item>
  );
}

function decimalRule(t: ReturnType<typeof useT>, max100 = false) {
  return {
    validator: async (_: unknown, v: string | null | undefined) => {
      const s = (v ?? "").trim();
      if (!s) return;
      if (!DECIMAL_RE.test(s)) throw new Error(t("approvalFlow.decimalInvalid"));
      if (max100 && decimalBelow("100", s)) throw new Error(t("approvalFlow.percentInvalid"));
    },
  };
}

export function ApprovalFlowPreview() {
  const t = useT();
  const report = useApiError();
  const [form] = Form.useForm<PreviewForm>();
  const [result, setResult] = useState<PreviewOut | null>(null);
  const run = useMutation({
    mutationFn: (v: PreviewForm) => unwrap(api.POST("/api/v1/approval-flows/preview", { body: previewBody(v) })),
    onSuccess: setResult,
    onError: (e) => report(e, { form }),
  });
  const levelOptions = LEVELS.map((l) => ({ value: l, label: t(`customer.level.${l}`) }));
  return (
    <Card title={t("approvalFlow.preview.title")} data-testid="approval-preview">
      <Typography.Paragraph type="secondary">{t("approvalFlow.preview.hint")}</Typography.Paragraph>
      <Form<PreviewForm> form={form} layout="vertical" initialValues={{ kind: "sample" }} onFinish={(v) => run.mutate(v)} onValuesChange={() => setResult(null)}>
        <Row gutter={12}>
          <Col xs={24} md={8}>
            <Form.Item name="kind" label={t("approvalFlow.kind")} rules={[{ required: true }]}>
              <Select options={REQUEST_KINDS.map((k) => ({ value: k, label: t(`approvalKind.${k}`) }))} data-testid="approval-preview-kind" />
            </Form.Item>
          </Col>
          <Col xs={24} md={8}>
            <Form.Item name="applicant_id" label={t("approvalFlow.preview.applicant")} rules={[{ required: true, message: t("approvalFlow.preview.applicantRequired") }]}>
              <UserSelect data-testid="approval-preview-applicant" />
            </Form.Item>
          </Col>
          <Col xs={24} md={8}>
            <Form.Item name="owner_id" label={t("approvalFlow.preview.owner")} extra={t("approvalFlow.preview.ownerHint")}>
              <UserSelect data-testid="approval-preview-owner" />
            </Form.Item>
          </Col>
          <Col xs={12} md={6}>
            <Form.Item name="amount" label={t("approvalFlow.field.amount")} rules={[decimalRule(t)]}>
              <Input inputMode="decimal" data-testid="approval-preview-amount" />
            </Form.Item>
          </Col>
          <Col xs={12} md={6}>
            <Form.Item name="quantity" label={t("approvalFlow.field.quantity")} rules={[decimalRule(t)]}>
              <Input inputMode="decimal" data-testid="approval-preview-quantity" />
            </Form.Item>
          </Col>
          <Col xs={12} md={6}>
            <Form.Item name="discount_pct" label={t("approvalFlow.field.discount_pct")} rules={[decimalRule(t, true)]}>
              <Input inputMode="decimal" suffix="%" data-testid="approval-preview-discount" />
            </Form.Item>
          </Col>
          <Col xs={12} md={6}>
            <Form.Item name="category" label={t("approvalFlow.field.category")} rules={[{ max: 100 }]}>
              <Input maxLength={100} data-testid="approval-preview-category" />
            </Form.Item>
          </Col>
          <Col xs={12} md={6}>
            <Form.Item name="customer_level" label={t("approvalFlow.field.customer_level")}>
              <Select allowClear options={levelOptions} data-testid="approval-preview-customer-level" />
            </Form.Item>
          </Col>
          <Col xs={12} md={6}>
            <Form.Item name="to_level" label={t("approvalFlow.field.to_level")}>
              <Select allowClear options={levelOptions} data-testid="approval-preview-to-level" />
            </Form.Item>
          </Col>
          <Col xs={24} md={12}>
            <Form.Item name="zone_id" label={t("approvalFlow.field.zone_id")}>
              <ZoneSelect data-testid="approval-preview-zone" />
            </Form.Item>
          </Col>
        </Row>
        <Button type="primary" htmlType="submit" loading={run.isPending} data-testid="approval-preview-run">
          {t("approvalFlow.preview.run")}
        </Button>
      </Form>
      {result && (
        <div style={{ marginTop: 16 }} data-testid="approval-preview-result">
          {result.flow_id ? (
            <>
              <Alert
                type="info"
                showIcon
                data-testid="approval-preview-flow"
                message={t("approvalFlow.preview.flow", { name: result.flow_name ?? "", n: result.flow_version ?? "" })}
              />
              <List dataSource={result.steps} rowKey="index" renderItem={(s) => <StepResult step={s} />} />
              {result.steps.every((s) => !s.applies) && <Empty description={t("approvalFlow.preview.noSteps")} image={Empty.PRESENTED_IMAGE_SIMPLE} />}
            </>
          ) : (
            <Alert type="warning" showIcon data-testid="approval-preview-no-flow" message={t("approvalFlow.preview.noFlow")} />
          )}
        </div>
      )}
    </Card>
  );
}

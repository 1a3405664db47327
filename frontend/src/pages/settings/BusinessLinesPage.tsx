/**
 * Settings › business lines & stages (业务线与阶段): one tab per line; the line's own fields
 * (name, description, grade thresholds, active, default, order) and its stage designer. Admins
 * (business_line:manage) edit, create and delete lines; everyone else reads.
 */
import { DeleteOutlined, PlusOutlined } from "@ant-design/icons";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Alert, App, Button, Card, Col, Empty, Form, Input, InputNumber, Modal, Popconfirm, Row, Space, Spin, Switch, Tabs, Tag, Typography } from "antd";
import { useMemo, useState } from "react";
import { api, ifMatch, unwrap } from "../../api/client";
import { useCan } from "../../auth/context";
import { useApiError } from "../../components/useApiError";
import { localLabel, useLang, useT } from "../../i18n/context";
import {
  AMOUNT_RE,
  BUSINESS_LINE,
  CODE_RE,
  compareDecimal,
  lineToForm,
  lineUpdateBody,
  type BusinessLine,
  type LineForm,
} from "./BusinessLinesHelpers";
import { LINE_KEYS, fetchCriteriaOptions, fetchLines } from "./BusinessLinesQueries";
import { StageDesigner } from "./BusinessLinesStages";

const GRADE_ALIASES = { "grade_thresholds.A": ["grade_a"], "grade_thresholds.B": ["grade_b"] };

/** The A / B amount inputs: decimals as strings, A ≥ B > 0. */
function GradeFields({ testIdPrefix }: { testIdPrefix: string }) {
  const t = useT();
  const amount = { pattern: AMOUNT_RE, message: t("businessLines.amountInvalid") };
  return (
    <Row gutter={16}>
      <Col xs={24} md={12}>
        <Form.Item
          name="grade_a"
          label={t("businessLines.line.gradeA")}
          dependencies={["grade_b"]}
          rules={[
            { required: true, message: t("businessLines.amountInvalid") },
            amount,
            ({ getFieldValue }) => ({
              validator: (_, v: string) => {
                const b = String(getFieldValue("grade_b") ?? "").trim();
                if (!v || !AMOUNT_RE.test(v.trim()) || !AMOUNT_RE.test(b)) return Promise.resolve();
                return compareDecimal(v.trim(), b) < 0 ? Promise.reject(new Error(t("businessLines.gradeOrder"))) : Promise.resolve();
              },
            }),
          ]}
        >
          <Input inputMode="decimal" data-testid={`${testIdPrefix}-grade-a`} />
        </Form.Item>
      </Col>
      <Col xs={24} md={12}>
        <Form.Item
          name="grade_b"
          label={t("businessLines.line.gradeB")}
          extra={t("businessLines.line.gradesHint")}
          rules={[
            { required: true, message: t("businessLines.amountInvalid") },
            amount,
            { validator: (_, v: string) => (v && AMOUNT_RE.test(v.trim()) && compareDecimal(v.trim(), "0") <= 0 ? Promise.reject(new Error(t("businessLines.gradePositive"))) : Promise.resolve()) },
          ]}
        >
          <Input inputMode="decimal" data-testid={`${testIdPrefix}-grade-b`} />
        </Form.Item>
      </Col>
    </Row>
  );
}

/** The line's own fields (PATCH with If-Match) and, for admins, deleting it. */
function LineCard({ line, mayManage, onDeleted }: { line: BusinessLine; mayManage: boolean; onDeleted: () => void }) {
  const t = useT();
  const { message } = App.useApp();
  const report = useApiError();
  const qc = useQueryClient();
  const [form] = Form.useForm<LineForm>();
  const initial = useMemo(() => lineToForm(line), [line]);
  const invalidate = () => qc.invalidateQueries({ queryKey: LINE_KEYS.all });

  const save = useMutation({
    mutationFn: (v: LineForm) =>
      unwrap(
        api.PATCH("/api/v1/business-lines/{line_id}", {
          params: { path: { line_id: line.id } },
          body: lineUpdateBody(initial, v),
          headers: { "If-Match": ifMatch(line) },
        }),
      ),
    onSuccess: () => {
      void message.success(t("businessLines.saved"));
      void invalidate();
    },
    onError: (e) => report(e, { form, aliases: GRADE_ALIASES, onStale: () => void invalidate() }),
  });
  const remove = useMutation({
    mutationFn: () => unwrap(api.DELETE("/api/v1/business-lines/{line_id}", { params: { path: { line_id: line.id } } })),
    onSuccess: () => {
      void message.success(t("businessLines.line.deleted"));
      onDeleted();
      void invalidate();
    },
    onError: (e) => report(e),
  });

  return (
    <Card
      size="small"
      title={
        <Space>
          {t("businessLines.line.section")}
          <Typography.Text type="secondary" code data-testid="bl-line-code">
            {line.code}
          </Typography.Text>
          <Typography.Text type="secondary">{t("businessLines.version", { n: line.version })}</Typography.Text>
        </Space>
      }
      extra={
        mayManage && (
          <Popconfirm title={t("businessLines.line.deleteConfirm", { name: line.name })} onConfirm={() => remove.mutate()} disabled={line.is_default}>
            <Button danger size="small" icon={<DeleteOutlined />} disabled={line.is_default} loading={remove.isPending} data-testid="bl-line-delete">
              {t("businessLines.line.delete")}
            </Button>
          </Popconfirm>
        )
      }
      data-testid="bl-line"
    >
      <Form<LineForm> form={form} layout="vertical" initialValues={initial} disabled={!mayManage} onFinish={(v) => save.mutate(v)}>
        <Row gutter={16}>
          <Col xs={24} md={12}>
            <Form.Item name="name" label={t("businessLines.line.name")} rules={[{ required: true, whitespace: true, max: 100, message: t("businessLines.nameRequired") }]}>
              <Input data-testid="bl-line-name" />
            </Form.Item>
          </Col>
          <Col xs={12} md={4}>
            <Form.Item name="position" label={t("businessLines.line.position")}>
              <InputNumber min={0} max={1000} precision={0} data-testid="bl-line-position" />
            </Form.Item>
          </Col>
          <Col xs={12} md={4}>
            <Form.Item name="is_active" label={t("businessLines.line.active")} valuePropName="checked">
              <Switch disabled={line.is_default} data-testid="bl-line-active" />
            </Form.Item>
          </Col>
          <Col xs={12} md={4}>
            <Form.Item name="is_default" label={t("businessLines.line.isDefault")} valuePropName="checked" tooltip={t("businessLines.line.defaultHint")}>
              <Switch disabled={line.is_default} data-testid="bl-line-default" />
            </Form.Item>
          </Col>
        </Row>
        <Form.Item name="description" label={t("businessLines.line.description")} rules={[{ max: 2000 }]}>
          <Input.TextArea autoSize={{ minRows: 1, maxRows: 4 }} data-testid="bl-line-description" />
        </Form.Item>
        <GradeFields testIdPrefix="bl" />
        {mayManage && (
          <Button type="primary" loading={save.isPending} onClick={() => form.submit()} data-testid="bl-line-save">
            {t("businessLines.line.save")}
          </Button>
        )}
      </Form>
    </Card>
  );
}

interface NewLineForm {
  code: string;
  name: string;
  description: string;
  grade_a: string;
  grade_b: string;
}

function NewLineDialog({ open, onClose, onCreated }: { open: boolean; onClose: () => void; onCreated: (id: string) => void }) {
  const t = useT();
  const { message } = App.useApp();
  const report = useApiError();
  const qc = useQueryClient();
  const [form] = Form.useForm<NewLineForm>();
  const create = useMutation({
    mutationFn: (v: NewLineForm) =>
      unwrap(
        api.POST("/api/v1/business-lines", {
          body: {
            code: v.code.trim(),
            name: v.name.trim(),
            description: v.description?.trim() || null,
            grade_thresholds: { A: v.grade_a.trim(), B: v.grade_b.trim() },
          },
        }),
      ),
    onSuccess: (made) => {
      void message.success(t("businessLines.created"));
      qc.setQueryData<BusinessLine[]>(LINE_KEYS.list, (old) => (old ? [...old, made] : old));
      void qc.invalidateQueries({ queryKey: LINE_KEYS.all });
      form.resetFields();
      onCreated(made.id);
    },
    onError: (e) => report(e, { form, aliases: GRADE_ALIASES }),
  });
  return (
    <Modal
      open={open}
      title={t("businessLines.newDialog.title")}
      onCancel={onClose}
      onOk={() => form.submit()}
      okButtonProps={{ loading: create.isPending, "data-testid": "bl-new-submit" }}
      forceRender
    >
      <Form<NewLineForm> form={form} layout="vertical" onFinish={(v) => create.mutate(v)} initialValues={{ code: "", name: "", description: "", grade_a: "", grade_b: "" }}>
        <Form.Item name="code" label={t("businessLines.line.code")} extra={t("businessLines.line.codeHint")} rules={[{ required: true, pattern: CODE_RE, message: t("businessLines.codeInvalid") }]}>
          <Input data-testid="bl-new-code" />
        </Form.Item>
        <Form.Item name="name" label={t("businessLines.line.name")} rules={[{ required: true, whitespace: true, max: 100, message: t("businessLines.nameRequired") }]}>
          <Input data-testid="bl-new-name" />
        </Form.Item>
        <Form.Item name="description" label={t("businessLines.line.description")} rules={[{ max: 2000 }]}>
          <Input.TextArea autoSize={{ minRows: 1, maxRows: 4 }} />
        </Form.Item>
        <GradeFields testIdPrefix="bl-new" />
        <Typography.Paragraph type="secondary">{t("businessLines.newDialog.stagesNote")}</Typography.Paragraph>
      </Form>
    </Modal>
  );
}

export function BusinessLinesPage() {
  const t = useT();
  const { lang } = useLang();
  const can = useCan();
  const mayManage = can(BUSINESS_LINE, "manage");
  const lines = useQuery({ queryKey: LINE_KEYS.list, queryFn: fetchLines });
  const options = useQuery({ queryKey: LINE_KEYS.options, queryFn: fetchCriteriaOptions, staleTime: 10 * 60_000 });
  const [picked, setPicked] = useState<string | null>(null);
  const [creating, setCreating] = useState(false);
  const all = lines.data ?? [];
  const current = all.find((l) => l.id === picked) ?? all.find((l) => l.is_default) ?? all[0];

  return (
    <Card
      title={t("businessLines.title")}
      data-testid="business-lines"
      extra={
        mayManage && (
          <Button type="primary" icon={<PlusOutlined />} onClick={() => setCreating(true)} data-testid="bl-new">
            {t("businessLines.new")}
          </Button>
        )
      }
    >
      <Typography.Paragraph type="secondary">{t("businessLines.hint")}</Typography.Paragraph>
      {!mayManage && <Alert type="info" showIcon style={{ marginBottom: 12 }} message={t("businessLines.readOnly")} />}
      {lines.isLoading ? (
        <Spin />
      ) : lines.error ? (
        <Alert type="error" showIcon message={lines.error.message} />
      ) : !current ? (
        <Empty description={t("businessLines.empty")} />
      ) : (
        <>
          <Tabs
            activeKey={current.id}
            onChange={setPicked}
            data-testid="bl-tabs"
            items={all.map((l) => ({
              key: l.id,
              label: (
                <span data-testid={`bl-tab-${l.code}`}>
                  {localLabel(l.name, lang)}
                  {l.is_default && (
                    <Tag color="blue" style={{ marginInlineStart: 6 }}>
                      {t("businessLines.default")}
                    </Tag>
                  )}
                  {!l.is_active && <Tag style={{ marginInlineStart: 6 }}>{t("businessLines.inactive")}</Tag>}
                </span>
              ),
            }))}
          />
          <Space direction="vertical" size="middle" style={{ width: "100%" }}>
            <LineCard key={`line-${current.id}-${current.version}`} line={current} mayManage={mayManage} onDeleted={() => setPicked(null)} />
            <StageDesigner key={`stages-${current.id}-${current.version}`} line={current} options={options.data} mayManage={mayManage} />
          </Space>
        </>
      )}
      {mayManage && (
        <NewLineDialog
          open={creating}
          onClose={() => setCreating(false)}
          onCreated={(id) => {
            setCreating(false);
            setPicked(id);
          }}
        />
      )}
    </Card>
  );
}

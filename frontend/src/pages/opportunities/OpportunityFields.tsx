/** Form pieces shared by the new-opportunity and registration drawers. */
import { DeleteOutlined, PlusOutlined } from "@ant-design/icons";
import { useQuery } from "@tanstack/react-query";
import { Alert, Button, Col, DatePicker, Form, Input, InputNumber, Radio, Row, Select, Space } from "antd";
import { useEffect, useMemo, useState, type CSSProperties } from "react";
import { api, unwrap } from "../../api/client";
import { UserSelect } from "../../components/selects";
import { localLabel, useLang, useT } from "../../i18n/context";
import { CURRENCIES, SPECIAL_KINDS, amountRules, dateField, openStages, orderedLines, type BusinessLine } from "./opportunityHelpers";

function useDebounced<T>(value: T, ms = 300): T {
  const [v, setV] = useState(value);
  useEffect(() => {
    const h = setTimeout(() => setV(value), ms);
    return () => clearTimeout(h);
  }, [value, ms]);
  return v;
}

/** A customer found by name (GET /customers?q=). */
export function CustomerPicker({
  value,
  onChange,
  initial,
  ...rest
}: {
  value?: string | null;
  onChange?: (v: string | null) => void;
  initial?: { id: string; name: string } | null;
  "data-testid"?: string;
}) {
  const t = useT();
  const [q, setQ] = useState("");
  const dq = useDebounced(q.trim());
  const { data, isFetching } = useQuery({
    queryKey: ["customers", "opportunity-picker", dq],
    queryFn: () => unwrap(api.GET("/api/v1/customers", { params: { query: { ...(dq ? { q: dq } : {}), limit: 20 } } })),
    staleTime: 30_000,
  });
  const options = useMemo(() => {
    const opts = (data?.items ?? []).map((c) => ({ value: c.id, label: c.name }));
    if (initial && !opts.some((o) => o.value === initial.id)) opts.unshift({ value: initial.id, label: initial.name });
    return opts;
  }, [data, initial]);
  return (
    <Select
      showSearch
      allowClear
      filterOption={false}
      onSearch={setQ}
      loading={isFetching}
      options={options}
      placeholder={t("opportunity.customerSearch")}
      value={value ?? undefined}
      onChange={(v) => onChange?.(v ?? null)}
      data-testid={rest["data-testid"]}
    />
  );
}

/** The business-line select (active lines, the default first). */
export function LineSelect({
  lines,
  value,
  onChange,
  ...rest
}: {
  lines: BusinessLine[];
  value?: string;
  onChange?: (v: string) => void;
  "data-testid"?: string;
  allowClear?: boolean;
  style?: CSSProperties;
}) {
  const { lang } = useLang();
  return (
    <Select
      value={value}
      onChange={onChange}
      allowClear={rest.allowClear}
      style={rest.style}
      data-testid={rest["data-testid"]}
      options={orderedLines(lines).map((l) => ({ value: l.id, label: localLabel(l.name, lang) }))}
    />
  );
}

/**
 * The opportunity's own fields: line, name, amount + currency, close date, products, main
 * product, priority, next step, description, special kind + reason; for managers also the
 * owner and the starting stage.
 */
export function OpportunityFields({ lines, manager }: { lines: BusinessLine[]; manager: boolean }) {
  const t = useT();
  const { lang } = useLang();
  const form = Form.useFormInstance();
  const lineId = Form.useWatch("business_line_id", form) as string | undefined;
  const specialKind = Form.useWatch("special_kind", form) as string | undefined;
  const line = lines.find((l) => l.id === lineId);

  return (
    <>
      <Form.Item name="business_line_id" label={t("opportunity.businessLine")} rules={[{ required: true }]}>
        <LineSelect lines={lines} data-testid="opportunity-line" onChange={() => form.setFieldValue("stage_id", undefined)} />
      </Form.Item>
      <Form.Item name="name" label={t("opportunity.name")} rules={[{ required: true, whitespace: true, max: 200 }]}>
        <Input data-testid="opportunity-name" />
      </Form.Item>
      <Row gutter={12}>
        <Col span={16}>
          <Form.Item name="amount" label={t("opportunity.amount")} rules={amountRules(t)}>
            <Input inputMode="decimal" placeholder="0.00" data-testid="opportunity-amount" />
          </Form.Item>
        </Col>
        <Col span={8}>
          <Form.Item name="currency" label={t("opportunity.currency")}>
            <Select data-testid="opportunity-currency" options={CURRENCIES.map((c) => ({ value: c, label: c }))} />
          </Form.Item>
        </Col>
      </Row>
      <Form.Item name="expected_close_date" label={t("opportunity.expectedClose")} {...dateField}>
        <DatePicker style={{ width: "100%" }} data-testid="opportunity-close-date" />
      </Form.Item>
      <Form.Item label={t("opportunity.products")}>
        <Form.List name="products">
          {(fields, { add, remove }) => (
            <Space direction="vertical" style={{ width: "100%" }}>
              {fields.map((f, i) => (
                <Space key={f.key} align="baseline" style={{ display: "flex" }}>
                  <Form.Item name={[f.name, "name"]} rules={[{ required: true, whitespace: true, max: 200 }]} noStyle>
                    <Input placeholder={t("opportunity.productName")} data-testid={`opportunity-product-name-${i}`} style={{ width: 240 }} />
                  </Form.Item>
                  <Form.Item name={[f.name, "quantity"]} noStyle>
                    <InputNumber min={1} precision={0} placeholder={t("opportunity.quantity")} data-testid={`opportunity-product-qty-${i}`} />
                  </Form.Item>
                  <Button type="text" icon={<DeleteOutlined />} onClick={() => remove(f.name)} aria-label={t("common.delete")} />
                </Space>
              ))}
              <Button icon={<PlusOutlined />} onClick={() => add({})} data-testid="opportunity-product-add">
                {t("opportunity.addProduct")}
              </Button>
            </Space>
          )}
        </Form.List>
      </Form.Item>
      <Form.Item name="product" label={t("opportunity.mainProduct")} extra={t("opportunity.mainProductHelp")} rules={[{ max: 100 }]}>
        <Input data-testid="opportunity-main-product" />
      </Form.Item>
      <Form.Item name="priority" label={t("opportunity.priority")}>
        <Radio.Group data-testid="opportunity-priority">
          <Radio value="normal">{t("opportunity.priority.normal")}</Radio>
          <Radio value="key">{t("opportunity.priority.key")}</Radio>
        </Radio.Group>
      </Form.Item>
      {manager && (
        <>
          <Form.Item name="owner_id" label={t("opportunity.owner")} extra={t("opportunity.ownerHelp")}>
            <UserSelect data-testid="opportunity-owner" />
          </Form.Item>
          <Form.Item name="stage_id" label={t("opportunity.startStage")}>
            <Select
              allowClear
              data-testid="opportunity-stage"
              placeholder={openStages(line)[0] ? localLabel(openStages(line)[0]!.name, lang) : undefined}
              options={openStages(line).map((s) => ({ value: s.id, label: localLabel(s.name, lang) }))}
            />
          </Form.Item>
        </>
      )}
      <Form.Item name="next_step" label={t("opportunity.nextStep")} rules={[{ max: 500 }]}>
        <Input data-testid="opportunity-next-step" />
      </Form.Item>
      <Form.Item name="description" label={t("opportunity.description")} rules={[{ max: 5000 }]}>
        <Input.TextArea rows={3} data-testid="opportunity-description" />
      </Form.Item>
      <Form.Item name="special_kind" label={t("opportunity.specialKind")}>
        <Select
          allowClear
          data-testid="opportunity-special-kind"
          options={SPECIAL_KINDS.map((k) => ({ value: k, label: t(`opportunity.special.${k}`) }))}
        />
      </Form.Item>
      {specialKind && (
        <>
          <Alert type="info" showIcon message={t("opportunity.specialHelp")} style={{ marginBottom: 12 }} data-testid="opportunity-special-help" />
          <Form.Item name="special_reason" label={t("opportunity.specialReason")} rules={[{ required: true, whitespace: true, max: 1000 }]}>
            <Input.TextArea rows={2} data-testid="opportunity-special-reason" />
          </Form.Item>
        </>
      )}
    </>
  );
}

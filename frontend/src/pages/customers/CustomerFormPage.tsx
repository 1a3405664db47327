import { DeleteOutlined, PlusOutlined } from "@ant-design/icons";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { App, Button, Card, Col, DatePicker, Divider, Form, Input, Radio, Result, Row, Select, Space, Spin, Switch } from "antd";
import dayjs, { type Dayjs } from "dayjs";
import { useEffect, useMemo, useState } from "react";
import { useNavigate, useParams } from "react-router";
import { api, ifMatch, unwrap } from "../../api/client";
import { isApiError, type NamePath } from "../../api/problem";
import type { Customer, CustomerCreate, CustomerKind, CustomerUpdate } from "../../api/types";
import { cleanBody } from "../../components/format";
import { RegionCascader } from "../../components/RegionCascader";
import { useApiError } from "../../components/useApiError";
import { useT } from "../../i18n/context";
import { NotFoundPage } from "../NotFoundPage";
import { DECISION_ROLES } from "./constants";
import { customerKey, fetchCustomer, retryUnlessClientError } from "./customerQueries";

interface ContactRow {
  name?: string;
  title?: string;
  mobile?: string;
  email?: string;
  decision_role?: string | null;
  is_key_person?: boolean;
}

interface FormValues {
  kind: CustomerKind;
  name: string;
  short_name?: string;
  industry?: string;
  uscc?: string;
  country?: string;
  region?: string[];
  address?: string;
  size?: string;
  company_type?: string;
  phone?: string;
  fax?: string;
  email?: string;
  website?: string;
  parent_id?: string | null;
  notes?: string;
  gender?: string | null;
  birthday?: Dayjs | null;
  mobile?: string;
  id_type?: string | null;
  id_number?: string;
  occupation?: string;
  position?: string;
  education?: string;
  level?: Customer["level"];
  tier?: Customer["tier"];
  contacts?: ContactRow[];
}

const ENTERPRISE_FIELDS = [
  "short_name",
  "industry",
  "uscc",
  "country",
  "address",
  "size",
  "company_type",
  "phone",
  "fax",
  "email",
  "website",
  "parent_id",
  "notes",
] as const;
const INDIVIDUAL_FIELDS = ["gender", "mobile", "email", "id_type", "id_number", "address", "industry", "occupation", "position", "education"] as const;

/** Server field errors on the region parts are shown on the cascader. */
const ALIASES: Record<string, NamePath> = {
  province_code: ["region"],
  city_code: ["region"],
  district_code: ["region"],
};

function toFormValues(c: Customer): FormValues {
  return {
    kind: c.kind,
    name: c.name,
    short_name: c.short_name ?? undefined,
    industry: c.industry ?? undefined,
    uscc: c.uscc ?? undefined,
    country: c.country ?? undefined,
    region: [c.province_code, c.city_code, c.district_code].filter((x): x is string => Boolean(x)),
    address: c.address ?? undefined,
    size: c.size ?? undefined,
    company_type: c.company_type ?? undefined,
    phone: c.phone ?? undefined,
    fax: c.fax ?? undefined,
    email: c.email ?? undefined,
    website: c.website ?? undefined,
    parent_id: c.parent?.id ?? null,
    notes: c.notes ?? undefined,
    gender: c.gender ?? null,
    birthday: c.birthday ? dayjs(c.birthday) : null,
    mobile: c.mobile ?? undefined,
    id_type: c.id_type ?? null,
    id_number: c.id_number ?? undefined,
    occupation: c.occupation ?? undefined,
    position: c.position ?? undefined,
    education: c.education ?? undefined,
    level: c.level,
    tier: c.tier ?? null,
  };
}

function toBody(v: FormValues, mode: "create" | "update"): Record<string, unknown> {
  const fields = v.kind === "enterprise" ? ENTERPRISE_FIELDS : INDIVIDUAL_FIELDS;
  const base: Record<string, unknown> = { name: v.name, level: v.level, tier: v.tier ?? null };
  for (const f of fields) base[f] = v[f];
  const [province, city, district] = v.region ?? [];
  base.province_code = province ?? null;
  base.city_code = city ?? null;
  base.district_code = district ?? null;
  if (v.kind === "individual") base.birthday = v.birthday ? v.birthday.format("YYYY-MM-DD") : null;
  const body = cleanBody(base, mode);
  if (mode === "create") {
    body.kind = v.kind;
    if (v.kind === "enterprise") {
      const contacts = (v.contacts ?? []).filter((c) => c.name?.trim() || c.mobile?.trim()).map((c) => cleanBody(c, "create"));
      if (contacts.length) body.contacts = contacts;
    }
  }
  return body;
}

function ParentSelect({ value, onChange, initial }: { value?: string | null; onChange?: (v: string | null) => void; initial?: { id: string; name: string } | null }) {
  const [q, setQ] = useState("");
  const { data, isFetching } = useQuery({
    queryKey: ["customers", "parent-search", q],
    queryFn: () => unwrap(api.GET("/api/v1/customers", { params: { query: { q, kind: "enterprise", limit: 20 } } })),
    enabled: q.length > 0,
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
      value={value ?? undefined}
      onChange={(v) => onChange?.(v ?? null)}
    />
  );
}

const emptyContact = (): ContactRow => ({ is_key_person: false });

export function CustomerFormPage() {
  const { id } = useParams();
  const editing = Boolean(id);
  const t = useT();
  const navigate = useNavigate();
  const report = useApiError();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const [form] = Form.useForm<FormValues>();
  const kind = Form.useWatch("kind", form) ?? "enterprise";

  const existing = useQuery({
    queryKey: customerKey(id ?? ""),
    queryFn: () => fetchCustomer(id ?? ""),
    enabled: editing,
    retry: retryUnlessClientError,
  });

  useEffect(() => {
    if (existing.data) form.setFieldsValue(toFormValues(existing.data.customer));
  }, [existing.data, form]);

  const save = useMutation({
    mutationFn: async (v: FormValues) => {
      if (editing && existing.data) {
        return unwrap(
          api.PATCH("/api/v1/customers/{customer_id}", {
            params: { path: { customer_id: existing.data.customer.id } },
            body: toBody(v, "update") as CustomerUpdate,
            headers: { "If-Match": ifMatch(existing.data.customer, existing.data.etag) },
          }),
        );
      }
      return unwrap(
        api.POST("/api/v1/customers", {
          body: toBody(v, "create") as CustomerCreate,
          headers: { "Idempotency-Key": crypto.randomUUID() },
        }),
      );
    },
    onSuccess: (c) => {
      message.success(editing ? t("common.saved") : t("common.created"));
      void queryClient.invalidateQueries({ queryKey: ["customers"] });
      navigate(`/customers/${c.id}`);
    },
    onError: (e) => report(e, { form, aliases: ALIASES, onStale: () => void existing.refetch() }),
  });

  if (editing && existing.isPending) {
    return (
      <div style={{ textAlign: "center", padding: 64 }}>
        <Spin size="large" />
      </div>
    );
  }
  if (editing && existing.isError) {
    if (isApiError(existing.error) && existing.error.status === 404) return <NotFoundPage />;
    return <Result status="error" title={t("common.error")} subTitle={existing.error.message} />;
  }

  const initialValues: Partial<FormValues> = editing
    ? existing.data
      ? toFormValues(existing.data.customer)
      : {}
    : { kind: "enterprise", level: "normal", contacts: [emptyContact(), emptyContact()] };

  return (
    <Card title={editing ? t("customer.edit") : t("customer.new")}>
      <Form<FormValues>
        form={form}
        layout="vertical"
        initialValues={initialValues}
        onFinish={(v) => save.mutate(v)}
        data-testid="customer-form"
        scrollToFirstError
      >
        <Form.Item name="kind" label={t("customer.kind")}>
          <Radio.Group disabled={editing} data-testid="customer-kind" optionType="button">
            <Radio.Button value="enterprise" data-testid="customer-kind-enterprise">
              {t("customer.kind.enterprise")}
            </Radio.Button>
            <Radio.Button value="individual" data-testid="customer-kind-individual">
              {t("customer.kind.individual")}
            </Radio.Button>
          </Radio.Group>
        </Form.Item>
        <Row gutter={16}>
          <Col xs={24} md={12}>
            <Form.Item name="name" label={t("customer.name")} rules={[{ required: true, whitespace: true }]}>
              <Input data-testid="customer-name-input" maxLength={200} />
            </Form.Item>
          </Col>
          {kind === "enterprise" ? (
            <>
              <Col xs={24} md={12}>
                <Form.Item name="short_name" label={t("customer.shortName")}>
                  <Input data-testid="customer-short-name-input" />
                </Form.Item>
              </Col>
              <Col xs={24} md={12}>
                <Form.Item name="uscc" label={t("customer.uscc")}>
                  <Input data-testid="customer-uscc-input" maxLength={18} />
                </Form.Item>
              </Col>
              <Col xs={24} md={12}>
                <Form.Item name="industry" label={t("customer.industry")}>
                  <Input data-testid="customer-industry-input" />
                </Form.Item>
              </Col>
            </>
          ) : (
            <>
              <Col xs={24} md={6}>
                <Form.Item name="gender" label={t("customer.gender")}>
                  <Select
                    allowClear
                    options={[
                      { value: "male", label: t("customer.gender.male") },
                      { value: "female", label: t("customer.gender.female") },
                    ]}
                  />
                </Form.Item>
              </Col>
              <Col xs={24} md={6}>
                <Form.Item name="birthday" label={t("customer.birthday")}>
                  <DatePicker style={{ width: "100%" }} />
                </Form.Item>
              </Col>
              <Col xs={24} md={12}>
                <Form.Item name="mobile" label={t("customer.mobile")}>
                  <Input data-testid="customer-mobile-input" />
                </Form.Item>
              </Col>
              <Col xs={24} md={12}>
                <Form.Item name="id_type" label={t("customer.idType")}>
                  <Input />
                </Form.Item>
              </Col>
              <Col xs={24} md={12}>
                <Form.Item name="id_number" label={t("customer.idNumber")}>
                  <Input />
                </Form.Item>
              </Col>
              <Col xs={24} md={12}>
                <Form.Item name="industry" label={t("customer.industry")}>
                  <Input />
                </Form.Item>
              </Col>
              <Col xs={24} md={12}>
                <Form.Item name="occupation" label={t("customer.occupation")}>
                  <Input />
                </Form.Item>
              </Col>
              <Col xs={24} md={12}>
                <Form.Item name="position" label={t("customer.position")}>
                  <Input />
                </Form.Item>
              </Col>
              <Col xs={24} md={12}>
                <Form.Item name="education" label={t("customer.education")}>
                  <Input />
                </Form.Item>
              </Col>
            </>
          )}
          <Col xs={24} md={12}>
            <Form.Item name="region" label={t("customer.region")}>
              <RegionCascader data-testid="customer-region" />
            </Form.Item>
          </Col>
          <Col xs={24} md={12}>
            <Form.Item name="address" label={t("customer.address")}>
              <Input />
            </Form.Item>
          </Col>
          {kind === "enterprise" && (
            <>
              <Col xs={24} md={6}>
                <Form.Item name="country" label={t("customer.country")}>
                  <Input />
                </Form.Item>
              </Col>
              <Col xs={24} md={6}>
                <Form.Item name="size" label={t("customer.size")}>
                  <Input />
                </Form.Item>
              </Col>
              <Col xs={24} md={12}>
                <Form.Item name="company_type" label={t("customer.companyType")}>
                  <Input />
                </Form.Item>
              </Col>
              <Col xs={24} md={6}>
                <Form.Item name="phone" label={t("customer.phone")}>
                  <Input />
                </Form.Item>
              </Col>
              <Col xs={24} md={6}>
                <Form.Item name="fax" label={t("customer.fax")}>
                  <Input />
                </Form.Item>
              </Col>
              <Col xs={24} md={12}>
                <Form.Item name="website" label={t("customer.website")}>
                  <Input />
                </Form.Item>
              </Col>
              <Col xs={24} md={12}>
                <Form.Item name="parent_id" label={t("customer.parent")}>
                  <ParentSelect initial={existing.data?.customer.parent ?? null} />
                </Form.Item>
              </Col>
            </>
          )}
          <Col xs={24} md={12}>
            <Form.Item name="email" label={t("customer.email")} rules={[{ type: "email" }]}>
              <Input />
            </Form.Item>
          </Col>
          <Col xs={24} md={6}>
            <Form.Item name="level" label={t("customer.level")}>
              <Select
                data-testid="customer-level"
                options={(["normal", "KA", "SKA"] as const).map((l) => ({ value: l, label: t(`customer.level.${l}`) }))}
              />
            </Form.Item>
          </Col>
          <Col xs={24} md={6}>
            <Form.Item name="tier" label={t("customer.tier")}>
              <Select allowClear options={(["A", "B", "C", "D", "E"] as const).map((l) => ({ value: l, label: l }))} />
            </Form.Item>
          </Col>
          {kind === "enterprise" && (
            <Col span={24}>
              <Form.Item name="notes" label={t("customer.notes")}>
                <Input.TextArea rows={3} />
              </Form.Item>
            </Col>
          )}
        </Row>

        {!editing && kind === "enterprise" && (
          <>
            <Divider orientation="left">{t("customer.contactsOnCreate")}</Divider>
            <Form.List name="contacts">
              {(fields, { add, remove }) => (
                <>
                  {fields.map((field, index) => (
                    <Row gutter={8} key={field.key} align="top" data-testid={`contact-row-form-${index}`}>
                      <Col xs={24} md={5}>
                        <Form.Item name={[field.name, "name"]} label={t("contact.name")} rules={[{ required: true, whitespace: true }]}>
                          <Input data-testid={`contact-${index}-name`} />
                        </Form.Item>
                      </Col>
                      <Col xs={24} md={4}>
                        <Form.Item name={[field.name, "title"]} label={t("contact.title")}>
                          <Input data-testid={`contact-${index}-title`} />
                        </Form.Item>
                      </Col>
                      <Col xs={24} md={4}>
                        <Form.Item name={[field.name, "mobile"]} label={t("contact.mobile")}>
                          <Input data-testid={`contact-${index}-mobile`} />
                        </Form.Item>
                      </Col>
                      <Col xs={24} md={4}>
                        <Form.Item name={[field.name, "email"]} label={t("contact.email")} rules={[{ type: "email" }]}>
                          <Input data-testid={`contact-${index}-email`} />
                        </Form.Item>
                      </Col>
                      <Col xs={24} md={4}>
                        <Form.Item name={[field.name, "decision_role"]} label={t("contact.decisionRole")}>
                          <Select allowClear options={DECISION_ROLES.map((r) => ({ value: r, label: t(`contact.decisionRole.${r}`) }))} />
                        </Form.Item>
                      </Col>
                      <Col xs={12} md={2}>
                        <Form.Item name={[field.name, "is_key_person"]} label={t("contact.isKeyPerson")} valuePropName="checked">
                          <Switch size="small" />
                        </Form.Item>
                      </Col>
                      <Col xs={12} md={1} style={{ paddingTop: 30 }}>
                        <Button type="text" danger icon={<DeleteOutlined />} onClick={() => remove(field.name)} />
                      </Col>
                    </Row>
                  ))}
                  <Button type="dashed" icon={<PlusOutlined />} onClick={() => add(emptyContact())} data-testid="contact-add-row">
                    {t("customer.addContactRow")}
                  </Button>
                </>
              )}
            </Form.List>
          </>
        )}

        <Divider />
        <Space>
          <Button type="primary" htmlType="submit" loading={save.isPending} data-testid="customer-submit">
            {t("common.save")}
          </Button>
          <Button onClick={() => navigate(editing && id ? `/customers/${id}` : "/customers")}>{t("common.cancel")}</Button>
        </Space>
      </Form>
    </Card>
  );
}

import { DeleteOutlined, PlusOutlined } from "@ant-design/icons";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Alert, App, Button, Card, Col, DatePicker, Divider, Form, Input, Radio, Result, Row, Select, Space, Spin, Switch } from "antd";
import dayjs, { type Dayjs } from "dayjs";
import { useEffect, useMemo, useState } from "react";
import { useNavigate, useParams } from "react-router";
import { api, ifMatch, unwrap } from "../../api/client";
import { isApiError, type NamePath } from "../../api/problem";
import { keys } from "../../api/queries";
import type { CompanySize, Customer, CustomerCreate, CustomerKind, CustomerRules, CustomerUpdate, Gender, IdType } from "../../api/types";
import { cleanBody } from "../../components/format";
import { RegionCascader } from "../../components/RegionCascader";
import { TierSelect } from "../../components/selects";
import { useApiError } from "../../components/useApiError";
import { useT } from "../../i18n/context";
import { NotFoundPage } from "../NotFoundPage";
import { COMPANY_SIZES, DECISION_ROLES, GENDERS, ID_TYPES } from "./constants";
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
  size?: CompanySize | null;
  company_type?: string;
  phone?: string;
  fax?: string;
  email?: string;
  website?: string;
  parent_id?: string | null;
  notes?: string;
  gender?: Gender | null;
  birthday?: Dayjs | null;
  mobile?: string;
  id_type?: IdType | null;
  id_number?: string;
  occupation?: string;
  position?: string;
  education?: string;
  tier?: string | null;
  contacts?: ContactRow[];
}

/** Fields of both kinds, and those only one kind has (the API rejects the other kind's). */
const COMMON_FIELDS = ["industry", "address", "phone", "email", "notes"] as const;
const ENTERPRISE_FIELDS = [...COMMON_FIELDS, "short_name", "uscc", "size", "company_type", "fax", "website", "parent_id"] as const;
const INDIVIDUAL_FIELDS = [...COMMON_FIELDS, "gender", "mobile", "id_type", "id_number", "occupation", "position", "education"] as const;

/** Server field errors on the region parts are shown on the cascader. */
const ALIASES: Record<string, NamePath> = {
  province_code: ["region"],
  city_code: ["region"],
  district_code: ["region"],
};

function toFormValues(c: Customer): FormValues {
  return {
    kind: c.kind as CustomerKind,
    name: c.name,
    short_name: c.short_name ?? undefined,
    industry: c.industry ?? undefined,
    uscc: c.uscc ?? undefined,
    country: c.country ?? undefined,
    region: [c.province_code, c.city_code, c.district_code].filter((x): x is string => Boolean(x)),
    address: c.address ?? undefined,
    size: (c.size as CompanySize | null) ?? null,
    company_type: c.company_type ?? undefined,
    phone: c.phone ?? undefined,
    fax: c.fax ?? undefined,
    email: c.email ?? undefined,
    website: c.website ?? undefined,
    parent_id: c.parent?.id ?? null,
    notes: c.notes ?? undefined,
    gender: (c.gender as Gender | null) ?? null,
    birthday: c.birthday ? dayjs(c.birthday) : null,
    mobile: c.mobile ?? undefined,
    id_type: (c.id_type as IdType | null) ?? null,
    id_number: c.id_number ?? undefined,
    occupation: c.occupation ?? undefined,
    position: c.position ?? undefined,
    education: c.education ?? undefined,
    tier: c.tier ?? null,
  };
}

function toBody(v: FormValues, mode: "create" | "update"): Record<string, unknown> {
  const fields = v.kind === "enterprise" ? ENTERPRISE_FIELDS : INDIVIDUAL_FIELDS;
  const base: Record<string, unknown> = { name: v.name, tier: v.tier ?? null };
  for (const f of fields) base[f] = v[f];
  // country is never null: empty means "leave as is" (the API defaults new customers to CN)
  const country = v.country?.trim().toUpperCase();
  if (country) base.country = country;
  const [province, city, district] = v.region ?? [];
  base.province_code = province ?? null;
  base.city_code = city ?? null;
  base.district_code = district ?? null;
  if (v.kind === "individual") base.birthday = v.birthday ? v.birthday.format("YYYY-MM-DD") : null;
  const body = cleanBody(base, mode);
  if (mode === "create") {
    body.kind = v.kind;
    if (v.kind === "enterprise") {
      const contacts = (v.contacts ?? []).filter((c) => c.name?.trim()).map((c) => cleanBody(c, "create"));
      if (contacts.length) body.contacts = contacts;
    }
  }
  return body;
}

function ParentSelect({
  value,
  onChange,
  initial,
  excludeId,
}: {
  value?: string | null;
  onChange?: (v: string | null) => void;
  initial?: { id: string; name: string } | null;
  excludeId?: string;
}) {
  const t = useT();
  const [q, setQ] = useState("");
  const { data, isFetching } = useQuery({
    queryKey: ["customers", "parent-search", q],
    queryFn: () => unwrap(api.GET("/api/v1/customers", { params: { query: { q, kind: "enterprise", limit: 20 } } })),
    enabled: q.trim().length > 0,
  });
  const options = useMemo(() => {
    const opts = (data?.items ?? []).filter((c) => c.id !== excludeId).map((c) => ({ value: c.id, label: c.name }));
    if (initial && !opts.some((o) => o.value === initial.id)) opts.unshift({ value: initial.id, label: initial.name });
    return opts;
  }, [data, initial, excludeId]);
  return (
    <Select
      showSearch
      allowClear
      filterOption={false}
      onSearch={setQ}
      loading={isFetching}
      options={options}
      placeholder={t("customer.parentSearch")}
      notFoundContent={null}
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

  const rules = useQuery({
    queryKey: keys.customerRules,
    queryFn: (): Promise<CustomerRules> => unwrap(api.GET("/api/v1/settings/customer-rules")),
    enabled: !editing,
    staleTime: 60_000,
  });
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
    : { kind: "enterprise", country: "CN", contacts: [emptyContact(), emptyContact()] };

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
                  <Input data-testid="customer-short-name-input" maxLength={100} />
                </Form.Item>
              </Col>
              <Col xs={24} md={12}>
                <Form.Item name="uscc" label={t("customer.uscc")} extra={t("customer.usccHint")}>
                  <Input data-testid="customer-uscc-input" maxLength={18} />
                </Form.Item>
              </Col>
              <Col xs={24} md={12}>
                <Form.Item name="industry" label={t("customer.industry")}>
                  <Input data-testid="customer-industry-input" maxLength={100} />
                </Form.Item>
              </Col>
              <Col xs={24} md={6}>
                <Form.Item name="size" label={t("customer.size")}>
                  <Select allowClear options={COMPANY_SIZES.map((v) => ({ value: v, label: t("customer.sizeValue", { size: v }) }))} />
                </Form.Item>
              </Col>
              <Col xs={24} md={6}>
                <Form.Item name="company_type" label={t("customer.companyType")}>
                  <Input maxLength={50} />
                </Form.Item>
              </Col>
              <Col xs={24} md={12}>
                <Form.Item name="parent_id" label={t("customer.parent")}>
                  <ParentSelect initial={existing.data?.customer.parent ?? null} excludeId={id} />
                </Form.Item>
              </Col>
            </>
          ) : (
            <>
              <Col xs={24} md={6}>
                <Form.Item name="gender" label={t("customer.gender")}>
                  <Select allowClear options={GENDERS.map((g) => ({ value: g, label: t(`customer.gender.${g}`) }))} />
                </Form.Item>
              </Col>
              <Col xs={24} md={6}>
                <Form.Item name="birthday" label={t("customer.birthday")}>
                  <DatePicker style={{ width: "100%" }} disabledDate={(d) => d.isAfter(dayjs())} />
                </Form.Item>
              </Col>
              <Col xs={24} md={12}>
                <Form.Item name="mobile" label={t("customer.mobile")}>
                  <Input data-testid="customer-mobile-input" maxLength={32} />
                </Form.Item>
              </Col>
              <Col xs={24} md={6}>
                <Form.Item name="id_type" label={t("customer.idType")}>
                  <Select allowClear options={ID_TYPES.map((v) => ({ value: v, label: t(`customer.idType.${v}`) }))} />
                </Form.Item>
              </Col>
              <Col xs={24} md={6}>
                <Form.Item name="id_number" label={t("customer.idNumber")}>
                  <Input maxLength={40} />
                </Form.Item>
              </Col>
              <Col xs={24} md={6}>
                <Form.Item name="industry" label={t("customer.industry")}>
                  <Input maxLength={100} />
                </Form.Item>
              </Col>
              <Col xs={24} md={6}>
                <Form.Item name="occupation" label={t("customer.occupation")}>
                  <Input maxLength={100} />
                </Form.Item>
              </Col>
              <Col xs={24} md={6}>
                <Form.Item name="position" label={t("customer.position")}>
                  <Input maxLength={100} />
                </Form.Item>
              </Col>
              <Col xs={24} md={6}>
                <Form.Item name="education" label={t("customer.education")}>
                  <Input maxLength={50} />
                </Form.Item>
              </Col>
            </>
          )}
          <Col xs={24} md={6}>
            <Form.Item
              name="country"
              label={t("customer.country")}
              rules={[{ pattern: /^[A-Za-z]{2}$/, message: t("customer.countryHint") }]}
              normalize={(v: string | undefined) => v?.toUpperCase()}
            >
              <Input maxLength={2} placeholder="CN" />
            </Form.Item>
          </Col>
          <Col xs={24} md={18}>
            <Form.Item name="region" label={t("customer.region")}>
              <RegionCascader data-testid="customer-region" />
            </Form.Item>
          </Col>
          <Col span={24}>
            <Form.Item name="address" label={t("customer.address")}>
              <Input maxLength={300} />
            </Form.Item>
          </Col>
          <Col xs={24} md={6}>
            <Form.Item name="phone" label={t("customer.phone")}>
              <Input maxLength={32} data-testid="customer-phone-input" />
            </Form.Item>
          </Col>
          {kind === "enterprise" && (
            <Col xs={24} md={6}>
              <Form.Item name="fax" label={t("customer.fax")}>
                <Input maxLength={32} />
              </Form.Item>
            </Col>
          )}
          <Col xs={24} md={kind === "enterprise" ? 6 : 12}>
            <Form.Item name="email" label={t("customer.email")} rules={[{ type: "email" }]}>
              <Input data-testid="customer-email-input" />
            </Form.Item>
          </Col>
          {kind === "enterprise" && (
            <Col xs={24} md={6}>
              <Form.Item name="website" label={t("customer.website")}>
                <Input maxLength={300} />
              </Form.Item>
            </Col>
          )}
          <Col xs={24} md={6}>
            <Form.Item name="tier" label={t("customer.tier")}>
              <TierSelect data-testid="customer-tier" />
            </Form.Item>
          </Col>
          <Col span={24}>
            <Form.Item name="notes" label={t("customer.notes")}>
              <Input.TextArea rows={3} maxLength={5000} />
            </Form.Item>
          </Col>
        </Row>

        {!editing && kind === "enterprise" && (
          <>
            <Divider orientation="left">{t("customer.contactsOnCreate")}</Divider>
            {rules.data && rules.data.min_contacts_enterprise > 0 && (
              <Alert
                type="info"
                showIcon
                style={{ marginBottom: 16 }}
                message={t("customer.minContactsHint", { n: rules.data.min_contacts_enterprise })}
                data-testid="customer-min-contacts-hint"
              />
            )}
            <Form.List name="contacts">
              {(fields, { add, remove }) => (
                <>
                  {fields.map((field, index) => (
                    <Row gutter={8} key={field.key} align="top" data-testid={`contact-row-form-${index}`}>
                      <Col xs={24} md={5}>
                        <Form.Item
                          name={[field.name, "name"]}
                          label={t("contact.name")}
                          dependencies={[["contacts", field.name, "title"], ["contacts", field.name, "mobile"], ["contacts", field.name, "email"]]}
                          rules={[
                            ({ getFieldValue }) => ({
                              // a row left completely empty is skipped; a started one needs a name
                              validator: (_, v: string | undefined) => {
                                const row = (getFieldValue(["contacts", field.name]) ?? {}) as ContactRow;
                                const started = [row.title, row.mobile, row.email].some((x) => x?.trim());
                                return started && !v?.trim() ? Promise.reject(new Error(t("contact.nameRequired"))) : Promise.resolve();
                              },
                            }),
                          ]}
                        >
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

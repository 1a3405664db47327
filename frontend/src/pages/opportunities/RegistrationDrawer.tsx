/** 商机报备 (POST /opportunity-registrations): an existing customer or a new company, and the
 * opportunity; afterwards it says where the registration went (an owner, the zone leader's
 * queue) and warns of a conflict with an existing opportunity. */
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { Alert, App, Button, Col, Divider, Drawer, Form, Input, Result, Row, Segmented, Select, Space, Typography } from "antd";
import { useEffect, useState } from "react";
import { useNavigate } from "react-router";
import { api, unwrap } from "../../api/client";
import { useAuth } from "../../auth/context";
import { RegionCascader } from "../../components/RegionCascader";
import { useApiError } from "../../components/useApiError";
import { useT } from "../../i18n/context";
import { CustomerPicker, OpportunityFields } from "./OpportunityFields";
import { COMPANY_SIZES, defaultLine, registrationBody, type OpportunityDetail, type RegistrationValues } from "./opportunityHelpers";
import { opportunityKeys, useBusinessLines } from "./opportunityQueries";

const ALIASES = { "company.province_code": ["company", "region"], "company.city_code": ["company", "region"] };

function Outcome({ opp, onAnother, onClose }: { opp: OpportunityDetail; onAnother: () => void; onClose: () => void }) {
  const t = useT();
  const { me } = useAuth();
  const navigate = useNavigate();
  const mine = opp.owner?.id === me?.user.id;
  return (
    <div data-testid="registration-result">
    <Result
      status={opp.conflict ? "warning" : "success"}
      title={t("opportunity.reg.done")}
      subTitle={
        <Space direction="vertical">
          {opp.owner ? (
            <Typography.Text data-testid="registration-owner">{t("opportunity.reg.routedTo", { name: opp.owner.display_name })}</Typography.Text>
          ) : (
            <Typography.Text data-testid="registration-queued">{t("opportunity.reg.queued")}</Typography.Text>
          )}
          {opp.conflict && (
            <Alert
              type="warning"
              showIcon
              data-testid="registration-conflict"
              message={t("opportunity.reg.conflict", { name: opp.conflict_with?.name ?? "" })}
            />
          )}
        </Space>
      }
      extra={[
        mine ? (
          <Button
            key="open"
            type="primary"
            onClick={() => {
              onClose();
              navigate(`/opportunities/${opp.id}`);
            }}
            data-testid="registration-open"
          >
            {t("opportunity.reg.open")}
          </Button>
        ) : null,
        <Button key="again" onClick={onAnother} data-testid="registration-another">
          {t("opportunity.reg.another")}
        </Button>,
      ]}
    />
    </div>
  );
}

export function RegistrationDrawer({ open, onClose }: { open: boolean; onClose: () => void }) {
  const t = useT();
  const report = useApiError();
  const { message } = App.useApp();
  const qc = useQueryClient();
  const [form] = Form.useForm<RegistrationValues>();
  const [done, setDone] = useState<OpportunityDetail | null>(null);
  const lines = useBusinessLines(open);
  const initialLine = defaultLine(lines.data ?? [])?.id;
  const mode = (Form.useWatch("mode", form) as RegistrationValues["mode"] | undefined) ?? "customer";

  useEffect(() => {
    if (open && initialLine && !form.getFieldValue("business_line_id")) form.setFieldValue("business_line_id", initialLine);
  }, [open, initialLine, form, done]);

  const register = useMutation({
    mutationFn: (v: RegistrationValues) => unwrap(api.POST("/api/v1/opportunity-registrations", { body: registrationBody(v) })),
    onSuccess: (opp) => {
      message.success(t("opportunity.reg.done"));
      void qc.invalidateQueries({ queryKey: opportunityKeys.all });
      setDone(opp);
    },
    onError: (e) => report(e, { form, aliases: ALIASES }),
  });

  const close = () => {
    setDone(null);
    onClose();
  };

  return (
    <Drawer
      open={open}
      onClose={close}
      title={t("opportunity.register")}
      width={600}
      destroyOnHidden
      data-testid="registration-drawer"
      extra={
        done ? null : (
          <Space>
            <Button onClick={close}>{t("common.cancel")}</Button>
            <Button type="primary" loading={register.isPending} onClick={() => form.submit()} data-testid="registration-submit">
              {t("opportunity.reg.submit")}
            </Button>
          </Space>
        )
      }
    >
      {done ? (
        <Outcome opp={done} onAnother={() => setDone(null)} onClose={close} />
      ) : (
        <Form<RegistrationValues>
          form={form}
          layout="vertical"
          preserve={false}
          initialValues={{ mode: "customer", currency: "CNY", priority: "normal", products: [], business_line_id: initialLine }}
          onFinish={(v) => register.mutate(v)}
          data-testid="registration-form"
        >
          <Form.Item name="mode">
            <Segmented
              data-testid="registration-mode"
              options={[
                { value: "customer", label: <span data-testid="registration-mode-customer">{t("opportunity.reg.existing")}</span> },
                { value: "company", label: <span data-testid="registration-mode-company">{t("opportunity.reg.newCompany")}</span> },
              ]}
            />
          </Form.Item>
          {mode === "customer" ? (
            <Form.Item name="customer_id" label={t("opportunity.customer")} rules={[{ required: true }]}>
              <CustomerPicker data-testid="registration-customer" />
            </Form.Item>
          ) : (
            <>
              <Form.Item name={["company", "name"]} label={t("opportunity.reg.company")} rules={[{ required: true, whitespace: true, min: 2, max: 200 }]}>
                <Input data-testid="registration-company-name" />
              </Form.Item>
              <Form.Item
                name={["company", "uscc"]}
                label={t("opportunity.reg.uscc")}
                rules={[{ pattern: /^[0-9A-HJ-NPQRTUWXYa-hj-npqrtuwxy]{18}$/, message: t("opportunity.reg.usccInvalid") }]}
              >
                <Input data-testid="registration-uscc" />
              </Form.Item>
              <Row gutter={12}>
                <Col span={12}>
                  <Form.Item name={["company", "region"]} label={t("opportunity.reg.region")}>
                    <RegionCascader maxLevel={2} data-testid="registration-region" />
                  </Form.Item>
                </Col>
                <Col span={12}>
                  <Form.Item name={["company", "industry"]} label={t("opportunity.reg.industry")} rules={[{ max: 100 }]}>
                    <Input data-testid="registration-industry" />
                  </Form.Item>
                </Col>
              </Row>
              <Row gutter={12}>
                <Col span={12}>
                  <Form.Item name={["company", "company_size"]} label={t("opportunity.reg.size")}>
                    <Select allowClear data-testid="registration-size" options={COMPANY_SIZES.map((s) => ({ value: s, label: s }))} />
                  </Form.Item>
                </Col>
                <Col span={12}>
                  <Form.Item name={["company", "address"]} label={t("opportunity.reg.address")} rules={[{ max: 300 }]}>
                    <Input data-testid="registration-address" />
                  </Form.Item>
                </Col>
              </Row>
              <Row gutter={12}>
                <Col span={8}>
                  <Form.Item name={["company", "contact_name"]} label={t("opportunity.reg.contactName")} rules={[{ max: 100 }]}>
                    <Input data-testid="registration-contact-name" />
                  </Form.Item>
                </Col>
                <Col span={8}>
                  <Form.Item name={["company", "contact_title"]} label={t("opportunity.reg.contactTitle")} rules={[{ max: 100 }]}>
                    <Input data-testid="registration-contact-title" />
                  </Form.Item>
                </Col>
                <Col span={8}>
                  <Form.Item name={["company", "contact_mobile"]} label={t("opportunity.reg.contactMobile")} rules={[{ max: 20 }]}>
                    <Input data-testid="registration-contact-mobile" />
                  </Form.Item>
                </Col>
              </Row>
            </>
          )}
          <Divider orientation="left" plain>
            {t("opportunity.reg.opportunity")}
          </Divider>
          <OpportunityFields lines={lines.data ?? []} manager={false} />
        </Form>
      )}
    </Drawer>
  );
}

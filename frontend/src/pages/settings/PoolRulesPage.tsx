/** Settings › pool rules (公海规则): claim limits, by default and per role. */
import { DeleteOutlined, PlusOutlined } from "@ant-design/icons";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Alert, App, Button, Card, Col, Divider, Form, InputNumber, Row, Table, Typography } from "antd";
import { useEffect } from "react";
import { api, unwrap } from "../../api/client";
import type { PoolRules } from "../../api/types";
import { useCan } from "../../auth/context";
import { RoleSelect } from "../../components/selects";
import { useApiError } from "../../components/useApiError";
import { useT } from "../../i18n/context";
import type { MessageKey } from "../../i18n/messages";
import { LIMIT_FIELDS, LIMIT_MAX, duplicateRoleRows, formToBody, roleErrorAliases, rulesToForm, type LimitField, type PoolRulesForm } from "./poolRules";

const poolRulesKey = ["settings", "pool-rules"] as const;

const LABELS: Record<LimitField, MessageKey> = {
  max_owned: "poolRules.maxOwned",
  max_daily_claims: "poolRules.maxDailyClaims",
  reclaim_cooldown_days: "poolRules.cooldown",
  max_locked: "poolRules.maxLocked",
};

const HINTS: Partial<Record<LimitField, MessageKey>> = {
  reclaim_cooldown_days: "poolRules.cooldownHint",
  max_locked: "poolRules.maxLockedHint",
};

const TEST_IDS: Record<LimitField, string> = {
  max_owned: "max-owned",
  max_daily_claims: "daily-claims",
  reclaim_cooldown_days: "cooldown",
  max_locked: "max-locked",
};

export function PoolRulesPage() {
  const t = useT();
  const can = useCan();
  const report = useApiError();
  const { message } = App.useApp();
  const qc = useQueryClient();
  const [form] = Form.useForm<PoolRulesForm>();
  const editable = can("setting", "update");
  const rules = useQuery({ queryKey: poolRulesKey, queryFn: () => unwrap(api.GET("/api/v1/settings/pool-rules")) });
  useEffect(() => {
    if (rules.data) form.setFieldsValue(rulesToForm(rules.data));
  }, [rules.data, form]);
  const roles = Form.useWatch("roles", form);
  const duplicates = duplicateRoleRows(roles);

  const save = useMutation({
    mutationFn: (v: PoolRulesForm) => unwrap(api.PUT("/api/v1/settings/pool-rules", { body: formToBody(v) })),
    onSuccess: (data: PoolRules) => {
      message.success(t("common.saved"));
      qc.setQueryData(poolRulesKey, data);
    },
    onError: (e) => report(e, { form, aliases: roleErrorAliases(form.getFieldValue("roles") as PoolRulesForm["roles"]) }),
  });
  const byUser = Object.keys(rules.data?.by_user ?? {}).length;

  return (
    <Card title={t("poolRules.title")} loading={rules.isLoading} data-testid="pool-rules">
      <Typography.Paragraph type="secondary">{t("poolRules.hint")}</Typography.Paragraph>
      <Form<PoolRulesForm> form={form} layout="vertical" onFinish={(v) => save.mutate(v)} disabled={!editable}>
        <Divider orientation="left" plain>
          {t("poolRules.defaults")}
        </Divider>
        <Row gutter={16}>
          {LIMIT_FIELDS.map((f) => (
            <Col xs={24} sm={12} md={6} key={f}>
              <Form.Item
                name={["defaults", f]}
                label={t(LABELS[f])}
                extra={HINTS[f] ? t(HINTS[f]) : undefined}
                rules={[{ required: true, type: "integer", min: 0, max: LIMIT_MAX[f] }]}
              >
                <InputNumber min={0} max={LIMIT_MAX[f]} precision={0} style={{ width: "100%" }} data-testid={`pool-rules-${TEST_IDS[f]}`} />
              </Form.Item>
            </Col>
          ))}
        </Row>
        <Divider orientation="left" plain>
          {t("poolRules.byRole")}
        </Divider>
        <Typography.Paragraph type="secondary">{t("poolRules.byRoleHint")}</Typography.Paragraph>
        <Form.List name="roles">
          {(fields, { add, remove }) => (
            <>
              <Table
                size="small"
                rowKey="key"
                pagination={false}
                dataSource={fields}
                data-testid="pool-rules-roles"
                scroll={{ x: "max-content" }}
                locale={{ emptyText: t("poolRules.noRoles") }}
                columns={[
                  {
                    key: "role",
                    title: t("poolRules.role"),
                    width: 240,
                    render: (_, field) => (
                      <Form.Item
                        name={[field.name, "role"]}
                        style={{ margin: 0 }}
                        rules={[{ required: true, message: t("poolRules.roleRequired") }]}
                        validateStatus={duplicates.includes(field.name) ? "error" : undefined}
                        help={duplicates.includes(field.name) ? t("poolRules.duplicateRole") : undefined}
                      >
                        <RoleSelect allowClear={false} disabled={!editable} data-testid={`pool-rules-role-${field.name}`} />
                      </Form.Item>
                    ),
                  },
                  ...LIMIT_FIELDS.map((f) => ({
                    key: f,
                    title: t(LABELS[f]),
                    render: (_: unknown, field: { name: number }) => (
                      <Form.Item name={[field.name, f]} style={{ margin: 0 }} rules={[{ type: "integer" as const, min: 0, max: LIMIT_MAX[f] }]}>
                        <InputNumber
                          min={0}
                          max={LIMIT_MAX[f]}
                          precision={0}
                          placeholder={t("poolRules.inherit")}
                          style={{ width: 140 }}
                          data-testid={`pool-rules-role-${field.name}-${TEST_IDS[f]}`}
                        />
                      </Form.Item>
                    ),
                  })),
                  ...(editable
                    ? [
                        {
                          key: "remove",
                          width: 60,
                          render: (_: unknown, field: { name: number }) => (
                            <Button
                              type="text"
                              danger
                              icon={<DeleteOutlined />}
                              onClick={() => remove(field.name)}
                              aria-label={t("common.delete")}
                              data-testid={`pool-rules-role-remove-${field.name}`}
                            />
                          ),
                        },
                      ]
                    : []),
                ]}
              />
              {editable && (
                <Button type="dashed" icon={<PlusOutlined />} onClick={() => add({ role: null })} style={{ marginTop: 12 }} data-testid="pool-rules-role-add">
                  {t("poolRules.addRole")}
                </Button>
              )}
            </>
          )}
        </Form.List>
        {byUser > 0 && (
          <Alert type="info" showIcon style={{ marginTop: 16 }} message={t("poolRules.byUser", { count: byUser })} data-testid="pool-rules-by-user" />
        )}
        {editable && (
          <div style={{ marginTop: 16 }}>
            <Button type="primary" htmlType="submit" loading={save.isPending} disabled={duplicates.length > 0} data-testid="pool-rules-save">
              {t("common.save")}
            </Button>
          </div>
        )}
      </Form>
    </Card>
  );
}

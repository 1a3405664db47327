import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Alert, App, Button, Checkbox, Form, Input, Modal, Radio, Select, Space, Typography } from "antd";
import { useState } from "react";
import { api, unwrap } from "../../api/client";
import { ApiError, isApiError } from "../../api/problem";
import { fetchRegions, fetchTiers, keys } from "../../api/queries";
import type { components } from "../../api/schema";
import type { CustomerLevel, User } from "../../api/types";
import { useCan } from "../../auth/context";
import { UserSelect } from "../../components/selects";
import { useApiError } from "../../components/useApiError";
import { useT } from "../../i18n/context";

type TransferIn = components["schemas"]["api__routers__pools__TransferIn"];
type TransferFilter = components["schemas"]["TransferFilter"];
export type TransferOut = components["schemas"]["TransferOut"];
export type TransferScope = "all" | "selected" | "filter";

const LEVELS: CustomerLevel[] = ["normal", "KA", "SKA"];

interface Person {
  id: string;
  display_name: string;
}

interface Values {
  from_user_id: string | null;
  to_user_id: string | null;
  scope: TransferScope;
  filter?: { levels?: CustomerLevel[]; tiers?: string[]; industries?: string[]; province_codes?: string[] };
  with_leads: boolean;
  reason: string;
}

export interface TransferCustomersDialogProps {
  open: boolean;
  onClose: () => void;
  /** The rep handing over, pre-filled (the selection's owner, a row of the users page). */
  from?: Person | null;
  /** Customers picked in the list: offers (and starts with) the "selected customers" scope. */
  selected?: { id: string; name: string }[];
  /** The scope to start with when there is no selection (default "all"). */
  scope?: TransferScope;
  onDone?: (result: TransferOut) => void;
}

/** The filter part of the body: only the conditions filled in; null when none is. */
function filterBody(f: Values["filter"]): TransferFilter | null {
  const out: TransferFilter = {};
  if (f?.levels?.length) out.levels = f.levels;
  if (f?.tiers?.length) out.tiers = f.tiers;
  const industries = (f?.industries ?? []).map((s) => s.trim()).filter(Boolean);
  if (industries.length) out.industries = industries;
  if (f?.province_codes?.length) out.province_codes = f.province_codes;
  return Object.keys(out).length ? out : null;
}

/** "filter.levels.0" → "filter.levels": a multi-select shows the errors of its items. */
function onFields(e: unknown): unknown {
  if (!isApiError(e) || !e.problem.errors?.length) return e;
  return new ApiError({ ...e.problem, errors: e.problem.errors.map((x) => ({ ...x, field: x.field.replace(/(\.\d+)+$/, "") })) });
}

/** A manager hands a rep's customers (all, the selected ones, or those matching a filter) to another rep. */
export function TransferCustomersDialog(props: TransferCustomersDialogProps) {
  return props.open ? <TransferModal {...props} /> : null;
}

function TransferModal({ onClose, from, selected, scope, onDone }: TransferCustomersDialogProps) {
  const t = useT();
  const can = useCan();
  const { message } = App.useApp();
  const report = useApiError();
  const queryClient = useQueryClient();
  const [form] = Form.useForm<Values>();
  const [confirming, setConfirming] = useState<Values | null>(null);
  const hasSelection = Boolean(selected?.length);
  const currentScope = Form.useWatch("scope", form);
  const tiers = useQuery({ queryKey: keys.tiers, queryFn: fetchTiers, staleTime: 5 * 60_000 });
  const mayReadRegions = can("region", "read");
  const provinces = useQuery({
    queryKey: keys.regions(null),
    queryFn: () => fetchRegions(null),
    staleTime: Infinity,
    enabled: mayReadRegions,
  });

  /** A user's name from whatever user lists are cached (the selects' searches), else the pre-filled one. */
  function nameOf(id: string | null | undefined): string {
    if (!id) return "";
    if (from?.id === id) return from.display_name;
    for (const [, data] of queryClient.getQueriesData<unknown>({ queryKey: ["users"] })) {
      const found = Array.isArray(data) ? (data as User[]).find((u) => u.id === id) : undefined;
      if (found) return found.display_name;
    }
    return id;
  }

  const transfer = useMutation({
    mutationFn: (v: Values) => {
      const body: TransferIn = {
        from_user_id: v.from_user_id ?? "",
        to_user_id: v.to_user_id ?? "",
        with_leads: v.with_leads,
        reason: v.reason.trim(),
      };
      if (v.scope === "selected") body.customer_ids = (selected ?? []).map((c) => c.id);
      if (v.scope === "filter") body.filter = filterBody(v.filter);
      return unwrap(api.POST("/api/v1/customers/transfer", { body }));
    },
    onSuccess: (res) => {
      message.success(t("transfer.done", { customers: res.customers.length, leads: res.leads.length }));
      void queryClient.invalidateQueries({ queryKey: ["customers"] });
      if (res.leads.length) void queryClient.invalidateQueries({ queryKey: ["leads"] });
      onDone?.(res);
      onClose();
    },
    onError: (e) => {
      setConfirming(null);
      // 409: some chosen customers changed hands meanwhile: the list is stale
      if (isApiError(e) && e.status === 409) void queryClient.invalidateQueries({ queryKey: ["customers"] });
      report(onFields(e), { form });
    },
  });

  function summary(v: Values) {
    const names = { from: nameOf(v.from_user_id), to: nameOf(v.to_user_id) };
    if (v.scope === "selected") return t("transfer.summary.selected", { n: selected?.length ?? 0, ...names });
    if (v.scope === "all") return t("transfer.summary.all", names);
    const f = filterBody(v.filter) ?? {};
    const provinceName = new Map((provinces.data ?? []).map((r) => [r.code, r.name]));
    const parts = [
      f.levels?.length && `${t("transfer.levels")}: ${f.levels.map((l) => t(`customer.level.${l}`)).join(", ")}`,
      f.tiers?.length && `${t("transfer.tiers")}: ${f.tiers.join(", ")}`,
      f.industries?.length && `${t("transfer.industries")}: ${f.industries.join(", ")}`,
      f.province_codes?.length && `${t("transfer.provinces")}: ${f.province_codes.map((c) => provinceName.get(c) ?? c).join(", ")}`,
    ].filter(Boolean);
    return t("transfer.summary.filter", { ...names, conditions: parts.join("; ") });
  }

  const footer = confirming
    ? [
        <Button key="back" onClick={() => setConfirming(null)} disabled={transfer.isPending} data-testid="transfer-back">
          {t("transfer.back")}
        </Button>,
        <Button key="ok" type="primary" danger loading={transfer.isPending} onClick={() => transfer.mutate(confirming)} data-testid="transfer-confirm">
          {t("transfer.confirm")}
        </Button>,
      ]
    : [
        <Button key="cancel" onClick={onClose}>
          {t("common.cancel")}
        </Button>,
        <Button key="next" type="primary" onClick={() => form.submit()} data-testid="transfer-next">
          {t("transfer.next")}
        </Button>,
      ];

  return (
    <Modal
      open
      title={confirming ? t("transfer.confirmTitle") : t("transfer.title")}
      onCancel={transfer.isPending ? undefined : onClose}
      footer={footer}
      width={600}
    >
      {confirming && (
        <Alert
          type="warning"
          showIcon
          data-testid="transfer-summary"
          message={summary(confirming)}
          description={
            <>
              <div>
                {confirming.with_leads
                  ? t("transfer.summary.withLeads", { to: nameOf(confirming.to_user_id) })
                  : t("transfer.summary.withoutLeads")}
              </div>
              <Typography.Text type="secondary">{t("transfer.summary.reason", { reason: confirming.reason.trim() })}</Typography.Text>
            </>
          }
        />
      )}
      {/* kept mounted while confirming: a 422 sends the user back to the fields it names */}
      <div style={confirming ? { display: "none" } : undefined}>
        <Form<Values>
          form={form}
          layout="vertical"
          initialValues={{
            from_user_id: from?.id ?? null,
            to_user_id: null,
            scope: hasSelection ? "selected" : scope === "filter" ? "filter" : "all",
            with_leads: true,
            reason: "",
          }}
          onFinish={(v) => setConfirming({ ...form.getFieldsValue(true), ...v } as Values)}
          data-testid="transfer-form"
        >
          <Space style={{ display: "flex" }} align="start" wrap>
            <Form.Item name="from_user_id" label={t("transfer.from")} rules={[{ required: true }]}>
              <UserSelect initial={from ?? null} data-testid="transfer-from" />
            </Form.Item>
            <Form.Item
              name="to_user_id"
              label={t("transfer.to")}
              dependencies={["from_user_id"]}
              rules={[
                { required: true },
                ({ getFieldValue }) => ({
                  validator: (_, v) =>
                    v && v === getFieldValue("from_user_id") ? Promise.reject(new Error(t("transfer.sameUser"))) : Promise.resolve(),
                }),
              ]}
            >
              <UserSelect data-testid="transfer-to" />
            </Form.Item>
          </Space>
          <Form.Item
            name="scope"
            label={t("transfer.scope")}
            dependencies={[
              ["filter", "levels"],
              ["filter", "tiers"],
              ["filter", "industries"],
              ["filter", "province_codes"],
            ]}
            rules={[
              ({ getFieldValue }) => ({
                validator: (_, v) =>
                  v === "filter" && !filterBody(getFieldValue("filter")) ? Promise.reject(new Error(t("transfer.filterEmpty"))) : Promise.resolve(),
              }),
            ]}
          >
            <Radio.Group data-testid="transfer-scope">
              <Radio value="all" data-testid="transfer-scope-all">
                {t("transfer.scope.all")}
              </Radio>
              {hasSelection && (
                <Radio value="selected" data-testid="transfer-scope-selected">
                  {t("transfer.scope.selected", { n: selected?.length ?? 0 })}
                </Radio>
              )}
              <Radio value="filter" data-testid="transfer-scope-filter">
                {t("transfer.scope.filter")}
              </Radio>
            </Radio.Group>
          </Form.Item>
          {currentScope === "filter" && (
            <div data-testid="transfer-filter">
              <Form.Item name={["filter", "levels"]} label={t("transfer.levels")}>
                <Select
                  mode="multiple"
                  allowClear
                  options={LEVELS.map((l) => ({ value: l, label: t(`customer.level.${l}`) }))}
                  data-testid="transfer-levels"
                />
              </Form.Item>
              <Form.Item name={["filter", "tiers"]} label={t("transfer.tiers")}>
                <Select
                  mode="multiple"
                  allowClear
                  loading={tiers.isLoading}
                  options={(tiers.data ?? []).map((x) => ({
                    value: x.code,
                    label: x.name.startsWith(x.code) ? x.name : `${x.code} · ${x.name}`,
                  }))}
                  data-testid="transfer-tiers"
                />
              </Form.Item>
              <Form.Item name={["filter", "industries"]} label={t("transfer.industries")} extra={t("transfer.industriesHint")}>
                <Select mode="tags" open={false} tokenSeparators={[",", "，"]} data-testid="transfer-industries" />
              </Form.Item>
              {mayReadRegions && (
                <Form.Item name={["filter", "province_codes"]} label={t("transfer.provinces")}>
                  <Select
                    mode="multiple"
                    allowClear
                    optionFilterProp="label"
                    loading={provinces.isLoading}
                    options={(provinces.data ?? []).map((r) => ({ value: r.code, label: r.name }))}
                    data-testid="transfer-provinces"
                  />
                </Form.Item>
              )}
            </div>
          )}
          <Form.Item name="with_leads" valuePropName="checked">
            <Checkbox data-testid="transfer-with-leads">{t("transfer.withLeads")}</Checkbox>
          </Form.Item>
          <Form.Item name="reason" label={t("transfer.reason")} rules={[{ required: true, whitespace: true }]}>
            <Input.TextArea rows={3} data-testid="transfer-reason" />
          </Form.Item>
        </Form>
      </div>
    </Modal>
  );
}

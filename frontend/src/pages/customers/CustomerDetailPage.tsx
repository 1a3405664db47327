import { DeleteOutlined, EditOutlined, LockOutlined } from "@ant-design/icons";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Alert, App, Button, Card, Descriptions, Popconfirm, Result, Space, Spin, Tabs, Tag, Typography } from "antd";
import { useMemo, type ReactNode } from "react";
import { Link, useNavigate, useParams } from "react-router";
import { api, ifMatch, unwrap } from "../../api/client";
import { isApiError } from "../../api/problem";
import { fetchTiers, keys } from "../../api/queries";
import type { Customer } from "../../api/types";
import { useCan } from "../../auth/context";
import { useNow } from "../../components/chinaTime";
import { fmtDate, fmtDateTime } from "../../components/format";
import { useRegionNames } from "../../components/regions";
import { useApiError } from "../../components/useApiError";
import { translateDynamic, useT } from "../../i18n/context";
import type { MessageKey } from "../../i18n/messages";
import { NotFoundPage } from "../NotFoundPage";
import { AuditTab } from "./AuditTab";
import { ContactsSection } from "./ContactsSection";
import { LockCustomerButton, RecycleCountdown, ReleaseCustomerButton } from "./CustomerPoolActions";
import { pendingOfKind } from "../approvals/approvalHelpers";
import { FinanceCard } from "./FinanceCard";
import { LevelRequestButton } from "./LevelRequestButton";
import { customerKey, fetchCustomer, retryUnlessClientError } from "./customerQueries";
import { FollowUpTimeline } from "./FollowUpTimeline";
import { useRemindDays } from "./recycleDue";
import { TagsEditor } from "./TagsEditor";

function Profile({ customer }: { customer: Customer }) {
  const t = useT();
  const region = useRegionNames([customer.province_code, customer.city_code, customer.district_code]).filter(Boolean).join(" / ");
  const remindDays = useRemindDays();
  const now = useNow();
  const c = customer;
  const rows: [MessageKey, ReactNode][] =
    c.kind === "enterprise"
      ? [
          ["customer.name", c.name],
          ["customer.shortName", c.short_name],
          ["customer.uscc", c.uscc],
          ["customer.industry", c.industry],
          ["customer.country", c.country],
          ["customer.region", region],
          ["customer.address", c.address],
          ["customer.size", c.size ? t("customer.sizeValue", { size: c.size }) : null],
          ["customer.companyType", c.company_type],
          ["customer.phone", c.phone],
          ["customer.fax", c.fax],
          ["customer.email", c.email],
          ["customer.website", c.website],
          ["customer.parent", c.parent ? <Link to={`/customers/${c.parent.id}`}>{c.parent.name}</Link> : null],
          [
            "customer.subsidiaries",
            (c.subsidiaries ?? []).length ? (
              <Space wrap>
                {(c.subsidiaries ?? []).map((s) => (
                  <Link key={s.id} to={`/customers/${s.id}`}>
                    {s.name}
                  </Link>
                ))}
              </Space>
            ) : null,
          ],
          ["customer.notes", c.notes],
        ]
      : [
          ["customer.name", c.name],
          ["customer.gender", translateDynamic(t, "customer.gender", c.gender)],
          ["customer.birthday", fmtDate(c.birthday)],
          ["customer.mobile", c.mobile],
          ["customer.email", c.email],
          ["customer.idType", translateDynamic(t, "customer.idType", c.id_type)],
          ["customer.idNumber", c.id_number],
          ["customer.country", c.country],
          ["customer.region", region],
          ["customer.address", c.address],
          ["customer.phone", c.phone],
          ["customer.industry", c.industry],
          ["customer.occupation", c.occupation],
          ["customer.position", c.position],
          ["customer.education", c.education],
          ["customer.notes", c.notes],
        ];
  const common: [MessageKey, ReactNode][] = [
    ["customer.owner", c.owner?.display_name],
    ["customer.zone", c.zone?.name],
    ["customer.contactCount", c.contact_count],
    ["customer.lastFollowedUpAt", fmtDateTime(c.last_followed_up_at)],
    ["customer.claimedAt", c.claimed_at ? <span data-testid="customer-claimed-at">{fmtDateTime(c.claimed_at)}</span> : null],
    ["customer.recycleCount", <span data-testid="customer-recycle-count">{c.recycle_count}</span>],
    ["customer.recycleDue", <RecycleCountdown customer={c} remindDays={remindDays} now={now} />],
    ["common.createdAt", fmtDateTime(c.created_at)],
    ["common.updatedAt", fmtDateTime(c.updated_at)],
  ];
  return (
    <Descriptions
      bordered
      size="small"
      column={{ xs: 1, sm: 1, md: 2, lg: 3 }}
      data-testid="customer-profile"
      items={[...rows, ...common].map(([label, value]) => ({ key: label, label: t(label), children: value ?? "" }))}
    />
  );
}

export function CustomerDetailPage() {
  const { id = "" } = useParams();
  const t = useT();
  const can = useCan();
  const navigate = useNavigate();
  const report = useApiError();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const q = useQuery({ queryKey: customerKey(id), queryFn: () => fetchCustomer(id), retry: retryUnlessClientError });
  const tiers = useQuery({ queryKey: keys.tiers, queryFn: fetchTiers, staleTime: 5 * 60_000 });
  const tierName = useMemo(() => new Map((tiers.data ?? []).map((tier) => [tier.code, tier.name])), [tiers.data]);

  const remove = useMutation({
    mutationFn: (c: Customer) =>
      unwrap(
        api.DELETE("/api/v1/customers/{customer_id}", {
          params: { path: { customer_id: c.id } },
          headers: { "If-Match": ifMatch(c, q.data?.etag) },
        }),
      ),
    onSuccess: () => {
      message.success(t("common.deleted"));
      void queryClient.invalidateQueries({ queryKey: ["customers"] });
      navigate("/customers");
    },
    onError: (e) => report(e, { onStale: () => void q.refetch() }),
  });

  if (q.isPending) {
    return (
      <div style={{ textAlign: "center", padding: 64 }}>
        <Spin size="large" />
      </div>
    );
  }
  if (q.isError) {
    if (isApiError(q.error) && (q.error.status === 404 || q.error.status === 422)) return <NotFoundPage />;
    return <Result status="error" title={t("common.error")} subTitle={q.error.message} />;
  }
  const c = q.data.customer;

  return (
    <Space direction="vertical" size="middle" style={{ width: "100%" }} data-testid="customer-detail">
      <Card>
        <div style={{ display: "flex", justifyContent: "space-between", flexWrap: "wrap", gap: 12 }}>
          <Space direction="vertical" size={4}>
            <Space wrap>
              <Typography.Title level={3} style={{ margin: 0 }} data-testid="customer-name">
                {c.name}
              </Typography.Title>
              <Tag>{translateDynamic(t, "customer.kind", c.kind)}</Tag>
              <Tag color={c.level === "SKA" ? "red" : c.level === "KA" ? "orange" : "default"} data-testid="customer-level" data-level={c.level}>
                {t("customer.level")}: {translateDynamic(t, "customer.level", c.level)}
              </Tag>
              {c.tier && (
                <Tag color="blue" data-testid="customer-tier-tag">
                  {tierName.get(c.tier) ?? `${t("customer.tier")} ${c.tier}`}
                </Tag>
              )}
              {c.locked_at && (
                <Tag color="purple" icon={<LockOutlined />} data-testid="customer-locked" title={fmtDateTime(c.locked_at)}>
                  {t("customer.locked")}
                </Tag>
              )}
              {!c.owner && c.pool_id && (
                <Tag color="gold" data-testid="customer-in-pool">
                  {t("customer.inPool")}
                </Tag>
              )}
            </Space>
            <TagsEditor customerId={c.id} tags={c.tags ?? []} />
          </Space>
          <Space>
            <Button onClick={() => navigate("/customers")}>{t("common.back")}</Button>
            {can("customer", "update") && <LevelRequestButton customerId={c.id} level={c.level} pending={pendingOfKind(c.pending_approvals, "customer_level_change")} />}
            {c.owner && can("customer", "update") && <LockCustomerButton customerId={c.id} locked={Boolean(c.locked_at)} />}
            {c.owner && can("customer", "update") && <ReleaseCustomerButton customerId={c.id} onReleased={() => navigate(can("pool", "read") ? "/pools" : "/customers")} />}
            {can("customer", "update") && (
              <Button icon={<EditOutlined />} onClick={() => navigate(`/customers/${c.id}/edit`)} data-testid="customer-edit">
                {t("common.edit")}
              </Button>
            )}
            {can("customer", "delete") && (
              <Popconfirm title={t("customer.deleteConfirm")} onConfirm={() => remove.mutate(c)}>
                <Button danger icon={<DeleteOutlined />} loading={remove.isPending} data-testid="customer-delete">
                  {t("common.delete")}
                </Button>
              </Popconfirm>
            )}
          </Space>
        </div>
        {(c.warnings ?? []).map((w) => (
          <Alert key={w.code} type="warning" showIcon message={w.message} style={{ marginTop: 12 }} data-testid="customer-warning" />
        ))}
        {(c.pending_approvals ?? []).map((p) => (
          <Alert
            key={p.id}
            type="info"
            showIcon
            style={{ marginTop: 12 }}
            data-testid="customer-pending-approval"
            message={
              <span>
                {t("approval.customerPending", { kind: translateDynamic(t, "approvalKind", p.kind), at: fmtDateTime(p.submitted_at) })}{" "}
                <Link to={`/approvals/${p.id}`}>{t("approval.view")}</Link>
              </span>
            }
          />
        ))}
      </Card>
      <FinanceCard customer={c} />
      <Card>
        <Tabs
          defaultActiveKey="profile"
          items={[
            { key: "profile", label: t("customer.profile"), children: <Profile customer={c} /> },
            ...(can("contact", "read") && c.kind === "enterprise"
              ? [{ key: "contacts", label: t("contact.entity"), children: <ContactsSection customerId={c.id} /> }]
              : []),
            ...(can("follow_up", "read") || can("follow_up", "create")
              ? [{ key: "follow-ups", label: t("followUp.entity"), children: <FollowUpTimeline customerId={c.id} /> }]
              : []),
            ...(can("audit_log", "read")
              ? [{ key: "audit", label: t("customer.audit"), children: <AuditTab customerId={c.id} /> }]
              : []),
          ].map((tab) => ({ ...tab, label: <span data-testid={`customer-tab-${tab.key}`}>{tab.label}</span> }))}
        />
      </Card>
    </Space>
  );
}

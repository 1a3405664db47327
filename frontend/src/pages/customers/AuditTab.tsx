import { useInfiniteQuery, useQuery } from "@tanstack/react-query";
import { useMemo } from "react";
import { Button, Table, Tag, Typography } from "antd";
import { api, unwrap } from "../../api/client";
import { fetchTags, fetchZones, keys } from "../../api/queries";
import type { AuditEntry } from "../../api/types";
import { fmtDateTime } from "../../components/format";
import { translateDynamic, useT, type Translate } from "../../i18n/context";
import type { MessageKey } from "../../i18n/messages";
import { useCan } from "../../auth/context";
import { contactsKey } from "./constants";

/** Columns that identify rather than describe a record (or repeat the entry's actor): not worth a line. */
const HIDDEN = new Set(["id", "customer_id", "created_by", "author_id"]);

/** Enum-valued fields, shown with their labels (prefix of the i18n keys). */
const ENUMS: Record<string, string> = {
  kind: "customer.kind",
  level: "customer.level",
  gender: "customer.gender",
  id_type: "customer.idType",
  decision_role: "contact.decisionRole",
  attitude: "contact.attitude",
};

/** API field → label, per audited entity (fields without one show their API name). */
const FIELD_LABELS: Record<string, Record<string, MessageKey>> = {
  customer: {
    name: "customer.name",
    short_name: "customer.shortName",
    kind: "customer.kind",
    industry: "customer.industry",
    uscc: "customer.uscc",
    country: "customer.country",
    province_code: "customer.province",
    city_code: "customer.city",
    district_code: "customer.district",
    address: "customer.address",
    size: "customer.size",
    company_type: "customer.companyType",
    phone: "customer.phone",
    fax: "customer.fax",
    email: "customer.email",
    website: "customer.website",
    parent_id: "customer.parent",
    gender: "customer.gender",
    birthday: "customer.birthday",
    mobile: "customer.mobile",
    id_type: "customer.idType",
    id_number: "customer.idNumber",
    occupation: "customer.occupation",
    position: "customer.position",
    education: "customer.education",
    level: "customer.level",
    tier: "customer.tier",
    notes: "customer.notes",
    owner_id: "customer.owner",
    zone_id: "customer.zone",
    last_followed_up_at: "customer.lastFollowedUpAt",
  },
  contact: {
    name: "contact.name",
    title: "contact.title",
    department: "contact.department",
    mobile: "contact.mobile",
    phone: "contact.phone",
    email: "contact.email",
    wechat: "contact.wechat",
    gender: "contact.gender",
    reports_to_id: "contact.reportsTo",
    decision_role: "contact.decisionRole",
    attitude: "contact.attitude",
    is_key_person: "contact.isKeyPerson",
    notes: "contact.notes",
  },
  follow_up: {
    kind: "followUp.kind",
    content: "followUp.content",
    happened_at: "followUp.happenedAt",
    next_step: "followUp.nextStep",
    next_follow_up_on: "followUp.nextFollowUpOn",
    contact_id: "followUp.contact",
    author_id: "followUp.author",
  },
  customer_tag: { tag: "customer.tag", tag_id: "customer.tag", weight: "tag.weight", count: "tag.count" },
};

/** Names for the ids an entry may carry (contacts, users, tags), when the page knows them. */
export type NameLookup = (field: string, id: string) => string | undefined;

function show(t: Translate, entity: string, field: string, v: unknown, names: NameLookup): string {
  if (v === null || v === undefined || v === "") return "∅";
  if (typeof v === "boolean") return v ? t("common.yes") : t("common.no");
  if (typeof v === "object") return JSON.stringify(v);
  const text = String(v);
  if (field.endsWith("_id")) return names(field, text) ?? text.slice(0, 8);
  if (field === "kind" && entity === "follow_up") return translateDynamic(t, "followUp.kind", text);
  if (ENUMS[field]) return translateDynamic(t, ENUMS[field], text);
  if (field.endsWith("_at") && /^\d{4}-\d\d-\d\dT/.test(text)) return fmtDateTime(text);
  return text;
}

function fieldLabel(t: Translate, entity: string, field: string): string {
  const key = FIELD_LABELS[entity]?.[field];
  return key ? t(key) : field;
}

function Changes({ entry, names }: { entry: AuditEntry; names: NameLookup }) {
  const t = useT();
  const rows = Object.entries(entry.changes ?? {}).filter(([field]) => !HIDDEN.has(field));
  return (
    <div>
      {rows.map(([field, change]) => {
        const [before, after] = Array.isArray(change) && change.length === 2 ? change : [undefined, change];
        return (
          <div key={field}>
            <Typography.Text type="secondary">{fieldLabel(t, entry.entity, field)}:</Typography.Text>{" "}
            {entry.action !== "create" && (
              <>
                <Typography.Text delete type="secondary">
                  {show(t, entry.entity, field, before, names)}
                </Typography.Text>
                {entry.action !== "delete" && " → "}
              </>
            )}
            {entry.action !== "delete" && <Typography.Text>{show(t, entry.entity, field, after, names)}</Typography.Text>}
          </div>
        );
      })}
    </div>
  );
}

const ENTITY_COLOR: Record<string, string> = { customer: "blue", contact: "green", follow_up: "purple", customer_tag: "gold" };

/** A customer's whole history: the customer, its contacts, follow-ups and tags (GET /audit-log?customer_id=). */
export function AuditTab({ customerId }: { customerId: string }) {
  const t = useT();
  const can = useCan();
  const contacts = useQuery({
    queryKey: contactsKey(customerId),
    queryFn: () => unwrap(api.GET("/api/v1/customers/{customer_id}/contacts", { params: { path: { customer_id: customerId } } })),
    enabled: can("contact", "read"),
  });
  const tags = useQuery({ queryKey: keys.tags(null), queryFn: () => fetchTags(null), enabled: can("tag", "read") });
  const zones = useQuery({ queryKey: keys.zones, queryFn: () => fetchZones(), enabled: can("sales_zone", "read") });
  const list = useInfiniteQuery({
    queryKey: ["audit", "customer", customerId],
    initialPageParam: null as string | null,
    queryFn: ({ pageParam }) =>
      unwrap(
        api.GET("/api/v1/audit-log", {
          params: { query: { customer_id: customerId, limit: 50, ...(pageParam ? { cursor: pageParam } : {}) } },
        }),
      ),
    getNextPageParam: (last) => last.next_cursor ?? null,
  });
  const rows = useMemo(() => list.data?.pages.flatMap((p) => p.items) ?? [], [list.data]);
  // users named by the entries themselves (actors), then contacts and tags of this customer
  const names = useMemo<NameLookup>(() => {
    const users = new Map(rows.flatMap((r) => (r.actor ? [[r.actor.id, r.actor.display_name] as const] : [])));
    const contactNames = new Map((contacts.data?.items ?? []).map((c) => [c.id, c.name]));
    const tagNames = new Map((tags.data ?? []).map((tg) => [tg.id, tg.name]));
    const zoneNames = new Map((zones.data ?? []).map((z) => [z.id, z.name]));
    return (field, id) => {
      if (field === "reports_to_id" || field === "contact_id") return contactNames.get(id);
      if (field === "tag_id") return tagNames.get(id);
      if (field === "zone_id") return zoneNames.get(id);
      return users.get(id);
    };
  }, [rows, contacts.data, tags.data, zones.data]);
  return (
    <>
      {list.isError && <Typography.Text type="danger">{list.error.message}</Typography.Text>}
      <Table<AuditEntry>
        rowKey="id"
        size="small"
        data-testid="audit-table"
        loading={list.isLoading}
        dataSource={rows}
        pagination={false}
        scroll={{ x: "max-content" }}
        columns={[
          { key: "at", title: t("audit.at"), render: (_, r) => fmtDateTime(r.at), width: 150 },
          {
            key: "actor",
            title: t("audit.actor"),
            render: (_, r) => r.actor?.display_name ?? (r.actor_kind === "system" ? t("audit.system") : r.actor_kind),
            width: 140,
          },
          {
            key: "entity",
            title: t("audit.entity"),
            width: 110,
            render: (_, r) => <Tag color={ENTITY_COLOR[r.entity]}>{translateDynamic(t, "audit.entity", r.entity)}</Tag>,
          },
          { key: "action", title: t("audit.action"), render: (_, r) => translateDynamic(t, "audit.action", r.action), width: 90 },
          { key: "changes", title: t("audit.changes"), render: (_, r) => <Changes entry={r} names={names} /> },
        ]}
      />
      {list.hasNextPage && (
        <div style={{ textAlign: "center", marginTop: 12 }}>
          <Button onClick={() => void list.fetchNextPage()} loading={list.isFetchingNextPage}>
            {t("common.loadMore")}
          </Button>
        </div>
      )}
    </>
  );
}

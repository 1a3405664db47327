/** Types and pure helpers of the webhook and notification-channel settings pages. */
import type { paths } from "../../api/schema";
import type { Body, Ok } from "../../api/types";
import { NOTIFICATION_KINDS as ALL_NOTIFICATION_KINDS } from "../../layout/notifications";

type P = paths;
export type Webhook = Ok<P["/api/v1/webhooks/{webhook_id}"]["get"]>;
export type WebhookCreated = Ok<P["/api/v1/webhooks"]["post"]>;
export type WebhookIn = Body<P["/api/v1/webhooks"]["post"]>;
export type WebhookUpdate = Body<P["/api/v1/webhooks/{webhook_id}"]["patch"]>;
export type WebhookEventType = Ok<P["/api/v1/webhooks/event-types"]["get"]>["items"][number];
export type WebhookDelivery = Ok<P["/api/v1/webhooks/{webhook_id}/deliveries"]["get"]>["items"][number];
export type WebhookDeliveryDetail = Ok<P["/api/v1/webhooks/{webhook_id}/deliveries/{delivery_id}"]["get"]>;
export type WebhookAttempt = WebhookDeliveryDetail["attempt_log"][number];
export type DeliveryStatus = WebhookDelivery["status"];
export type MessageChannel = Ok<P["/api/v1/settings/message-channels"]["get"]>["items"][number];
export type ChannelCode = MessageChannel["code"];
export type ChannelUpdate = Body<P["/api/v1/settings/message-channels/{code}"]["put"]>;
export type MessageDelivery = Ok<P["/api/v1/message-deliveries"]["get"]>["items"][number];
export type MessageStatus = MessageDelivery["status"];

export const ALL_EVENTS = "*";
export const DELIVERY_STATUSES: DeliveryStatus[] = ["pending", "delivered", "failed"];
export const MESSAGE_STATUSES: MessageStatus[] = ["pending", "delivered", "failed", "skipped"];
export const CHANNEL_CODES: ChannelCode[] = ["log", "email", "sms", "wecom"];
/** What the API shows for a secret setting that is set. */
export const MASK = "********";
/** Settings the API never shows (services/channels.py SECRET_FIELDS). */
const SECRET_FIELDS = new Set(["password", "api_key", "corp_secret"]);

/** The notification kinds a channel can carry (a channel carrying none of them listed carries all). */
export const NOTIFICATION_KINDS = ALL_NOTIFICATION_KINDS.filter((k) => k !== "channel_test");

/** Picking "all events" drops the single types, and picking a type after "all" drops "all". */
export function normalizeEventTypes(next: string[], previous: string[]): string[] {
  if (!next.includes(ALL_EVENTS)) return next;
  if (!previous.includes(ALL_EVENTS)) return [ALL_EVENTS];
  const rest = next.filter((e) => e !== ALL_EVENTS);
  return rest.length ? rest : [ALL_EVENTS];
}

/** One side of a bilingual catalogue description ("中文 / English"). */
export function catalogueText(description: string, lang: string): string {
  const parts = description.split(" / ");
  if (parts.length < 2) return description;
  return lang === "en" ? parts.slice(1).join(" / ") : parts[0];
}

export function isSecretField(key: string, description: string | undefined, value: unknown): boolean {
  return SECRET_FIELDS.has(key) || value === MASK || Boolean(description?.includes("write-only"));
}

export interface ChannelFormValues {
  is_enabled: boolean;
  kinds: string[];
  /** Text of each setting; a secret that is set starts empty (its placeholder says so). */
  config: Record<string, string>;
}

export function channelToForm(channel: MessageChannel): ChannelFormValues {
  const config: Record<string, string> = {};
  for (const key of Object.keys(channel.fields)) {
    const value: unknown = channel.config[key];
    config[key] = value === MASK || value === undefined || value === null ? "" : String(value);
  }
  return { is_enabled: channel.is_enabled, kinds: channel.kinds, config };
}

/**
 * The PUT body: every setting of the channel; a secret left empty goes back as "********" (kept)
 * unless `cleared`, an emptied setting as null (removed), a number stays a number.
 */
export function formToChannelBody(
  channel: MessageChannel,
  values: ChannelFormValues,
  cleared: ReadonlySet<string> = new Set(),
): ChannelUpdate {
  const config: Record<string, string | number | boolean | null> = {};
  for (const [key, description] of Object.entries(channel.fields)) {
    const before: unknown = channel.config[key];
    const text = (values.config?.[key] ?? "").trim();
    if (isSecretField(key, description, before)) {
      if (text) config[key] = text;
      else if (cleared.has(key)) config[key] = null;
      else if (before === MASK) config[key] = MASK;
      continue;
    }
    if (!text) {
      if (before !== undefined && before !== null && before !== "") config[key] = null;
      continue;
    }
    config[key] = typeof before === "number" && /^-?\d+$/.test(text) ? Number(text) : typeof before === "boolean" ? text === "true" : text;
  }
  return { is_enabled: values.is_enabled, kinds: values.kinds ?? [], config };
}

/** Pieces shared by the webhook list and the delivery log. */
import { Tag, Tooltip, Typography } from "antd";
import { useT } from "../../i18n/context";
import { ALL_EVENTS, type DeliveryStatus } from "./webhooks";

export function EventTypeTags({ types, label }: { types: string[]; label: (type: string) => string }) {
  const t = useT();
  return (
    <span data-testid="webhook-event-types">
      {types.map((type) =>
        type === ALL_EVENTS ? (
          <Tag key={type} color="purple">
            {t("webhook.allEvents")}
          </Tag>
        ) : (
          <Tooltip key={type} title={label(type)}>
            <Tag>{type}</Tag>
          </Tooltip>
        ),
      )}
    </span>
  );
}

const STATUS_COLOR: Record<string, string> = { pending: "processing", delivered: "success", failed: "error", skipped: "default" };

export function DeliveryStatusTag({ status }: { status: DeliveryStatus | "skipped" }) {
  const t = useT();
  return (
    <Tag color={STATUS_COLOR[status]} data-testid="delivery-status">
      {t(`webhook.status.${status}`)}
    </Tag>
  );
}

const VERIFY_SNIPPET = `# Python
import hashlib, hmac, time

def verify(secret: str, header: str, raw_body: bytes) -> bool:
    parts = dict(p.split("=", 1) for p in header.split(","))
    if abs(time.time() - int(parts["t"])) > 300:  # reject old replays
        return False
    signed = parts["t"].encode() + b"." + raw_body
    expected = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, parts["v1"])`;

/** How a receiver checks a delivery: the signature header, the HMAC recipe, de-duplication. */
export function SignatureRecipe() {
  const t = useT();
  return (
    <div data-testid="webhook-recipe">
      <Typography.Paragraph>
        {t("webhook.recipeHeader")} <Typography.Text code>{"X-CRM-Signature: t=<unix>,v1=<hex>"}</Typography.Text>
      </Typography.Paragraph>
      <Typography.Paragraph>
        {t("webhook.recipeHmac")} <Typography.Text code>{'v1 = hex(HMAC-SHA256(secret, "<t>.<raw body>"))'}</Typography.Text>
      </Typography.Paragraph>
      <Typography.Paragraph>
        {t("webhook.recipeDedup")} <Typography.Text code>X-CRM-Event-Id</Typography.Text>
      </Typography.Paragraph>
      <pre style={{ fontSize: 12, background: "rgba(0,0,0,0.04)", padding: 12, borderRadius: 6, overflowX: "auto" }}>{VERIFY_SNIPPET}</pre>
    </div>
  );
}

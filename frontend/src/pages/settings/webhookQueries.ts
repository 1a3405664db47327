/** Query keys and shared queries of the webhook pages. */
import { useQuery } from "@tanstack/react-query";
import { api, unwrap } from "../../api/client";
import { useLang } from "../../i18n/context";
import { catalogueText, type WebhookEventType } from "./webhooks";

export const WEBHOOK_KEYS = {
  list: ["webhooks"] as const,
  one: (id: string) => ["webhooks", id] as const,
  eventTypes: ["webhook-event-types"] as const,
  deliveries: (id: string) => ["webhook-deliveries", id] as const,
};

/** The event-type catalogue, with labels in the current language. */
export function useEventTypes() {
  const { lang } = useLang();
  const q = useQuery({
    queryKey: WEBHOOK_KEYS.eventTypes,
    queryFn: async () => (await unwrap(api.GET("/api/v1/webhooks/event-types"))).items,
    staleTime: 5 * 60_000,
  });
  const items: WebhookEventType[] = q.data ?? [];
  const label = (type: string) => {
    const hit = items.find((e) => e.type === type);
    return hit ? catalogueText(hit.description, lang) : type;
  };
  return { items, label, isLoading: q.isLoading };
}

import type { FollowUpKind } from "../../api/types";

export const FOLLOW_UP_KINDS: FollowUpKind[] = ["call", "visit", "message", "meeting", "email"];
export const DECISION_ROLES = ["decision_maker", "influencer", "user", "gatekeeper", "other"] as const;
export const ATTITUDES = ["supporter", "neutral", "opponent"] as const;

export function contactsKey(customerId: string) {
  return ["contacts", customerId] as const;
}

import type { Attitude, CompanySize, DecisionRole, FollowUpKind, Gender, IdType } from "../../api/types";

export const FOLLOW_UP_KINDS: FollowUpKind[] = ["call", "visit", "message", "meeting", "email"];
export const DECISION_ROLES: DecisionRole[] = ["decision_maker", "champion", "influencer", "user", "gatekeeper", "other"];
export const ATTITUDES: Attitude[] = ["supporter", "neutral", "opponent"];

export function contactsKey(customerId: string) {
  return ["contacts", customerId] as const;
}

export const GENDERS: Gender[] = ["male", "female", "other"];
export const ID_TYPES: IdType[] = ["resident_id", "passport", "hk_macao_permit", "taiwan_permit", "other"];
export const COMPANY_SIZES: CompanySize[] = ["1-19", "20-99", "100-499", "500-999", "1000+"];

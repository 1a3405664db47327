/** The body of a lead conversion, optionally with the opportunity it becomes. */
import type { paths } from "../../api/schema";
import type { Body, Ok } from "../../api/types";

type ConvertOp = paths["/api/v1/leads/{lead_id}/convert"]["post"];
export type ConvertIn = Body<ConvertOp>;
export type ConvertResult = Ok<ConvertOp>;

export interface ConvertValues {
  with_opportunity?: boolean;
  opportunity?: {
    name?: string;
    business_line_id?: string;
    amount?: string;
    expected_close_date?: string;
  };
}

/** Form values → body: `opportunity` only when asked for; empty fields left to the server's
 * defaults; the amount is the string typed (a Decimal). */
export function convertBody(v: ConvertValues): ConvertIn {
  if (!v.with_opportunity) return {};
  const o = v.opportunity ?? {};
  const opportunity: NonNullable<ConvertIn["opportunity"]> = {};
  const name = o.name?.trim();
  if (name) opportunity.name = name;
  if (o.business_line_id) opportunity.business_line_id = o.business_line_id;
  const amount = o.amount?.trim();
  if (amount) opportunity.amount = amount;
  if (o.expected_close_date) opportunity.expected_close_date = o.expected_close_date;
  return { opportunity };
}

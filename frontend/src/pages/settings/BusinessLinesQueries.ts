/** Query keys and fetchers of the business-line settings page. */
import { api, unwrap } from "../../api/client";
import type { BusinessLine, CriteriaOptions } from "./BusinessLinesHelpers";

export const LINE_KEYS = {
  all: ["business-lines"] as const,
  list: ["business-lines", "list"] as const,
  options: ["business-lines", "criteria-options"] as const,
};

/** Every line (active or not) with its ordered stages and open counts. */
export async function fetchLines(): Promise<BusinessLine[]> {
  return (await unwrap(api.GET("/api/v1/business-lines"))).items;
}

export async function fetchCriteriaOptions(): Promise<CriteriaOptions> {
  return unwrap(api.GET("/api/v1/business-lines/criteria-options"));
}

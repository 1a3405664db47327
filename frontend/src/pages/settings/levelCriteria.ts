/** Levels & tiers settings: the level form and money shown as strings. */
import type { CompanySize, LevelDefinitionUpdate } from "../../api/types";

export const levelsKey = ["customer-levels"] as const;

/** "1000000.00" → "1,000,000.00" (money stays a string: no float on the way). */
export function fmtAmount(value: string | null | undefined): string {
  if (!value) return "—";
  const [int, frac] = value.split(".");
  return int.replace(/\B(?=(\d{3})+(?!\d))/g, ",") + (frac ? `.${frac}` : "");
}

export const AMOUNT = /^\d{1,16}(\.\d{1,2})?$/;

export interface LevelForm {
  name: string;
  name_en: string;
  company_sizes: CompanySize[];
  min_annual_amount: string;
  min_cooperation_years: number | null;
  cooperation_depth: string;
  description: string;
}

/** The PATCH body: blank texts and amounts become null (no criterion). */
export function levelFormToBody(v: LevelForm): LevelDefinitionUpdate {
  const text = (s: string | undefined) => (s && s.trim() ? s.trim() : null);
  return {
    name: v.name.trim(),
    name_en: v.name_en.trim(),
    company_sizes: v.company_sizes ?? [],
    min_annual_amount: text(v.min_annual_amount),
    min_cooperation_years: v.min_cooperation_years ?? null,
    cooperation_depth: text(v.cooperation_depth),
    description: text(v.description),
  };
}

import { createContext, useContext } from "react";
import { dictionaries, type Lang, type MessageKey } from "./messages";

export const LANG_STORAGE_KEY = "crm.lang";

export type Translate = (key: MessageKey, vars?: Record<string, string | number>) => string;

export function translate(lang: Lang, key: MessageKey, vars?: Record<string, string | number>): string {
  const text = dictionaries[lang][key] ?? dictionaries["zh-CN"][key] ?? key;
  if (!vars) return text;
  return text.replace(/\{(\w+)\}/g, (m, name: string) => (name in vars ? String(vars[name]) : m));
}

/** Translates a key built at run time (an enum value), falling back to the raw value. */
export function translateDynamic(t: Translate, prefix: string, value: string | null | undefined): string {
  if (value === null || value === undefined || value === "") return "";
  const key = `${prefix}.${value}`;
  return key in dictionaries["zh-CN"] ? t(key as MessageKey) : value;
}

export function storedLang(): Lang {
  try {
    const v = localStorage.getItem(LANG_STORAGE_KEY);
    if (v === "en" || v === "zh-CN") return v;
  } catch {
    /* storage unavailable */
  }
  return "zh-CN";
}

export interface I18nValue {
  lang: Lang;
  setLang: (lang: Lang) => void;
  t: Translate;
}

export const I18nContext = createContext<I18nValue>({
  lang: "zh-CN",
  setLang: () => undefined,
  t: (key, vars) => translate("zh-CN", key, vars),
});

export function useT(): Translate {
  return useContext(I18nContext).t;
}

export function useLang(): Pick<I18nValue, "lang" | "setLang"> {
  const { lang, setLang } = useContext(I18nContext);
  return { lang, setLang };
}

/** Labels stored as "中文 / English" (built-in roles): the part for the current language. */
export function localLabel(label: string | null | undefined, lang: Lang): string {
  if (!label) return "";
  const parts = label.split(" / ");
  if (parts.length !== 2) return label;
  return (lang === "en" ? parts[1] : parts[0])!.trim();
}

import { App as AntApp, ConfigProvider } from "antd";
import enUS from "antd/locale/en_US";
import zhCNLocale from "antd/locale/zh_CN";
import dayjs from "dayjs";
import "dayjs/locale/zh-cn";
import { useCallback, useEffect, useMemo, useState, type ReactNode } from "react";
import { I18nContext, LANG_STORAGE_KEY, storedLang, translate, type I18nValue, type Translate } from "./context";
import type { Lang } from "./messages";

export function I18nProvider({ children, initial }: { children: ReactNode; initial?: Lang }) {
  const [lang, setLangState] = useState<Lang>(() => initial ?? storedLang());

  const setLang = useCallback((next: Lang) => {
    localStorage.setItem(LANG_STORAGE_KEY, next);
    setLangState(next);
  }, []);

  useEffect(() => {
    dayjs.locale(lang === "zh-CN" ? "zh-cn" : "en");
    document.documentElement.lang = lang;
  }, [lang]);

  const t = useCallback<Translate>((key, vars) => translate(lang, key, vars), [lang]);
  const value = useMemo<I18nValue>(() => ({ lang, setLang, t }), [lang, setLang, t]);

  return (
    <I18nContext.Provider value={value}>
      <ConfigProvider locale={lang === "zh-CN" ? zhCNLocale : enUS} theme={{ token: { colorPrimary: "#1677ff" } }}>
        <AntApp>{children}</AntApp>
      </ConfigProvider>
    </I18nContext.Provider>
  );
}

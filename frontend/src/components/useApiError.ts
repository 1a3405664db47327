import { App, type FormInstance } from "antd";
import { useCallback } from "react";
import { isApiError, problemToFieldErrors, type NamePath } from "../api/problem";
import { useT } from "../i18n/context";

export interface ReportOptions {
  /** Form whose fields receive the problem's `errors[]`. */
  form?: FormInstance;
  /** Called when the user asks to reload after a 412 (stale write). */
  onStale?: () => void;
  /** API field → form field, for fields the form shows under another name. */
  aliases?: Record<string, NamePath>;
}

/** Shows an API error: field errors on the form, 412 as "reload" dialog, the rest as a message. */
export function useApiError() {
  const { message, modal } = App.useApp();
  const t = useT();

  return useCallback(
    (err: unknown, opts: ReportOptions = {}) => {
      if (!isApiError(err)) {
        message.error(err instanceof TypeError ? t("common.networkError") : err instanceof Error ? err.message : t("common.error"));
        return;
      }
      if (err.status === 412) {
        modal.confirm({
          title: t("common.staleWrite"),
          okText: t("common.reload"),
          cancelText: t("common.cancel"),
          onOk: () => opts.onStale?.(),
        });
        return;
      }
      const p = err.problem;
      let extra: string[] = [];
      if (opts.form && p.errors?.length) {
        const mapped = problemToFieldErrors(p, opts.form.getFieldsValue(), opts.aliases);
        opts.form.setFields(mapped.fields);
        extra = mapped.unmatched;
        if (mapped.fields.length && !extra.length) return;
      } else if (p.errors?.length) {
        extra = p.errors.map((e) => `${e.field}: ${e.message}`);
      }
      // A validation problem's detail repeats its field errors ("field: message; ..."): then the
      // title heads the list; a rule violation's detail says it better than its field list.
      const detailRepeats = Boolean(p.detail && p.errors?.some((e) => p.detail!.includes(e.message)));
      const useDetail = Boolean(p.detail) && (!extra.length || !detailRepeats);
      const head =
        err.status === 403
          ? [t("common.forbidden"), p.detail].filter(Boolean).join(" ")
          : err.status === 429
            ? t("common.tooManyRequests")
            : (useDetail ? p.detail : p.title) || t("common.error");
      message.error((useDetail && err.status !== 403 ? [head] : [head, ...extra]).join("；"));
    },
    [message, modal, t],
  );
}

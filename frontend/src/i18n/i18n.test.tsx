import { fireEvent, render, screen } from "@testing-library/react";
import { DatePicker } from "antd";
import { describe, expect, it } from "vitest";
import { LANG_STORAGE_KEY, translate, useLang, useT } from "./context";
import { I18nProvider } from "./I18nProvider";
import { en, zhCN, type MessageKey } from "./messages";

function Probe() {
  const t = useT();
  const { lang, setLang } = useLang();
  return (
    <div>
      <span data-testid="label">{t("menu.customers")}</span>
      <span data-testid="vars">{t("followUp.by", { name: "张三" })}</span>
      <button onClick={() => setLang(lang === "zh-CN" ? "en" : "zh-CN")}>switch</button>
      <DatePicker open={false} placeholder={undefined} data-testid="picker" />
    </div>
  );
}

describe("i18n", () => {
  it("has an English text for every Chinese key", () => {
    const missing = (Object.keys(zhCN) as MessageKey[]).filter((k) => !en[k]);
    expect(missing).toEqual([]);
  });

  it("defaults to zh-CN and switches to English, remembering the choice", () => {
    const { unmount } = render(
      <I18nProvider>
        <Probe />
      </I18nProvider>,
    );
    expect(screen.getByTestId("label")).toHaveTextContent("客户");
    expect(screen.getByTestId("vars")).toHaveTextContent("张三 记录");
    expect(document.querySelector("input")?.getAttribute("placeholder")).toBe("请选择日期");

    fireEvent.click(screen.getByText("switch"));
    expect(screen.getByTestId("label")).toHaveTextContent("Customers");
    expect(screen.getByTestId("vars")).toHaveTextContent("by 张三");
    expect(localStorage.getItem(LANG_STORAGE_KEY)).toBe("en");
    expect(document.querySelector("input")?.getAttribute("placeholder")).toBe("Select date");
    unmount();

    render(
      <I18nProvider>
        <Probe />
      </I18nProvider>,
    );
    expect(screen.getByTestId("label")).toHaveTextContent("Customers");
  });

  it("leaves unknown placeholders alone", () => {
    expect(translate("en", "followUp.by", {})).toBe("by {name}");
  });
});

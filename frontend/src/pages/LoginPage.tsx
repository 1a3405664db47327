import { LockOutlined, TranslationOutlined, UserOutlined } from "@ant-design/icons";
import { Alert, Button, Card, Form, Input, Typography } from "antd";
import { useState } from "react";
import { Navigate, useNavigate, useSearchParams } from "react-router";
import { isApiError } from "../api/problem";
import { useAuth } from "../auth/context";
import { useLang, useT } from "../i18n/context";

interface LoginValues {
  username: string;
  password: string;
}

export function LoginPage() {
  const { login, isAuthenticated } = useAuth();
  const t = useT();
  const { lang, setLang } = useLang();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const [error, setError] = useState<string | null>(null);
  const [submitting, setSubmitting] = useState(false);
  const next = params.get("next");
  const target = next && next.startsWith("/") && !next.startsWith("//") ? next : "/";

  if (isAuthenticated && !submitting) return <Navigate to={target} replace />;

  async function onFinish(values: LoginValues) {
    setError(null);
    setSubmitting(true);
    try {
      await login(values.username, values.password);
      navigate(target, { replace: true });
    } catch (e) {
      if (isApiError(e) && e.status === 401) setError(t("login.invalid"));
      else if (isApiError(e) && e.status === 429) setError(t("login.locked"));
      else setError(e instanceof Error ? e.message : t("common.error"));
    } finally {
      setSubmitting(false);
    }
  }

  return (
    <div style={{ minHeight: "100vh", display: "flex", alignItems: "center", justifyContent: "center", background: "#f0f2f5" }}>
      <Card style={{ width: 380 }}>
        <div style={{ display: "flex", justifyContent: "space-between", alignItems: "baseline" }}>
          <Typography.Title level={3}>{t("app.title")}</Typography.Title>
          <Button
            type="link"
            size="small"
            icon={<TranslationOutlined />}
            data-testid="lang-switch"
            onClick={() => setLang(lang === "zh-CN" ? "en" : "zh-CN")}
          >
            {t("lang.switch")}
          </Button>
        </div>
        <Typography.Paragraph type="secondary">{t("login.title")}</Typography.Paragraph>
        {error && <Alert type="error" showIcon message={error} style={{ marginBottom: 16 }} data-testid="login-error" />}
        <Form<LoginValues> layout="vertical" onFinish={(v) => void onFinish(v)} data-testid="login-form">
          <Form.Item
            name="username"
            label={t("login.username")}
            rules={[{ required: true, message: t("login.required", { field: t("login.username") }) }]}
          >
            <Input prefix={<UserOutlined />} autoComplete="username" data-testid="login-username" autoFocus />
          </Form.Item>
          <Form.Item
            name="password"
            label={t("login.password")}
            rules={[{ required: true, message: t("login.required", { field: t("login.password") }) }]}
          >
            <Input.Password prefix={<LockOutlined />} autoComplete="current-password" data-testid="login-password" />
          </Form.Item>
          <Button type="primary" htmlType="submit" block loading={submitting} data-testid="login-submit">
            {t("login.submit")}
          </Button>
        </Form>
      </Card>
    </div>
  );
}

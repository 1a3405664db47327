import { useQuery } from "@tanstack/react-query";
import { Button, Result, Spin } from "antd";
import { Navigate, Outlet, useLocation } from "react-router";
import { useT } from "../i18n/context";
import { useAuth } from "./context";
import { fetchMe, ME_KEY } from "./me";

export function RequireAuth() {
  const { isAuthenticated } = useAuth();
  const location = useLocation();
  const t = useT();
  const me = useQuery({ queryKey: ME_KEY, queryFn: fetchMe, enabled: isAuthenticated, staleTime: 60_000 });

  if (!isAuthenticated) {
    const next = encodeURIComponent(location.pathname + location.search);
    return <Navigate to={`/login?next=${next}`} replace />;
  }
  if (me.isPending) {
    return (
      <div style={{ display: "flex", justifyContent: "center", padding: 96 }}>
        <Spin size="large" />
      </div>
    );
  }
  if (me.isError) {
    return (
      <Result
        status="error"
        title={t("common.error")}
        subTitle={me.error.message}
        extra={<Button onClick={() => void me.refetch()}>{t("common.reload")}</Button>}
      />
    );
  }
  return <Outlet />;
}

import { Button, Result } from "antd";
import { Link } from "react-router";
import { useT } from "../i18n/context";

export function NotFoundPage() {
  const t = useT();
  return (
    <div data-testid="not-found">
      <Result
        status="404"
        title={t("notFound.title")}
        subTitle={t("notFound.subtitle")}
        extra={
          <Link to="/">
            <Button type="primary">{t("notFound.home")}</Button>
          </Link>
        }
      />
    </div>
  );
}

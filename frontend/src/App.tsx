import { QueryClientProvider } from "@tanstack/react-query";
import { Result } from "antd";
import { useState, type ReactNode } from "react";
import { BrowserRouter, Navigate, Route, Routes } from "react-router";
import { AuthProvider } from "./auth/AuthProvider";
import { useAuth } from "./auth/context";
import { RequireAuth } from "./auth/RequireAuth";
import type { Action, Resource } from "./auth/permissions";
import { useT } from "./i18n/context";
import { I18nProvider } from "./i18n/I18nProvider";
import { AppLayout } from "./layout/AppLayout";
import { firstAllowedPath } from "./layout/menuConfig";
import { CustomerDetailPage } from "./pages/customers/CustomerDetailPage";
import { CustomerFormPage } from "./pages/customers/CustomerFormPage";
import { CustomerListPage } from "./pages/customers/CustomerListPage";
import { LostBoardRoute } from "./pages/customers/LostBoardRoute";
import { LeadBoardRoute } from "./pages/leads/LeadBoardRoute";
import { LeadDetailPage } from "./pages/leads/LeadDetailPage";
import { LeadImportPage } from "./pages/leads/LeadImportPage";
import { LeadListPage } from "./pages/leads/LeadListPage";
import { LoginPage } from "./pages/LoginPage";
import { NotFoundPage } from "./pages/NotFoundPage";
import { NotificationsPage } from "./pages/notifications/NotificationsPage";
import { OpportunityBoardPage } from "./pages/opportunities/OpportunityBoardPage";
import { OpportunityListPage } from "./pages/opportunities/OpportunityListPage";
import { OpportunityDetailPage } from "./pages/opportunities/OpportunityDetailPage";
import { PipelineRoute } from "./pages/pipeline/PipelineRoute";
import { SalesTargetsPage } from "./pages/pipeline/SalesTargetsPage";
import { ApprovalDetailPage } from "./pages/approvals/ApprovalDetailPage";
import { ApprovalInboxPage } from "./pages/approvals/ApprovalInboxPage";
import { PoolPage } from "./pages/pools/PoolPage";
import { DepartmentsPage } from "./pages/org/DepartmentsPage";
import { SalesZonesPage } from "./pages/org/SalesZonesPage";
import { TeamsPage } from "./pages/org/TeamsPage";
import { UsersPage } from "./pages/org/UsersPage";
import { ApprovalFlowsPage } from "./pages/settings/ApprovalFlowsPage";
import { AssignmentRulesPage } from "./pages/settings/AssignmentRulesPage";
import { BusinessLinesPage } from "./pages/settings/BusinessLinesPage";
import { ChannelsPage } from "./pages/settings/ChannelsPage";
import { ApiKeysPage } from "./pages/settings/ApiKeysPage";
import { NotificationChannelsPage } from "./pages/settings/NotificationChannelsPage";
import { WebhookDeliveriesPage } from "./pages/settings/WebhookDeliveriesPage";
import { WebhooksPage } from "./pages/settings/WebhooksPage";
import { CustomerRulesPage } from "./pages/settings/CustomerRulesPage";
import { LeadRulesPage } from "./pages/settings/LeadRulesPage";
import { PoolAdminPage } from "./pages/settings/PoolAdminPage";
import { PoolRulesPage } from "./pages/settings/PoolRulesPage";
import { LevelsTiersPage } from "./pages/settings/LevelsTiersPage";
import { RecyclingPage } from "./pages/settings/RecyclingPage";
import { RolesPage } from "./pages/settings/RolesPage";
import { makeQueryClient } from "./queryClient";

function Home() {
  const { me } = useAuth();
  const t = useT();
  const path = firstAllowedPath(me?.permissions);
  if (path) return <Navigate to={path} replace />;
  return <Result status="info" title={t("app.title")} subTitle={me?.user.display_name} />;
}

/** Renders the page only for users allowed to use it (others get the not-found page). */
function Allowed({ resource, action, children }: { resource: Resource; action: Action; children: ReactNode }) {
  const { can } = useAuth();
  return can(resource, action) ? <>{children}</> : <NotFoundPage />;
}

export function AppRoutes() {
  return (
    <Routes>
      <Route path="/login" element={<LoginPage />} />
      <Route element={<RequireAuth />}>
        <Route element={<AppLayout />}>
          <Route index element={<Home />} />
          <Route path="notifications" element={<NotificationsPage />} />
          <Route path="customers" element={<Allowed resource="customer" action="read"><CustomerListPage /></Allowed>} />
          <Route path="customers/lost" element={<Allowed resource="customer" action="read"><LostBoardRoute /></Allowed>} />
          <Route path="level-requests" element={<Navigate to="/approvals" replace />} />
          <Route path="approvals" element={<Allowed resource="approval" action="read"><ApprovalInboxPage /></Allowed>} />
          <Route path="approvals/:id" element={<Allowed resource="approval" action="read"><ApprovalDetailPage /></Allowed>} />
          <Route path="customers/new" element={<Allowed resource="customer" action="create"><CustomerFormPage /></Allowed>} />
          <Route path="customers/:id" element={<Allowed resource="customer" action="read"><CustomerDetailPage /></Allowed>} />
          <Route path="customers/:id/edit" element={<Allowed resource="customer" action="update"><CustomerFormPage /></Allowed>} />
          <Route path="opportunities" element={<Allowed resource="opportunity" action="read"><OpportunityListPage /></Allowed>} />
          <Route path="opportunities/board" element={<Allowed resource="opportunity" action="read"><OpportunityBoardPage /></Allowed>} />
          <Route path="opportunities/:id" element={<Allowed resource="opportunity" action="read"><OpportunityDetailPage /></Allowed>} />
          <Route path="pipeline" element={<Allowed resource="opportunity" action="read"><PipelineRoute /></Allowed>} />
          {/* everyone who reads opportunities sees the targets they may see; editing needs sales_target:manage */}
          <Route path="pipeline/targets" element={<Allowed resource="opportunity" action="read"><SalesTargetsPage /></Allowed>} />
          <Route path="pools" element={<Allowed resource="pool" action="read"><PoolPage /></Allowed>} />
          <Route path="leads" element={<Allowed resource="lead" action="read"><LeadListPage /></Allowed>} />
          <Route path="leads/board" element={<Allowed resource="lead" action="read"><LeadBoardRoute /></Allowed>} />
          <Route path="leads/import" element={<Allowed resource="lead" action="import"><LeadImportPage /></Allowed>} />
          <Route path="leads/import/:id" element={<Allowed resource="lead" action="import"><LeadImportPage /></Allowed>} />
          <Route path="leads/:id" element={<Allowed resource="lead" action="read"><LeadDetailPage /></Allowed>} />
          <Route path="org/departments" element={<Allowed resource="department" action="read"><DepartmentsPage /></Allowed>} />
          <Route path="org/zones" element={<Allowed resource="sales_zone" action="read"><SalesZonesPage /></Allowed>} />
          <Route path="org/teams" element={<Allowed resource="team" action="read"><TeamsPage /></Allowed>} />
          <Route path="org/users" element={<Allowed resource="user" action="read"><UsersPage /></Allowed>} />
          <Route path="settings/customer-rules" element={<Allowed resource="setting" action="read"><CustomerRulesPage /></Allowed>} />
          <Route path="settings/levels-tiers" element={<Allowed resource="setting" action="read"><LevelsTiersPage /></Allowed>} />
          <Route path="settings/lead-rules" element={<Allowed resource="setting" action="read"><LeadRulesPage /></Allowed>} />
          <Route path="settings/pool-rules" element={<Allowed resource="setting" action="read"><PoolRulesPage /></Allowed>} />
          <Route path="settings/pools" element={<Allowed resource="pool" action="manage"><PoolAdminPage /></Allowed>} />
          <Route path="settings/recycling" element={<Allowed resource="setting" action="read"><RecyclingPage /></Allowed>} />
          <Route path="settings/assignment-rules" element={<Allowed resource="assignment_rule" action="read"><AssignmentRulesPage /></Allowed>} />
          <Route path="settings/approval-flows" element={<Allowed resource={"approval_flow"} action="read"><ApprovalFlowsPage /></Allowed>} />
          <Route path="settings/business-lines" element={<Allowed resource="business_line" action="read"><BusinessLinesPage /></Allowed>} />
          <Route path="settings/channels" element={<Allowed resource="channel" action="read"><ChannelsPage /></Allowed>} />
          <Route path="settings/roles" element={<Allowed resource="role" action="manage"><RolesPage /></Allowed>} />
          <Route path="settings/api-keys" element={<Allowed resource="api_key" action="read"><ApiKeysPage /></Allowed>} />
          <Route path="settings/webhooks" element={<Allowed resource="webhook" action="read"><WebhooksPage /></Allowed>} />
          <Route path="settings/webhooks/:id" element={<Allowed resource="webhook" action="read"><WebhookDeliveriesPage /></Allowed>} />
          <Route path="settings/notification-channels" element={<Allowed resource="setting" action="read"><NotificationChannelsPage /></Allowed>} />
          <Route path="*" element={<NotFoundPage />} />
        </Route>
      </Route>
    </Routes>
  );
}

export function App() {
  const [queryClient] = useState(makeQueryClient);
  return (
    <QueryClientProvider client={queryClient}>
      <I18nProvider>
        <BrowserRouter>
          <AuthProvider>
            <AppRoutes />
          </AuthProvider>
        </BrowserRouter>
      </I18nProvider>
    </QueryClientProvider>
  );
}

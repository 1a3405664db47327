/**
 * Domain types derived from the generated OpenAPI paths (src/api/schema.d.ts), by path
 * rather than by component name, so regenerating the schema keeps them stable.
 */
import type { paths } from "./schema";

type JsonContent<R> = R extends { content: { "application/json": infer J } } ? J : never;

/** JSON body of the success (200 or 201) response of an operation. */
export type Ok<Op> = Op extends { responses: infer R }
  ? R extends { 200: infer S }
    ? JsonContent<S>
    : R extends { 201: infer S }
      ? JsonContent<S>
      : never
  : never;

/** JSON request body of an operation. */
export type Body<Op> = Op extends { requestBody?: infer B } ? JsonContent<NonNullable<B>> : never;

export type Query<Op> = Op extends { parameters: { query?: infer Q } } ? NonNullable<Q> : never;

type P = paths;
export type TokenPair = Ok<P["/api/v1/auth/token"]["post"]>;
export type Me = Ok<P["/api/v1/me"]["get"]>;
export type Permissions = Me["permissions"];
export type Scope = "own" | "team" | "zone" | "all";

export type CustomerPage = Ok<P["/api/v1/customers"]["get"]>;
export type CustomerListItem = CustomerPage["items"][number];
export type CustomerQuery = Query<P["/api/v1/customers"]["get"]>;
export type CustomerSort = NonNullable<CustomerQuery["sort"]>;
export type Customer = Ok<P["/api/v1/customers/{customer_id}"]["get"]>;
export type CustomerCreate = Body<P["/api/v1/customers"]["post"]>;
export type CustomerUpdate = Body<P["/api/v1/customers/{customer_id}"]["patch"]>;
export type CustomerKind = CustomerCreate["kind"];
export type CustomerLevel = NonNullable<CustomerQuery["level"]>;
export type CustomerTag = CustomerListItem["tags"][number];

export type Tier = Ok<P["/api/v1/customer-tiers"]["get"]>["items"][number];
export type TierUpdate = Body<P["/api/v1/customer-tiers/{code}"]["patch"]>;
export type LevelDefinition = Ok<P["/api/v1/customer-levels"]["get"]>["items"][number];
export type LevelDefinitionUpdate = Body<P["/api/v1/customer-levels/{code}"]["patch"]>;
export type LevelRequest = Ok<P["/api/v1/level-requests/{request_id}"]["get"]>;
export type LevelRequestPage = Ok<P["/api/v1/level-requests"]["get"]>;
export type LevelRequestStatus = LevelRequest["status"];
export type CustomerRules = Ok<P["/api/v1/settings/customer-rules"]["get"]>;
export type CompanySize = NonNullable<CustomerCreate["size"]>;
export type Gender = NonNullable<CustomerCreate["gender"]>;
export type IdType = NonNullable<CustomerCreate["id_type"]>;

export type Contact = Ok<P["/api/v1/customers/{customer_id}/contacts"]["get"]>["items"][number];
export type ContactIn = Body<P["/api/v1/customers/{customer_id}/contacts"]["post"]>;
export type ContactUpdate = Body<P["/api/v1/contacts/{contact_id}"]["patch"]>;
export type DecisionRole = NonNullable<ContactIn["decision_role"]>;
export type Attitude = NonNullable<ContactIn["attitude"]>;

export type FollowUp = Ok<P["/api/v1/customers/{customer_id}/follow-ups"]["get"]>["items"][number];
export type FollowUpIn = Body<P["/api/v1/customers/{customer_id}/follow-ups"]["post"]>;
export type FollowUpUpdate = Body<P["/api/v1/follow-ups/{follow_up_id}"]["patch"]>;
export type FollowUpKind = FollowUpIn["kind"];

export type TagCategory = Ok<P["/api/v1/tag-categories"]["get"]>["items"][number];
export type Tag = Ok<P["/api/v1/tags"]["get"]>["items"][number];
export type AuditEntry = Ok<P["/api/v1/audit-log"]["get"]>["items"][number];

export type Department = Ok<P["/api/v1/departments"]["get"]>["items"][number];
export type SalesZone = Ok<P["/api/v1/sales-zones"]["get"]>["items"][number];
export type SalesZoneIn = Body<P["/api/v1/sales-zones"]["post"]>;
export type SalesZoneUpdate = Body<P["/api/v1/sales-zones/{zone_id}"]["patch"]>;
export type Team = Ok<P["/api/v1/teams"]["get"]>["items"][number];
export type TeamIn = Body<P["/api/v1/teams"]["post"]>;
export type TeamUpdate = Body<P["/api/v1/teams/{team_id}"]["patch"]>;
export type User = Ok<P["/api/v1/users"]["get"]>["items"][number];
export type UserCreate = Body<P["/api/v1/users"]["post"]>;
export type UserUpdate = Body<P["/api/v1/users/{user_id}"]["patch"]>;
export type Membership = Ok<P["/api/v1/users/{user_id}/memberships"]["get"]>["items"][number];
export type Region = Ok<P["/api/v1/regions"]["get"]>["items"][number];
export type Role = Ok<P["/api/v1/roles"]["get"]>["items"][number];
export type Policy = Role["policies"][number];
export type PermissionCatalog = Ok<P["/api/v1/permissions/catalog"]["get"]>;
export type ApiKey = Ok<P["/api/v1/api-keys"]["get"]>["items"][number];
export type ApiKeyCreated = Ok<P["/api/v1/api-keys"]["post"]>;

export type LeadPage = Ok<P["/api/v1/leads"]["get"]>;
export type Lead = LeadPage["items"][number];
export type LeadQuery = Query<P["/api/v1/leads"]["get"]>;
export type LeadSort = NonNullable<LeadQuery["sort"]>;
export type LeadStatus = NonNullable<LeadQuery["status"]>;
export type LeadDetail = Ok<P["/api/v1/leads/{lead_id}"]["get"]>;
export type LeadAction = LeadDetail["actions"][number];
export type LeadCreate = Body<P["/api/v1/leads"]["post"]>;
export type LeadActionIn = Body<P["/api/v1/leads/{lead_id}/actions"]["post"]>;
export type LeadActionKind = LeadActionIn["kind"];
export type Channel = Ok<P["/api/v1/channels"]["get"]>["items"][number];
export type ChannelIn = Body<P["/api/v1/channels"]["post"]>;
export type ChannelUpdate = Body<P["/api/v1/channels/{channel_id}"]["patch"]>;
export type LeadForm = Ok<P["/api/v1/lead-forms"]["get"]>["items"][number];
export type LeadFormIn = Body<P["/api/v1/lead-forms"]["post"]>;
export type AssignmentRule = Ok<P["/api/v1/assignment-rules"]["get"]>["items"][number];
export type AssignmentRuleIn = Body<P["/api/v1/assignment-rules"]["post"]>;
export type AssignmentActionType = AssignmentRuleIn["action_type"];
export type RoutingSample = Body<P["/api/v1/assignment-rules/dry-run"]["post"]>;
export type RoutingDecision = Ok<P["/api/v1/assignment-rules/dry-run"]["post"]>;

export interface Page<T> {
  items: T[];
  next_cursor?: string | null;
}

export type LeadImport = Ok<P["/api/v1/imports/{import_id}"]["get"]>;
export type LeadImportStatus = LeadImport["status"];
export type ImportField = Ok<P["/api/v1/imports/fields"]["get"]>[number];
export type ImportStart = Body<P["/api/v1/imports/{import_id}/start"]["post"]>;
export type ImportMapping = NonNullable<ImportStart["mapping"]>;
export type LeadQueue = NonNullable<Lead["queue"]>;
export type LeadRules = Ok<P["/api/v1/settings/lead-rules"]["get"]>;
export type LeadRulesUpdate = Body<P["/api/v1/settings/lead-rules"]["put"]>;
export type LeadScoring = Ok<P["/api/v1/settings/lead-scoring"]["get"]>;
export type LeadScoringUpdate = Body<P["/api/v1/settings/lead-scoring"]["put"]>;
export type Notification = Ok<P["/api/v1/notifications"]["get"]>["items"][number];

export type Pool = Ok<P["/api/v1/pools"]["get"]>["items"][number];
export type PoolIn = Body<P["/api/v1/pools"]["post"]>;
export type PoolCustomerPage = Ok<P["/api/v1/pools/{pool_id}/customers"]["get"]>;
export type PoolCustomer = PoolCustomerPage["items"][number];
export type PoolCustomerQuery = Query<P["/api/v1/pools/{pool_id}/customers"]["get"]>;
export type AllocateIn = Body<P["/api/v1/pools/{pool_id}/allocate"]["post"]>;
export type AllocateOut = Ok<P["/api/v1/pools/{pool_id}/allocate"]["post"]>;
export type PoolRules = Ok<P["/api/v1/settings/pool-rules"]["get"]>;
export type PoolRulesUpdate = Body<P["/api/v1/settings/pool-rules"]["put"]>;
export type PoolLimits = PoolRules["defaults"];

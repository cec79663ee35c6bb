/**
 * Registry of every parameter pgsty knows: the groups in display order (the seed's PGSQL groups
 * first, then node, HAProxy, etcd and connection groups), a name → spec map, the documented
 * defaults, and `HostVars`, the type of one host's resolved vars. No logic beyond assembling the
 * lists. Pure: imports only the schema files; must not import I/O modules.
 */
import type * as z from "zod";
import type { ParamGroup, ParamSpec } from "./param.js";
import { PG_ID, PG_ID_PARAMS } from "./pg-id.js";
import { PG_BUSINESS, PG_BUSINESS_PARAMS } from "./pg-business.js";
import { PG_INSTALL, PG_INSTALL_PARAMS } from "./pg-install.js";
import { PG_BOOTSTRAP, PG_BOOTSTRAP_PARAMS } from "./pg-bootstrap.js";
import { PG_PROVISION, PG_PROVISION_PARAMS } from "./pg-provision.js";
import { PG_BACKUP, PG_BACKUP_PARAMS } from "./pg-backup.js";
import { PG_ACCESS, PG_ACCESS_PARAMS } from "./pg-access.js";
import { PG_MONITOR, PG_MONITOR_PARAMS } from "./pg-monitor.js";
import { PG_REMOVE, PG_REMOVE_PARAMS } from "./pg-remove.js";
import {
  CONNECTION,
  CONNECTION_PARAMS,
  INFRA_ID,
  INFRA_ID_PARAMS,
  META,
  META_PARAMS,
  NODE_ID,
  NODE_ID_PARAMS,
  NODE_SEC,
  NODE_SEC_PARAMS,
  NODE_TIME,
  NODE_TIME_PARAMS,
  NODE_TUNE,
  NODE_TUNE_PARAMS,
} from "./node.js";
import { HAPROXY, HAPROXY_PARAMS } from "./haproxy.js";
import { ETCD, ETCD_PARAMS, ETCD_REMOVE, ETCD_REMOVE_PARAMS } from "./etcd.js";

export type { Level, ParamGroup, ParamSpec, Sensitive } from "./param.js";
export type { PgUser, PgRoleMembership } from "./user.js";
export type { PgDatabase, PgSchemaItem, PgExtensionItem } from "./database.js";
export type { PgService, HaproxyService, HaproxyServer } from "./service.js";
export type { HbaRule, HbaAddrAlias, HbaAuthAlias, HbaRole } from "./hba.js";
export type { PgBackrestRepo } from "./pgbackrest.js";
export type { PgMode, PgRole } from "./pg-id.js";
export { userSchema, roleMembershipSchema } from "./user.js";
export { databaseSchema, schemaItemSchema, extensionItemSchema } from "./database.js";
export { serviceSchema, haproxyServiceSchema } from "./service.js";
export { hbaRuleSchema, HBA_ADDR_ALIASES, HBA_AUTH_ALIASES, HBA_SSL_AUTHS, HBA_USER_ALIASES, HBA_ROLES } from "./hba.js";
export { pgbackrestRepoSchema } from "./pgbackrest.js";
export { PG_MODES, PG_ROLES } from "./pg-id.js";

/** Every parameter group, in display order: PGSQL groups as in the seed, then the rest. */
export const PARAMETER_GROUPS: readonly ParamGroup[] = [
  PG_ID,
  PG_BUSINESS,
  PG_INSTALL,
  PG_BOOTSTRAP,
  PG_PROVISION,
  PG_BACKUP,
  PG_ACCESS,
  PG_MONITOR,
  PG_REMOVE,
  META,
  INFRA_ID,
  NODE_ID,
  NODE_TUNE,
  NODE_SEC,
  NODE_TIME,
  HAPROXY,
  ETCD,
  ETCD_REMOVE,
  CONNECTION,
];

/** Every parameter by name, in group order. */
export const PARAMETERS: ReadonlyMap<string, ParamSpec> = new Map(
  PARAMETER_GROUPS.flatMap((g) => g.params.map((p) => [p.name, p] as const)),
);

/** Documented defaults of the parameters that have one (values are deeply frozen). */
export const DEFAULTS: Readonly<Record<string, unknown>> = Object.freeze(
  Object.fromEntries([...PARAMETERS.values()].filter((p) => p.default !== undefined).map((p) => [p.name, p.default])),
);

type AllParams = typeof PG_ID_PARAMS &
  typeof PG_BUSINESS_PARAMS &
  typeof PG_INSTALL_PARAMS &
  typeof PG_BOOTSTRAP_PARAMS &
  typeof PG_PROVISION_PARAMS &
  typeof PG_BACKUP_PARAMS &
  typeof PG_ACCESS_PARAMS &
  typeof PG_MONITOR_PARAMS &
  typeof PG_REMOVE_PARAMS &
  typeof META_PARAMS &
  typeof INFRA_ID_PARAMS &
  typeof NODE_ID_PARAMS &
  typeof NODE_TUNE_PARAMS &
  typeof NODE_SEC_PARAMS &
  typeof NODE_TIME_PARAMS &
  typeof HAPROXY_PARAMS &
  typeof ETCD_PARAMS &
  typeof ETCD_REMOVE_PARAMS &
  typeof CONNECTION_PARAMS;

type ValueOf<P> = P extends { readonly schema: infer S extends z.ZodType } ? z.output<S> : never;
type DefaultedNames = { [K in keyof AllParams]: AllParams[K] extends { readonly default: undefined } ? never : K }[keyof AllParams];
type OptionalNames = Exclude<keyof AllParams, DefaultedNames>;

/** Name of a known parameter. */
export type ParamName = keyof AllParams;

/**
 * The resolved vars of one host, as far as pgsty knows them: every parameter with a default is
 * present; the others (identity parameters, optional overrides) may be missing. Hosts may carry
 * other keys too (other modules' vars); read those through an index with `unknown`.
 */
export type HostVars = { readonly [K in DefaultedNames]: ValueOf<AllParams[K]> } & {
  readonly [K in OptionalNames]?: ValueOf<AllParams[K]>;
};

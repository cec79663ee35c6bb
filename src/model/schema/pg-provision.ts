/**
 * PG_PROVISION parameters: the objects every cluster gets after bootstrap — default roles,
 * default privileges, schemas, extensions and the default HBA rules (seed PG_PROVISION,
 * reference §3.6, §4.1). Default values live in pg-provision-defaults.ts.
 * Pure: imports only zod and sibling schema files; must not import I/O modules.
 */
import * as z from "zod";
import { defineGroup } from "./param.js";
import { withDefault } from "./common.js";
import { userSchema, USER_LIST_SENSITIVE } from "./user.js";
import { extensionEntry, schemaEntry } from "./database.js";
import { hbaRuleSchema } from "./hba.js";
import {
  DEFAULT_EXTENSIONS,
  DEFAULT_HBA_RULES,
  DEFAULT_PGB_HBA_RULES,
  DEFAULT_PRIVILEGES,
  DEFAULT_ROLES,
  DEFAULT_SCHEMAS,
} from "./pg-provision-defaults.js";

export const PG_PROVISION_PARAMS = {
  pg_provision: withDefault(
    z.boolean().describe("Provision the cluster after bootstrap (default roles, privileges, schemas, extensions, users, databases); default true. false for Greenplum-like kernels."),
    "C",
    true,
  ),
  pg_init: withDefault(
    z
      .string()
      .min(1)
      .describe("Name of the template of the init script run on the primary after bootstrap (copied to /pg/bin/pg-init); default pg-init. A custom one should keep the default logic."),
    "G/C",
    "pg-init",
  ),
  pg_default_roles: withDefault(
    z
      .array(userSchema)
      .describe(
        "Default roles and system users of every cluster, created before pg_users: dbrole_readonly/offline/readwrite/admin, postgres, replicator, dbuser_dba, dbuser_monitor. Same item format as pg_users.",
      ),
    "G/C",
    DEFAULT_ROLES,
    USER_LIST_SENSITIVE,
  ),
  pg_default_privileges: withDefault(
    z
      .array(z.string())
      .describe(
        "Default privileges granted in every database (ALTER DEFAULT PRIVILEGES FOR ROLE dbsu / admin / dbrole_admin …), e.g. 'GRANT SELECT ON TABLES TO dbrole_readonly'.",
      ),
    "G/C",
    DEFAULT_PRIVILEGES,
  ),
  pg_default_schemas: withDefault(
    z.array(schemaEntry).describe("Schemas created in template1 and postgres: a name or {name, owner?, state?}; default [monitor]."),
    "G/C",
    DEFAULT_SCHEMAS,
  ),
  pg_default_extensions: withDefault(
    z
      .array(extensionEntry)
      .describe(
        "Extensions created in template1 and postgres: a name or {name, schema?, version?, state?}. Default: monitoring contrib extensions in schema monitor, common contrib extensions in public, pg_repack.",
      ),
    "G/C",
    DEFAULT_EXTENSIONS,
  ),
  pg_reload: withDefault(
    z
      .boolean()
      .describe("Reload PostgreSQL, pgbouncer, Patroni and HAProxy after configuration (e.g. HBA) changes; default true. Set false to review changes before they take effect."),
    "G/C/I",
    true,
  ),
  pg_default_hba_rules: withDefault(
    z
      .array(hbaRuleSchema)
      .describe("Global default PostgreSQL HBA rules (orders 100-650); pg_hba_rules are appended and everything is sorted by order. Same item format as pg_hba_rules."),
    "G/C",
    DEFAULT_HBA_RULES,
  ),
  pgb_default_hba_rules: withDefault(
    z
      .array(hbaRuleSchema)
      .describe("Global default pgbouncer HBA rules (orders 100-400); pgb_hba_rules are appended and everything is sorted by order. Same item format as pgb_hba_rules."),
    "G/C",
    DEFAULT_PGB_HBA_RULES,
  ),
} as const;

export const PG_PROVISION = defineGroup(
  "PG_PROVISION",
  "Objects created in every cluster after bootstrap: default roles and users, default privileges, schemas, extensions, and the default PostgreSQL and pgbouncer HBA rules.",
  PG_PROVISION_PARAMS,
);

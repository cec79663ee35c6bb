/**
 * PG_BUSINESS parameters: what the business declares per cluster (users, databases, services,
 * HBA rules, crontab) and the global credentials of the system users (seed PG_BUSINESS).
 * Pure: imports only zod and sibling schema files; must not import I/O modules.
 */
import * as z from "zod";
import { defineGroup } from "./param.js";
import { withDefault } from "./common.js";
import { userSchema, USER_LIST_SENSITIVE, type PgUser } from "./user.js";
import { databaseSchema, type PgDatabase } from "./database.js";
import { serviceSchema, type PgService } from "./service.js";
import { hbaRuleSchema, type HbaRule } from "./hba.js";

const NO_USERS: PgUser[] = [];
const NO_DATABASES: PgDatabase[] = [];
const NO_SERVICES: PgService[] = [];
const NO_RULES: HbaRule[] = [];

export const PG_BUSINESS_PARAMS = {
  pg_users: withDefault(
    z
      .array(userSchema)
      .describe(
        "Business users and roles of the cluster, created in list order after pg_default_roles (define groups before their members). Each item: {name, password, login, roles, pgbouncer, …}. Roles on the server that no pg_users or pg_default_roles entry declares are dropped by apply, safely (their objects reassigned to pg_dbsu); built-in roles and the system users are kept.",
      ),
    "C",
    NO_USERS,
    USER_LIST_SENSITIVE,
  ),
  pg_databases: withDefault(
    z
      .array(databaseSchema)
      .describe("Business databases of the cluster, created in list order (a later database may use an earlier one as template). Each item: {name, owner, schemas, extensions, …}."),
    "C",
    NO_DATABASES,
  ),
  pg_services: withDefault(
    z
      .array(serviceSchema)
      .describe("Extra services of the cluster exposed by HAProxy, in addition to pg_default_services. Each item: {name, port, selector, dest, check, …}."),
    "C",
    NO_SERVICES,
  ),
  pg_hba_rules: withDefault(
    z
      .array(hbaRuleSchema)
      .describe("Extra PostgreSQL HBA rules of the cluster or instance, appended to pg_default_hba_rules and sorted together by order."),
    "C",
    NO_RULES,
  ),
  pgb_hba_rules: withDefault(
    z
      .array(hbaRuleSchema)
      .describe("Extra pgbouncer HBA rules of the cluster or instance, appended to pgb_default_hba_rules and sorted together by order."),
    "C",
    NO_RULES,
  ),
  pg_crontab: withDefault(
    z
      .array(z.string())
      .describe(
        "Crontab entries of the dbsu (written to its cron spool file, replacing it), e.g. '00 01 * * * /pg/bin/pg-backup full'. An empty list leaves an existing crontab alone.",
      ),
    "C",
    [],
  ),
  pg_replication_username: withDefault(
    z.string().min(1).describe("Physical replication user name; default replicator. Changing it is not recommended (pg_default_roles names it too)."),
    "G",
    "replicator",
  ),
  pg_replication_password: withDefault(
    z.string().describe("Password of the replication user; default DBUser.Replicator. Change it in production."),
    "G",
    "DBUser.Replicator",
    true,
  ),
  pg_admin_username: withDefault(
    z.string().min(1).describe("System administrator user (superuser, pgbouncer admin); default dbuser_dba."),
    "G",
    "dbuser_dba",
  ),
  pg_admin_password: withDefault(
    z.string().describe("Password of the admin user; default DBUser.DBA. Change it in production."),
    "G",
    "DBUser.DBA",
    true,
  ),
  pg_monitor_username: withDefault(
    z.string().min(1).describe("Monitoring user of PostgreSQL and pgbouncer; default dbuser_monitor."),
    "G",
    "dbuser_monitor",
  ),
  pg_monitor_password: withDefault(
    z
      .string()
      .describe("Password of the monitor user; default DBUser.Monitor. Avoid @:/ characters, which are URL delimiters. Change it in production."),
    "G",
    "DBUser.Monitor",
    true,
  ),
  pg_dbsu_password: withDefault(
    z
      .string()
      .describe("Password of the dbsu (postgres); default '' meaning no password. Needed with pg_mode citus so shard members can connect to each other."),
    "G/C",
    "",
    true,
  ),
} as const;

export const PG_BUSINESS = defineGroup(
  "PG_BUSINESS",
  "Business objects declared per cluster (users, databases, services, HBA rules, crontab) and the credentials of the system users.",
  PG_BUSINESS_PARAMS,
);

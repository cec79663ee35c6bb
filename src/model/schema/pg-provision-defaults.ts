/**
 * Documented default values of the PG_PROVISION lists, transcribed from the seed ("12 -
 * Parameters", PG_PROVISION): default roles, default privileges, schemas, extensions and the
 * PostgreSQL / pgbouncer HBA rules. Data only. Pure: imports only types; must not import I/O.
 */
import type { PgUser } from "./user.js";
import type { PgExtensionItem, PgSchemaItem } from "./database.js";
import type { HbaRule } from "./hba.js";

export const DEFAULT_ROLES: PgUser[] = [
  { name: "dbrole_readonly", login: false, comment: "role for global read-only access" },
  { name: "dbrole_offline", login: false, comment: "role for restricted read-only access" },
  { name: "dbrole_readwrite", login: false, roles: ["dbrole_readonly"], comment: "role for global read-write access" },
  { name: "dbrole_admin", login: false, roles: ["pg_monitor", "dbrole_readwrite"], comment: "role for object creation" },
  { name: "postgres", superuser: true, comment: "system superuser" },
  { name: "replicator", replication: true, roles: ["pg_monitor", "dbrole_readonly"], comment: "system replicator" },
  {
    name: "dbuser_dba",
    superuser: true,
    roles: ["dbrole_admin"],
    pgbouncer: true,
    pool_mode: "session",
    pool_connlimit: 16,
    comment: "pgsql admin user",
  },
  {
    name: "dbuser_monitor",
    roles: ["pg_monitor", "dbrole_readonly"],
    pgbouncer: true,
    parameters: { log_min_duration_statement: 1000 },
    pool_mode: "session",
    pool_connlimit: 8,
    comment: "pgsql monitor user",
  },
];

export const DEFAULT_PRIVILEGES: string[] = [
  "GRANT USAGE ON SCHEMAS TO dbrole_readonly",
  "GRANT SELECT ON TABLES TO dbrole_readonly",
  "GRANT SELECT ON SEQUENCES TO dbrole_readonly",
  "GRANT EXECUTE ON FUNCTIONS TO dbrole_readonly",
  "GRANT USAGE ON SCHEMAS TO dbrole_offline",
  "GRANT SELECT ON TABLES TO dbrole_offline",
  "GRANT SELECT ON SEQUENCES TO dbrole_offline",
  "GRANT EXECUTE ON FUNCTIONS TO dbrole_offline",
  "GRANT INSERT ON TABLES TO dbrole_readwrite",
  "GRANT UPDATE ON TABLES TO dbrole_readwrite",
  "GRANT DELETE ON TABLES TO dbrole_readwrite",
  "GRANT USAGE ON SEQUENCES TO dbrole_readwrite",
  "GRANT UPDATE ON SEQUENCES TO dbrole_readwrite",
  "GRANT TRUNCATE ON TABLES TO dbrole_admin",
  "GRANT REFERENCES ON TABLES TO dbrole_admin",
  "GRANT TRIGGER ON TABLES TO dbrole_admin",
  "GRANT CREATE ON SCHEMAS TO dbrole_admin",
];

export const DEFAULT_SCHEMAS: (string | PgSchemaItem)[] = ["monitor"];

export const DEFAULT_EXTENSIONS: (string | PgExtensionItem)[] = [
  { name: "pg_stat_statements", schema: "monitor" },
  { name: "pgstattuple", schema: "monitor" },
  { name: "pg_buffercache", schema: "monitor" },
  { name: "pageinspect", schema: "monitor" },
  { name: "pg_prewarm", schema: "monitor" },
  { name: "pg_visibility", schema: "monitor" },
  { name: "pg_freespacemap", schema: "monitor" },
  { name: "postgres_fdw", schema: "public" },
  { name: "file_fdw", schema: "public" },
  { name: "btree_gist", schema: "public" },
  { name: "btree_gin", schema: "public" },
  { name: "pg_trgm", schema: "public" },
  { name: "intagg", schema: "public" },
  { name: "intarray", schema: "public" },
  { name: "pg_repack" },
];

export const DEFAULT_HBA_RULES: HbaRule[] = [
  { user: "${dbsu}", db: "all", addr: "local", auth: "ident", title: "dbsu access via local os user ident", order: 100 },
  { user: "${dbsu}", db: "replication", addr: "local", auth: "ident", title: "dbsu replication from local os ident", order: 150 },
  { user: "${repl}", db: "replication", addr: "localhost", auth: "pwd", title: "replicator replication from localhost", order: 200 },
  { user: "${repl}", db: "replication", addr: "intra", auth: "pwd", title: "replicator replication from intranet", order: 250 },
  { user: "${repl}", db: "postgres", addr: "intra", auth: "pwd", title: "replicator postgres db from intranet", order: 300 },
  { user: "${monitor}", db: "all", addr: "localhost", auth: "pwd", title: "monitor from localhost with password", order: 350 },
  { user: "${monitor}", db: "all", addr: "infra", auth: "pwd", title: "monitor from infra host with password", order: 400 },
  { user: "${admin}", db: "all", addr: "infra", auth: "ssl", title: "admin @ infra nodes with pwd & ssl", order: 450 },
  { user: "${admin}", db: "all", addr: "world", auth: "ssl", title: "admin @ everywhere with ssl & pwd", order: 500 },
  { user: "+dbrole_readonly", db: "all", addr: "localhost", auth: "pwd", title: "pgbouncer read/write via local socket", order: 550 },
  { user: "+dbrole_readonly", db: "all", addr: "intra", auth: "pwd", title: "read/write biz user via password", order: 600 },
  { user: "+dbrole_offline", db: "all", addr: "intra", auth: "pwd", title: "allow etl offline tasks from intranet", order: 650 },
];

export const DEFAULT_PGB_HBA_RULES: HbaRule[] = [
  { user: "${dbsu}", db: "pgbouncer", addr: "local", auth: "peer", title: "dbsu local admin access with os ident", order: 100 },
  { user: "all", db: "all", addr: "localhost", auth: "pwd", title: "allow all user local access with pwd", order: 150 },
  { user: "${monitor}", db: "pgbouncer", addr: "intra", auth: "pwd", title: "monitor access via intranet with pwd", order: 200 },
  { user: "${monitor}", db: "all", addr: "world", auth: "deny", title: "reject all other monitor access addr", order: 250 },
  { user: "${admin}", db: "all", addr: "intra", auth: "pwd", title: "admin access via intranet with pwd", order: 300 },
  { user: "${admin}", db: "all", addr: "world", auth: "deny", title: "reject all other admin access addr", order: 350 },
  { user: "all", db: "all", addr: "intra", auth: "pwd", title: "allow all user intra access with pwd", order: 400 },
];

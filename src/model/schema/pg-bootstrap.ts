/**
 * PG_BOOTSTRAP parameters: how the cluster is created with Patroni — directories, storage,
 * listen addresses, Patroni, the configuration template, HA objectives (pg_rto/pg_rpo), encoding
 * and locale (seed PG_BOOTSTRAP, reference §5).
 * Pure: imports only zod and sibling schema files; must not import I/O modules.
 */
import * as z from "zod";
import { defineGroup } from "./param.js";
import { noDefault, nonNegativeInt, port, settingValue, withDefault } from "./common.js";

export const PATRONI_MODES = ["default", "pause", "remove"] as const;
export const WATCHDOG_MODES = ["off", "automatic", "required"] as const;
export const STORAGE_TYPES = ["SSD", "HDD"] as const;
export const IO_METHODS = ["auto", "sync", "worker", "io_uring"] as const;
/** Presets of pg_rto: Pigsty's names, objectives of 15/30/60/120 s (modules/haproxy/timing.ts). */
export const RTO_PRESETS = ["fast", "norm", "safe", "wide"] as const;
export const PWD_ENCRYPTIONS = ["scram-sha-256", "md5"] as const;

const path = z.string().min(1);

export const PG_BOOTSTRAP_PARAMS = {
  pg_data: withDefault(path.describe("PostgreSQL data directory; default /pg/data (under the /pg symlink). Do not change it."), "C", "/pg/data"),
  pg_fs_main: withDefault(
    path.describe("Mount point of the main data disk; /pg links to <pg_fs_main>/<pg_cluster>-<pg_version>. Default /data/postgres."),
    "C",
    "/data/postgres",
  ),
  pg_fs_backup: withDefault(
    path.describe("Mount point of the backup disk used by the local pgBackRest repository; default /data/backups. A separate disk is recommended."),
    "C",
    "/data/backups",
  ),
  pg_storage_type: withDefault(
    z.enum(STORAGE_TYPES).describe("Storage medium of the data disk: SSD (default) or HDD; tunes random_page_cost and effective_io_concurrency."),
    "C",
    "SSD",
  ),
  pg_dummy_filesize: withDefault(
    z.string().describe("Size of the placeholder file /pg/dummy that can be deleted to free space when the disk is full, e.g. 64MiB (default); 8GiB+ in production."),
    "C",
    "64MiB",
  ),
  pg_listen: withDefault(
    z
      .string()
      .min(1)
      .describe("Comma-separated listen addresses of PostgreSQL and pgbouncer; default 0.0.0.0. Placeholders: ${ip} (inventory IP), ${lo} (127.0.0.1), ${vip} (the L2 VIP)."),
    "C",
    "0.0.0.0",
  ),
  pg_port: withDefault(port.describe("Port PostgreSQL listens on; default 5432."), "C", 5432),
  pg_localhost: withDefault(
    path.describe("Unix socket directory for local connections of PostgreSQL and pgbouncer; default /var/run/postgresql."),
    "C",
    "/var/run/postgresql",
  ),
  pg_namespace: withDefault(path.describe("Top-level key prefix in etcd used by Patroni and vip-manager; default /pg."), "C", "/pg"),
  patroni_enabled: withDefault(
    z.boolean().describe("Create the cluster with Patroni; default true. false skips configuring and launching PostgreSQL (to add components to existing instances)."),
    "C",
    true,
  ),
  patroni_mode: withDefault(
    z
      .enum(PATRONI_MODES)
      .describe("Patroni mode: default (Patroni manages HA), pause (maintenance mode after bootstrap) or remove (bootstrap with Patroni, then run plain PostgreSQL without it)."),
    "C",
    "default",
  ),
  patroni_port: withDefault(port.describe("Patroni REST API port used for health checks and management; default 8008."), "C", 8008),
  patroni_log_dir: withDefault(path.describe("Patroni log directory; default /pg/log/patroni."), "C", "/pg/log/patroni"),
  patroni_ssl_enabled: withDefault(
    z.boolean().describe("Serve the Patroni REST API over HTTPS; default false. Decide before deployment: health checks and metrics then use HTTPS."),
    "G",
    false,
  ),
  patroni_watchdog_mode: withDefault(
    z
      .union([z.enum(WATCHDOG_MODES), z.literal(false)])
      .describe("Patroni watchdog (fencing) mode: off (default), automatic (use it if available) or required (refuse to start without it). An unquoted off reads as false in YAML 1.1 and means off."),
    "C",
    "off",
  ),
  patroni_username: withDefault(z.string().min(1).describe("User name protecting Patroni's write REST API endpoints; default postgres."), "C", "postgres"),
  patroni_password: withDefault(
    z.string().describe("Password of the Patroni REST API; default Patroni.API. Change it in production."),
    "C",
    "Patroni.API",
    true,
  ),
  pg_etcd_password: withDefault(
    z.string().describe("Password of this cluster's etcd user (used by Patroni and vip-manager); default '' meaning the cluster name (pg_shard for Citus)."),
    "C",
    "",
    true,
  ),
  pg_primary_db: withDefault(
    z.string().min(1).describe("Primary database of the cluster, used by Citus and shown in the connection string; default postgres."),
    "C",
    "postgres",
  ),
  pg_parameters: withDefault(
    z
      .record(z.string(), settingValue)
      .describe(
        "Settings written to postgresql.auto.conf on every instance, overriding Patroni's: {name: value}. Settings Patroni passes on the command line cannot be overridden this way.",
      ),
    "G/C/I",
    {},
  ),
  pg_files: withDefault(
    z.array(z.string()).describe("Files (looked up like Ansible files, e.g. license.lic) copied into the data directory; default none."),
    "C",
    [],
  ),
  pg_conf: withDefault(
    z
      .string()
      .min(1)
      .describe("Patroni configuration template: oltp.yml (default), olap.yml, crit.yml, tiny.yml, or the name of your own template."),
    "C",
    "oltp.yml",
  ),
  pg_max_conn: withDefault(
    z
      .union([z.literal("auto"), z.int().positive()])
      .describe("max_connections: auto (default: 500 behind pgbouncer, 1000 otherwise, 250 for tiny) or a number between 50 and 5000."),
    "C",
    "auto",
  ),
  pg_shared_buffer_ratio: withDefault(
    z.number().gt(0).lt(1).describe("Share of node memory used for shared_buffers; default 0.25, normally 0.1 to 0.4."),
    "C",
    0.25,
  ),
  pg_io_method: withDefault(
    z
      .enum(IO_METHODS)
      .describe("io_method of PostgreSQL 18+: auto (io_uring on Debian/Ubuntu and EL10+, else worker), sync, worker (default) or io_uring."),
    "C",
    "worker",
  ),
  pg_rto: withDefault(
    z
      .union([z.enum(RTO_PRESETS), z.int().positive()])
      .describe(
        "Recovery time objective: how long a failover may take, from a crashed primary to writes through HAProxy resuming. A preset fast, norm (default), safe or wide (15/30/60/120 s, each with its HAProxy check timings) or a number of seconds. Patroni's ttl is the objective less HAProxy's routing time and 2 s of promotion, never below Patroni's minimum of 20 s (so fast cannot reach 15 s when a whole primary dies); loop_wait, retry_timeout and primary_start_timeout follow from it.",
      ),
    "C",
    "norm",
  ),
  pg_rpo: withDefault(
    nonNegativeInt.describe("Recovery point objective in bytes: the most replication lag a failover may lose; default 1048576 (1 MiB). 0 enables synchronous mode."),
    "C",
    1048576,
  ),
  pg_libs: withDefault(
    z
      .string()
      .describe("shared_preload_libraries, comma-separated; default 'pg_stat_statements, auto_explain'. Put citus and timescaledb first when used."),
    "C",
    "pg_stat_statements, auto_explain",
  ),
  pg_delay: withDefault(
    z
      .union([nonNegativeInt, z.string()])
      .describe("Apply delay of a standby cluster leader (recovery_min_apply_delay), e.g. '1h'; default 0 (no delay)."),
    "I",
    0,
  ),
  pg_checksum: withDefault(
    z.boolean().describe("Enable data checksums at initdb; default true. Only effective before the cluster is created."),
    "C",
    true,
  ),
  pg_pwd_enc: withDefault(
    z.enum(PWD_ENCRYPTIONS).describe("Password encryption (password_encryption and the pwd HBA alias); fixed to scram-sha-256 since Pigsty v4, md5 is deprecated."),
    "C",
    "scram-sha-256",
  ),
  pg_encoding: withDefault(z.string().min(1).describe("Cluster encoding; default UTF8. Other encodings are not recommended."), "C", "UTF8"),
  pg_locale: withDefault(
    z.string().min(1).describe("Cluster locale; default C (fast, predictable sorting). Cannot be changed after initdb."),
    "C",
    "C",
  ),
  pg_lc_collate: withDefault(z.string().min(1).describe("Cluster collation (LC_COLLATE); default C."), "C", "C"),
  pg_lc_ctype: withDefault(z.string().min(1).describe("Cluster character classification (LC_CTYPE); default C."), "C", "C"),
  pgsodium_key: noDefault(
    z
      .string()
      .regex(/^[0-9a-fA-F]{64}$/, "expected 64 hexadecimal digits")
      .describe("Master key of the pgsodium extension, 64 hex digits; default sha256(pg_cluster). Set a random key and keep it safe if you use pgsodium."),
    "C",
    true,
  ),
  pgsodium_getkey_script: noDefault(
    path.describe("Script that returns the pgsodium master key at startup; default the pgsodium_getkey script shipped with the templates."),
    "C",
  ),
} as const;

export const PG_BOOTSTRAP = defineGroup(
  "PG_BOOTSTRAP",
  "Creation of the cluster with Patroni: data directories and storage, listen addresses, Patroni, the configuration template, HA objectives, encoding and locale.",
  PG_BOOTSTRAP_PARAMS,
);

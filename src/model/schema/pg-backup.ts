/**
 * PG_BACKUP parameters: pgBackRest for point-in-time recovery — switches, log directory, which
 * repository to use and the repository definitions (seed PG_BACKUP, reference §7).
 * Pure: imports only zod and sibling schema files; must not import I/O modules.
 */
import * as z from "zod";
import { defineGroup } from "./param.js";
import { withDefault } from "./common.js";
import { pgbackrestRepoSchema, PGBACKREST_REPO_SENSITIVE, type PgBackrestRepo } from "./pgbackrest.js";

const DEFAULT_REPO: Record<string, PgBackrestRepo> = {
  local: {
    path: "/pg/backup",
    retention_full_type: "count",
    retention_full: 2,
  },
  minio: {
    type: "s3",
    s3_endpoint: "sss.pigsty",
    s3_region: "us-east-1",
    s3_bucket: "pgsql",
    s3_key: "pgbackrest",
    s3_key_secret: "S3User.Backup",
    s3_uri_style: "path",
    path: "/pgbackrest",
    storage_port: 9000,
    storage_ca_file: "/etc/pki/ca.crt",
    block: "y",
    bundle: "y",
    bundle_limit: "20MiB",
    bundle_size: "128MiB",
    cipher_type: "aes-256-cbc",
    cipher_pass: "pgBackRest",
    retention_full_type: "time",
    retention_full: 14,
  },
};

export const PG_BACKUP_PARAMS = {
  pgbackrest_enabled: withDefault(
    z.boolean().describe("Enable pgBackRest on PostgreSQL nodes; default true. With the local repository only the primary's repository holds backups."),
    "C",
    true,
  ),
  pgbackrest_clean: withDefault(z.boolean().describe("Remove existing backup data when initializing; default true."), "C", true),
  pgbackrest_log_dir: withDefault(
    z.string().min(1).describe("pgBackRest log directory; default /pg/log/pgbackrest."),
    "C",
    "/pg/log/pgbackrest",
  ),
  pgbackrest_method: withDefault(
    z
      .string()
      .min(1)
      .describe("Which repository of pgbackrest_repo to use: local (default, /pg/backup on pg_fs_backup), minio, or a user-defined key."),
    "C",
    "local",
  ),
  pgbackrest_init_backup: withDefault(
    z.boolean().describe("Take a full backup right after the stanza is created (on the primary, unless it has pg_upstream); default true."),
    "C",
    true,
  ),
  pgbackrest_repo: withDefault(
    z
      .record(z.string(), pgbackrestRepoSchema)
      .describe(
        "Repository definitions keyed by method name; the selected one becomes the repo1-* options of pgbackrest.conf. Default: local (posix /pg/backup, keep 2 full backups) and minio (s3 on sss.pigsty, encrypted, 14 days).",
      ),
    "G/C",
    DEFAULT_REPO,
    PGBACKREST_REPO_SENSITIVE,
  ),
} as const;

export const PG_BACKUP = defineGroup(
  "PG_BACKUP",
  "Backups with pgBackRest for point-in-time recovery: switches, log directory, the repository method and the repository definitions.",
  PG_BACKUP_PARAMS,
);

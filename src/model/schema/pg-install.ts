/**
 * PG_INSTALL parameters: the OS superuser (dbsu), the PostgreSQL major version, directories and
 * the packages and extensions to install (seed PG_INSTALL, reference §1.4.1–1.4.2, §8).
 * Pure: imports only zod and sibling schema files; must not import I/O modules.
 */
import * as z from "zod";
import { defineGroup } from "./param.js";
import { withDefault } from "./common.js";

export const DBSU_SUDO_MODES = ["none", "limit", "all", "nopass"] as const;

export const PG_INSTALL_PARAMS = {
  pg_dbsu: withDefault(
    z.string().min(1).describe("OS user that runs PostgreSQL (the dbsu); default postgres. Change only for kernels that need another one (e.g. gpadmin)."),
    "C",
    "postgres",
  ),
  pg_dbsu_uid: withDefault(
    z
      .int()
      .positive()
      .describe("uid and gid of the dbsu when pgsty creates it; default 26 (PGDG RPM). On Debian/Ubuntu, where 26 is usually taken, 26 is replaced by 543. A dbsu that already exists (e.g. made by Debian's postgresql-common) is kept with its own uid and home."),
    "C",
    26,
  ),
  pg_dbsu_sudo: withDefault(
    z
      .enum(DBSU_SUDO_MODES)
      .describe(
        "sudo privilege of the dbsu: none, limit (default: only systemctl start/stop/reload of database services), all (with password) or nopass (without password, not recommended).",
      ),
    "C",
    "limit",
  ),
  pg_dbsu_home: withDefault(z.string().min(1).describe("Home directory of the dbsu when pgsty creates it; default /var/lib/pgsql (as the PGDG RPM)."), "C", "/var/lib/pgsql"),
  pg_dbsu_ssh_exchange: withDefault(
    z.boolean().describe("Exchange the dbsu's SSH keys among members of the same cluster so they can ssh to each other; default true."),
    "C",
    true,
  ),
  pg_version: withDefault(
    z
      .int()
      .min(10)
      .max(99)
      .describe(
        "PostgreSQL major version to install; default 18 (13–18 supported). Streaming replication cannot cross major versions, so set it per cluster, not per instance.",
      ),
    "C",
    18,
  ),
  pg_bin_dir: withDefault(
    z
      .string()
      .min(1)
      .describe("PostgreSQL binary directory; default /usr/pgsql/bin, a symlink made at install time to the versioned directory (/usr/pgsql-18 or /usr/lib/postgresql/18)."),
    "C",
    "/usr/pgsql/bin",
  ),
  pg_log_dir: withDefault(
    z
      .string()
      .min(1)
      .describe("PostgreSQL log directory; default /pg/log/postgres (collected by the log agent). Not created separately when inside pg_data."),
    "C",
    "/pg/log/postgres",
  ),
  pg_packages: withDefault(
    z
      .array(z.string())
      .describe(
        "Packages to install: each item holds one or more package names or aliases separated by spaces or commas; $v and ${pg_version} are replaced by pg_version. Keep pgsql-main pgsql-common.",
      ),
    "C",
    ["pgsql-main pgsql-common"],
  ),
  pg_extensions: withDefault(
    z
      .array(z.string())
      .describe(
        "Extension packages to install (latest version): each item holds one or more names or aliases separated by spaces or commas, e.g. 'postgis timescaledb pgvector'. Default none.",
      ),
    "C",
    [],
  ),
} as const;

export const PG_INSTALL = defineGroup(
  "PG_INSTALL",
  "Installation of PostgreSQL: the dbsu OS user, the major version, binary and log directories, packages and extensions.",
  PG_INSTALL_PARAMS,
);

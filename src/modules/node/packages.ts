/**
 * Which OS packages a host needs: pg_packages and pg_extensions resolved through the platform's
 * alias map (reference §8: tokens split on spaces and commas, an alias replaced once by its
 * packages, `$v` / `${pg_version}` replaced by pg_version, unknown tokens kept as package names),
 * plus the HA stack the host runs. Pure data and resolution; must not import I/O modules.
 *
 * Decisions:
 * - pgsty installs the distribution's own packages, so the Debian 12 map names what Debian's
 *   archive carries. `pgsql-main` therefore has no pgvector (not in bookworm; the `pgvector`
 *   alias still names postgresql-<v>-pgvector, from Debian 13 or PGDG), and `pgsql-common` is
 *   Patroni (+ python3-etcd), pgbouncer and pgBackRest: Pigsty's own exporters and vip-manager
 *   builds are not in the archive. The EL9 map names PGDG's packages.
 * - Contrib extensions (pg_trgm, postgres_fdw…) are part of the server package: they resolve to
 *   it, so listing them in pg_extensions installs nothing extra instead of failing.
 * - The HA stack is added from what the host runs: etcd for etcd members, Patroni where it runs
 *   PostgreSQL with patroni_enabled, pgbouncer / pgBackRest where enabled, HAProxy where
 *   haproxy_enabled, vip-manager where pg_vip_enabled.
 * - The result is deduplicated and sorted: apt and dnf resolve a set, order does not matter, and
 *   a sorted list is stable in plans.
 */
import type { HostContext, PlatformId } from "../context.js";
import { sharedAcrossHosts } from "../memo.js";

/** Alias → packages (space-separated, `$v` for pg_version). */
export type AliasMap = Readonly<Record<string, string>>;

const DEB_SERVER = "postgresql-$v";
const DEB_CORE = "postgresql-$v postgresql-client-$v postgresql-plpython3-$v postgresql-plperl-$v postgresql-pltcl-$v";

/** Extensions Debian 12's archive packages as postgresql-<v>-<name> (alias → package suffix). */
const DEB_EXTENSIONS: Readonly<Record<string, string>> = {
  pgvector: "pgvector", vector: "pgvector", postgis: "postgis-3", pgrouting: "pgrouting", pg_cron: "cron",
  pg_partman: "partman", pg_repack: "repack", wal2json: "wal2json", hypopg: "hypopg", pgaudit: "pgaudit",
  pg_stat_kcache: "pg-stat-kcache", pg_qualstats: "pg-qualstats", pg_track_settings: "pg-track-settings",
  powa: "powa", orafce: "orafce", ip4r: "ip4r", prefix: "prefix", pg_prefix: "prefix", semver: "semver",
  pg_semver: "semver", rum: "rum", pglogical: "pglogical", pldebugger: "pldebugger", plpgsql_check: "plpgsql-check",
  mysql_fdw: "mysql-fdw", ogr_fdw: "ogr-fdw", tds_fdw: "tds-fdw", numeral: "numeral", periods: "periods",
  pgtap: "pgtap", pgq: "pgq3", plproxy: "plproxy", plr: "plr", plsh: "plsh", preprepare: "preprepare",
  q3c: "q3c", repmgr: "repmgr", pg_rational: "rational", rational: "rational", pg_similarity: "similarity",
  toastinfo: "toastinfo", pgunit: "unit", unit: "unit", asn1oid: "asn1oid", debversion: "debversion",
  pg_dirtyread: "dirtyread", extra_window_functions: "extra-window-functions", first_last_agg: "first-last-agg",
  icu_ext: "icu-ext", jsquery: "jsquery", pgextwlist: "pgextwlist", pgfincore: "pgfincore",
  pgl_ddl_deploy: "pgl-ddl-deploy", pgmemcache: "pgmemcache", pgpcre: "pgpcre", pgsphere: "pgsphere",
  pg_sphere: "pgsphere", pllua: "pllua", plprofiler: "plprofiler", pg_fact_loader: "pg-fact-loader",
  bgw_replstatus: "bgw-replstatus", pgautofailover: "auto-failover", pg_auto_failover: "auto-failover",
  hll: "hll", pg_catcheck: "pg-catcheck", pg_checksums: "pg-checksums",
};

/** Extensions shipped in the server package (contrib). */
const CONTRIB = [
  "adminpack", "amcheck", "auth_delay", "auto_explain", "autoinc", "basebackup_to_shell", "basic_archive", "bloom",
  "bool_plperl", "btree_gin", "btree_gist", "citext", "cube", "dblink", "dict_int", "dict_xsyn", "earthdistance",
  "file_fdw", "fuzzystrmatch", "hstore", "hstore_plperl", "insert_username", "intagg", "intarray", "isn",
  "jsonb_plperl", "lo", "ltree", "moddatetime", "old_snapshot", "pageinspect", "passwordcheck", "pg_buffercache",
  "pg_freespacemap", "pg_prewarm", "pg_stat_statements", "pg_surgery", "pg_trgm", "pg_visibility", "pg_walinspect",
  "pgcrypto", "pgrowlocks", "pgstattuple", "postgres_fdw", "refint", "seg", "sepgsql", "sslinfo", "tablefunc",
  "tcn", "tsm_system_rows", "tsm_system_time", "unaccent", "uuid-ossp", "xml2", "plpgsql",
];

const DEBIAN12_MAP: AliasMap = {
  ...Object.fromEntries(CONTRIB.map((e) => [e, DEB_SERVER])),
  ...Object.fromEntries(Object.entries(DEB_EXTENSIONS).map(([alias, pkg]) => [alias, `postgresql-$v-${pkg}`])),
  postgresql: DEB_SERVER,
  "pgsql-server": DEB_SERVER,
  "pgsql-mini": "postgresql-$v postgresql-client-$v",
  pgsql: DEB_CORE,
  "pgsql-core": DEB_CORE,
  "pgsql-full": `${DEB_CORE} postgresql-server-dev-$v`,
  "pgsql-main": `${DEB_CORE} postgresql-$v-repack postgresql-$v-wal2json`,
  "pgsql-basic": "postgresql-$v-repack postgresql-$v-wal2json",
  "pgsql-client": "postgresql-client-$v",
  "pgsql-devel": "postgresql-server-dev-$v",
  "pgsql-common": "patroni python3-etcd pgbouncer pgbackrest",
  patroni: "patroni python3-etcd",
  pgbouncer: "pgbouncer",
  pgbackrest: "pgbackrest",
  haproxy: "haproxy",
  etcd: "etcd-server etcd-client",
  "vip-manager": "vip-manager",
  pgbadger: "pgbadger",
  pg_activity: "pg-activity",
  pg_filedump: "postgresql-filedump",
  pgxnclient: "pgxnclient",
  pgformatter: "pgformatter",
  pgcopydb: "pgcopydb",
  pgloader: "pgloader",
  pgagent: "pgagent",
};

const EL_CORE = "postgresql$v postgresql$v-server postgresql$v-libs postgresql$v-contrib postgresql$v-plperl postgresql$v-plpython3 postgresql$v-pltcl";

const EL9_MAP: AliasMap = {
  ...Object.fromEntries(CONTRIB.map((e) => [e, "postgresql$v-contrib"])),
  postgresql: "postgresql$v-server",
  "pgsql-server": "postgresql$v-server",
  "pgsql-mini": "postgresql$v postgresql$v-server postgresql$v-libs",
  pgsql: EL_CORE,
  "pgsql-core": EL_CORE,
  "pgsql-full": `${EL_CORE} postgresql$v-devel`,
  "pgsql-main": `${EL_CORE} pg_repack_$v wal2json_$v pgvector_$v`,
  "pgsql-basic": "pg_repack_$v wal2json_$v pgvector_$v",
  "pgsql-client": "postgresql$v",
  "pgsql-devel": "postgresql$v-devel",
  "pgsql-common": "patroni patroni-etcd pgbouncer pgbackrest",
  patroni: "patroni patroni-etcd",
  pgbouncer: "pgbouncer",
  pgbackrest: "pgbackrest",
  haproxy: "haproxy",
  etcd: "etcd",
  "vip-manager": "vip-manager",
  pgvector: "pgvector_$v",
  vector: "pgvector_$v",
  postgis: "postgis35_$v",
  pg_cron: "pg_cron_$v",
  pg_partman: "pg_partman_$v",
  pg_repack: "pg_repack_$v",
  wal2json: "wal2json_$v",
  hypopg: "hypopg_$v",
  pgbadger: "pgbadger",
};

/** The alias maps by platform. */
export const PACKAGE_MAPS: Readonly<Record<PlatformId, AliasMap>> = { debian12: DEBIAN12_MAP, el9: EL9_MAP };

/** `$v` and `${pg_version}` replaced by the major version. */
function withVersion(s: string, version: number): string {
  return s.replaceAll("${pg_version}", String(version)).replaceAll("$v", String(version));
}

/** Packages of one pg_packages / pg_extensions item: tokens split on spaces and commas, aliases resolved once. */
export function resolvePackages(item: string, map: AliasMap, version: number): string[] {
  const out: string[] = [];
  for (const token of item.split(/[\s,]+/)) {
    if (token === "") continue;
    const mapped = Object.hasOwn(map, token) ? map[token]! : token;
    for (const name of withVersion(mapped, version).split(/[\s,]+/)) if (name !== "") out.push(name);
  }
  return out;
}

/**
 * The packages this host needs, deduplicated and sorted (frozen). The same for every node of the
 * same settings and platform: computed once for them (modules/memo.ts), given whether the node
 * runs PostgreSQL and etcd rather than the instance and host, which are every node's own.
 */
export function packagesFor(ctx: HostContext): { readonly names: readonly string[] } {
  const etcd = [...ctx.model.etcd.values()].some((members) => members.includes(ctx.host));
  return sharedAcrossHosts(ctx, "node.packages", packageList, ctx.instance !== undefined, etcd);
}

function packageList(ctx: HostContext, pg: boolean, etcd: boolean): { names: string[] } {
  const v = ctx.vars;
  const map = PACKAGE_MAPS[ctx.platform.id];
  const version = v.pg_version;
  const items: string[] = [];
  if (pg) {
    items.push(...v.pg_packages, ...v.pg_extensions);
    if (v.patroni_enabled) items.push("patroni");
    if (v.pgbouncer_enabled) items.push("pgbouncer");
    if (v.pgbackrest_enabled) items.push("pgbackrest");
    if (v.pg_vip_enabled) items.push("vip-manager");
  }
  if (etcd) items.push("etcd");
  if (v.haproxy_enabled) items.push("haproxy");
  const names = new Set(items.flatMap((i) => resolvePackages(i, map, version)));
  return { names: [...names].sort() };
}

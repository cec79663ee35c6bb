/**
 * Patroni's configuration file of a PostgreSQL instance, `/etc/patroni/patroni.yml`. Debian's
 * packaged patroni.service reads /etc/patroni/config.yml and its init script postgres.yml: the
 * service step links both names to this file. Layout follows
 * Pigsty (reference §5.1) with pgsty's decisions: plain-HTTP etcd v3 and REST API (no CA yet),
 * tuned parameters both in `bootstrap.dcs` and in the local `postgresql.parameters`, a
 * `replicatefrom` tag only on cascading replicas (as a member name), no literal `${vip}`.
 * Rendered with the `yaml` package in YAML 1.1 style, because Patroni reads it with PyYAML
 * (`off`, `on`, `0640` must stay strings). Pure; must not import I/O.
 */
import { toYaml } from "../yaml-out.js";
import { hostAddress } from "../../model/identity.js";
import type { HostContext } from "../context.js";
import { sharedAcrossHosts } from "../memo.js";
import type { RenderedFile } from "../types.js";
import { DCS_ONLY_PARAMETERS, haTimings, patroniDynamicConfig, sharedParameters, sortedRecord, withStanza } from "./patroni-dcs.js";
import { tuningTemplate, type ParamValue } from "./tuning.js";

export { restartParameters } from "./restart-params.js";
export { DCS_ONLY_PARAMETERS, haTimings, patroniDynamicConfig, type PatroniDynamicConfig } from "./patroni-dcs.js";

export const PATRONI_CONFIG_PATH = "/etc/patroni/patroni.yml";

/**
 * PostgreSQL's binary directory: `pg_bin_dir` when the inventory sets it; otherwise the
 * versioned directory of the platform's packages (Debian /usr/lib/postgresql/<v>/bin, EL
 * /usr/pgsql-<v>/bin) for vanilla PostgreSQL and Citus, so no /usr/pgsql link is needed.
 * Other kernels keep `pg_bin_dir` (default /usr/pgsql/bin, linked at install).
 */
export function pgBinDir(ctx: HostContext): string {
  const v = ctx.vars;
  const origin = ctx.host.origins.get("pg_bin_dir");
  if (origin && origin.layer !== "default") return v.pg_bin_dir;
  if (v.pg_mode !== "pgsql" && v.pg_mode !== "citus") return v.pg_bin_dir;
  return ctx.platform.family === "debian" ? `/usr/lib/postgresql/${v.pg_version}/bin` : `/usr/pgsql-${v.pg_version}/bin`;
}

/** The VIP's address when `pg_vip_enabled` and `pg_vip_address` is `<ipv4>/<mask>` off loopback. */
export function vipAddress(ctx: HostContext): string | undefined {
  const v = ctx.vars;
  if (!v.pg_vip_enabled) return undefined;
  const m = /^(\d{1,3}(?:\.\d{1,3}){3})\/\d{1,2}$/.exec(v.pg_vip_address.trim());
  return m?.[1] && !m[1].startsWith("127.") ? m[1] : undefined;
}

/**
 * `pg_listen` as a list of addresses: `${ip}` → the node's IP, `${lo}` → 127.0.0.1, `${vip}` →
 * the VIP, or dropped when there is no VIP (never left literally); duplicates removed. An empty
 * result falls back to the node's IP.
 */
export function listenAddresses(ctx: HostContext): string[] {
  const vip = vipAddress(ctx);
  const out: string[] = [];
  for (const raw of ctx.vars.pg_listen.split(",")) {
    const token = raw.trim();
    if (token.includes("${vip}") && !vip) continue;
    const addr = token.replaceAll("${ip}", ctx.ip).replaceAll("${lo}", "127.0.0.1").replaceAll("${vip}", vip ?? "");
    if (addr && !out.includes(addr)) out.push(addr);
  }
  return out.length > 0 ? out : [ctx.ip];
}

/** Client endpoints (`ip:port`) of the etcd cluster this host uses, in `etcd_seq` order. */
export function etcdEndpoints(ctx: HostContext): string[] {
  const members = ctx.model.etcd.get(String(ctx.vars.etcd_cluster)) ?? [];
  return members.map((h) => `${hostAddress(h)}:${String(h.vars.etcd_port)}`);
}

const hostMask = (addr: string) => (addr.includes(":") ? `${addr}/128` : `${addr}/32`);

/**
 * initdb options: checksums (always for crit; PG 18 turns them on by default, so `false` must
 * say so), encoding and locale (always passed: the service environment may name a locale that
 * does not exist), the builtin provider on PG ≥ 17 for C locales, and no `trust` in the
 * initial pg_hba.conf while the cluster waits for pgsty's HBA.
 */
function initdbOptions(ctx: HostContext): (string | Record<string, string>)[] {
  const v = ctx.vars;
  const out: (string | Record<string, string>)[] = [];
  if (v.pg_checksum || tuningTemplate(v.pg_conf) === "crit") out.push("data-checksums");
  else if (v.pg_version >= 18) out.push("no-data-checksums");
  out.push({ encoding: v.pg_encoding }, { locale: v.pg_locale });
  const utf8 = ["UTF8", "UTF-8"].includes(v.pg_encoding.toUpperCase());
  if (v.pg_version >= 17 && utf8 && ["C", "C.UTF-8"].includes(v.pg_locale.toUpperCase())) {
    out.push({ "locale-provider": "builtin" }, { "builtin-locale": v.pg_locale });
  }
  out.push({ "lc-collate": v.pg_lc_collate }, { "lc-ctype": v.pg_lc_ctype });
  out.push({ "auth-local": "peer" }, { "auth-host": v.pg_pwd_enc });
  return out;
}

/**
 * Lines Patroni appends to initdb's pg_hba.conf: replication and pg_rewind connections between
 * the members, so replicas can clone before pgsty writes the real pg_hba.conf.
 */
function bootstrapHba(ctx: HostContext): string[] {
  const v = ctx.vars;
  const repl = v.pg_replication_username;
  return (ctx.cluster?.addresses ?? [ctx.ip]).flatMap((a) => [
    `host replication ${repl} ${hostMask(a)} ${v.pg_pwd_enc}`,
    `host postgres ${repl} ${hostMask(a)} ${v.pg_pwd_enc}`,
  ]);
}

/** `replicatefrom` of a cascading replica: the member (by name) whose address is `pg_upstream`. */
function replicateFrom(ctx: HostContext): string | undefined {
  const up = ctx.vars.pg_upstream;
  if (!up || ctx.instance?.role === "primary") return undefined;
  return ctx.cluster?.members.find((m) => m.address === up || m.name === up)?.name;
}

/** REST API callers allowed to change state: admin node, infra nodes, members (also live ones from the DCS). */
function restAllowlist(ctx: HostContext): string[] {
  const list = [ctx.vars.admin_ip, ...ctx.model.infra.map(hostAddress), ...(ctx.cluster?.addresses ?? [])];
  return [...new Set(list)].sort();
}

/** Local `postgresql.parameters`: the tuned ones Patroni accepts locally, plus the socket directory. */
function localParameters(ctx: HostContext, dcs: Readonly<Record<string, ParamValue>>): Record<string, ParamValue> {
  const out: Record<string, ParamValue> = {};
  for (const [k, val] of Object.entries(dcs)) if (!DCS_ONLY_PARAMETERS.has(k)) out[k] = val;
  out.unix_socket_directories = ctx.vars.pg_localhost;
  return sortedRecord(out);
}

function watchdogMode(ctx: HostContext): string {
  const m = ctx.vars.patroni_watchdog_mode;
  const mode = m === false ? "off" : m;
  return mode === "off" && tuningTemplate(ctx.vars.pg_conf) === "crit" ? "automatic" : mode;
}

/** The configuration as a plain object, keys in the order they are written. */
export function patroniConfig(ctx: HostContext): Record<string, unknown> {
  const v = ctx.vars;
  const inst = ctx.instance;
  if (!inst || !ctx.cluster) throw new Error(`${ctx.host.name} is not a PostgreSQL instance`);
  // Most of the file is the cluster's, the same on every member of the same size: built once for
  // them, frozen, so that the YAML writer writes each part once too (yaml-out.ts). What is the
  // member's own (its name and addresses, its binary directory, a cascading replica's upstream)
  // is filled in here.
  const m = sharedAcrossHosts(ctx, "patroni-member", memberParts);
  const pgPort = v.pg_port;
  const replicatefrom = replicateFrom(ctx);
  return {
    scope: m.scope,
    namespace: v.pg_namespace,
    name: inst.name,
    ...(m.citus ? { citus: m.citus } : {}),
    log: m.log,
    restapi: {
      listen: `${ctx.ip}:${v.patroni_port}`,
      connect_address: `${ctx.ip}:${v.patroni_port}`,
      authentication: m.restAuthentication,
      allowlist: m.allowlist,
      allowlist_include_members: true,
    },
    etcd3: m.etcd3,
    bootstrap: m.bootstrap,
    postgresql: {
      listen: `${listenAddresses(ctx).join(",")}:${pgPort}`,
      connect_address: `${ctx.ip}:${pgPort}`,
      data_dir: v.pg_data,
      config_dir: v.pg_data,
      bin_dir: pgBinDir(ctx),
      // in the instance's tmp dir, which pgsty makes: an adopted dbsu may have another home
      pgpass: `${String(v.pg_namespace ?? "/pg").replace(/\/$/, "")}/tmp/pgpass.patroni`,
      use_unix_socket: true,
      authentication: m.authentication,
      parameters: m.parameters,
      use_pg_rewind: true,
      remove_data_directory_on_rewind_failure: true,
      remove_data_directory_on_diverged_timelines: false,
      create_replica_methods: m.createReplicaMethods,
      basebackup: m.basebackup,
      ...(m.pgbackrest ? { pgbackrest: m.pgbackrest } : {}),
    },
    watchdog: m.watchdog,
    tags: replicatefrom ? { ...m.tags, replicatefrom } : m.tags,
  };
}

/** The parts of the configuration a cluster's members share: reads no instance, host or address of its own. */
function memberParts(ctx: HostContext) {
  const v = ctx.vars;
  const cluster = ctx.cluster!;
  const citus = v.pg_mode === "citus";
  // the cluster's DCS settings and the local parameters derived from them
  const dcs = sharedAcrossHosts(ctx, "patroni-dcs", patroniDynamicConfig);
  const common = sharedAcrossHosts(ctx, "patroni-common", commonParts);
  return {
    ...common,
    scope: citus ? cluster.shard : cluster.name,
    citus: citus ? { group: cluster.group, database: v.pg_primary_db } : undefined,
    allowlist: restAllowlist(ctx),
    bootstrap: { method: "initdb", dcs, initdb: common.initdb, pg_hba: bootstrapHba(ctx) },
    // from the parameters clusters share (withStanza): so are the local ones, but for the stanza
    parameters: withStanza(ctx, sharedAcrossHosts(ctx, "patroni-local-parameters", localParameters, sharedParameters(ctx))),
    pgbackrest: clonesFromRepo(ctx)
      ? { command: `/usr/bin/pgbackrest --stanza=${cluster.name} --delta restore`, keep_data: true, no_params: true, no_leader: true }
      : undefined,
  };
}

/** Whether a new replica may be restored from the backup repository: only one other hosts can reach (not `local`). */
function clonesFromRepo(ctx: HostContext): boolean {
  return ctx.vars.pgbackrest_enabled && ctx.vars.pgbackrest_method !== "local";
}

/**
 * The parts that name nothing of a cluster (log, credentials, etcd, initdb, watchdog…): the same
 * objects for every cluster of the same settings (modules/memo.ts), so the YAML writer writes
 * each once for all of them rather than once per cluster (yaml-out.ts keeps frozen parts' text).
 */
function commonParts(ctx: HostContext) {
  const v = ctx.vars;
  const superuser: Record<string, string> = { username: v.pg_dbsu };
  if (v.pg_dbsu_password) superuser.password = v.pg_dbsu_password;
  const replication = { username: v.pg_replication_username, password: v.pg_replication_password };
  return {
    log: { level: "INFO", dir: v.patroni_log_dir, file_size: 33554432, file_num: tuningTemplate(v.pg_conf) === "crit" ? 16 : 4 },
    restAuthentication: { username: v.patroni_username, password: v.patroni_password },
    etcd3: { protocol: "http", hosts: etcdEndpoints(ctx) },
    initdb: initdbOptions(ctx),
    authentication: { superuser, replication, rewind: { ...replication } },
    createReplicaMethods: clonesFromRepo(ctx) ? ["basebackup", "pgbackrest"] : ["basebackup"],
    basebackup: [{ "max-rate": "1000M" }, { checkpoint: "fast" }],
    watchdog: { mode: watchdogMode(ctx), device: "/dev/watchdog", safety_margin: haTimings(v.pg_rto).safety_margin },
    tags: { nofailover: false, clonefrom: true, noloadbalance: false, nosync: false },
  };
}

function header(ctx: HostContext): string {
  const v = ctx.vars;
  const n = ctx.node;
  return [
    ` Patroni configuration of ${ctx.instance?.name ?? ctx.host.name}, written by pgsty: local edits are overwritten.`,
    ` Template ${tuningTemplate(v.pg_conf)} for ${n.cpu} CPU, ${n.memMb} MiB memory, ${Math.round(n.fsBytes / 1024 ** 3)} GiB data disk; PostgreSQL ${v.pg_version}.`,
    " bootstrap.dcs is read once, when the cluster is created; later changes to it are applied to the",
    " live DCS configuration. postgresql.parameters override the DCS ones on this member (except",
    " max_connections and the other settings Patroni takes from the DCS only).",
  ].join("\n");
}

/** `/etc/patroni/patroni.yml` of a PostgreSQL instance: holds passwords, so 0600 and sensitive. */
export function renderPatroniConfig(ctx: HostContext): RenderedFile {
  return {
    path: PATRONI_CONFIG_PATH,
    content: toYaml(patroniConfig(ctx), header(ctx)),
    owner: ctx.vars.pg_dbsu,
    group: ctx.vars.pg_dbsu,
    mode: "0600",
    sensitive: true,
    effect: "reload",
    service: "patroni",
  };
}

/**
 * PostgreSQL services on HAProxy (reference §6): which services a host's HAProxy serves, whom
 * each one routes to, and the files that say so — one `/etc/haproxy/conf.d/<cluster>-<service>.cfg`
 * per service, loaded after the node's `/etc/haproxy/haproxy.cfg` (main-config.ts).
 *
 * Selectors are JMESPath over the cluster members' RESOLVED vars, defaults included: in Pigsty
 * they see inventory vars only, so `[? pg_offline_query]` and friends misread role defaults.
 * A cluster's service settings come from its primary (else its first member), so every HAProxy
 * that serves a service renders the same file whichever member or proxy node it is.
 *
 * Pure (memoised per model; no clock): must not import exec/, facts/ or any I/O module.
 */
import jmespath from "jmespath";
import { hostsOfGroup } from "../../inventory/patterns.js";
import type { Cluster, Instance } from "../../model/identity.js";
import type { Model } from "../../model/model.js";
import { allVars } from "../../model/resolve.js";
import type { PgService } from "../../model/schema/index.js";
import { renderTemplate } from "../../template.js";
import type { HostContext } from "../context.js";
import type { RenderedFile } from "../types.js";
import { HAPROXY_MAIN, HAPROXY_SERVICE_DIR, renderHaproxyMain } from "./main-config.js";
import { selectorFields } from "./selector-fields.js";
import { defaultServerOptions } from "./timing.js";

/** One backend server of a service: a cluster member. */
export interface ServiceServer {
  /** `pg_instance`, `<cluster>-<seq>`: the HAProxy server name. */
  readonly name: string;
  /** Inventory hostname of the member. */
  readonly host: string;
  readonly seq: number;
  /** Address HAProxy connects to (`ansible_host` or the inventory hostname). */
  readonly address: string;
  /** Destination port on the member (postgres or pgbouncer, per the service's `dest`). */
  readonly port: number;
  /** Patroni REST API port: the health check target. */
  readonly checkPort: number;
  /** Check over HTTPS (`patroni_ssl_enabled` on the member), verified with the cluster CA. */
  readonly checkSsl: boolean;
  /** `pg_weight` of the member. */
  readonly weight: number;
  /** Used only when every non-backup server is down. */
  readonly backup: boolean;
}

/** A PostgreSQL service as one HAProxy serves it, every default filled in. */
export interface ServiceDef {
  /** `<cluster>-<service>`: the listen section and the file name. */
  readonly name: string;
  readonly cluster: string;
  /** The service's own name, e.g. `primary`. */
  readonly service: string;
  /** Bind address; `*` is every address. */
  readonly ip: string;
  readonly port: number;
  /** Where connections go on the members, `default` resolved through pg_default_service_dest. */
  readonly dest: "postgres" | "pgbouncer" | number;
  /** Patroni health endpoint (HTTP OPTIONS), e.g. `/primary`. */
  readonly check: string;
  readonly maxconn: number;
  readonly balance: string;
  /** The whole `default-server` option string. */
  readonly options: string;
  readonly selector: string;
  readonly backupSelector: string | undefined;
  /** Selected and backup members, by `pg_seq`; a member matched by both is a backup. */
  readonly servers: readonly ServiceServer[];
}

const DEFAULT_CHECK = "/";
const DEFAULT_MAXCONN = 5000;
const DEFAULT_BALANCE = "roundrobin";
/** Without a selector, every member is a server; health checks decide who takes traffic. */
const DEFAULT_SELECTOR = "[]";
/** Verifies Patroni's certificate when checks use HTTPS (written by the certificate step). */
export const PATRONI_CA_FILE = "/pg/cert/ca.crt";

/**
 * Per model: which clusters each host serves, and the services of the clusters seen last. Only
 * the last ones: hosts are expanded in inventory order, a cluster's members together, and a
 * service's definition holds its rendered file (serviceFile), which every cluster's kept until
 * the plan was written — 4,000 files on the bench inventory, copied by every young-generation
 * collection that found them. A provider group's hosts, which serve many clusters, work each
 * cluster out again when it has been dropped: the same definitions, so the same files.
 */
interface ServiceIndex {
  readonly byCluster: Map<string, readonly ServiceDef[]>;
  readonly servedBy: Map<string, readonly string[]>;
}
const indexes = new WeakMap<Model, ServiceIndex>();

/**
 * Every PostgreSQL service this host's HAProxy serves: its own cluster's (pg_default_services +
 * pg_services) when the cluster has no provider group, plus those of every cluster whose
 * `pg_service_provider` names a group this host is in. Ordered by cluster name, then as listed.
 */
export function servicesServedBy(ctx: HostContext): ServiceDef[] {
  const index = serviceIndex(ctx.model);
  return (index.servedBy.get(ctx.host.name) ?? []).flatMap((c) => servicesOfCluster(ctx.model, index, c));
}

/** The host whose vars give a cluster's settings: the primary, else the first member. */
function settingsHost(c: Cluster): Instance {
  return c.primary ?? c.members[0]!;
}

function serviceIndex(model: Model): ServiceIndex {
  const known = indexes.get(model);
  if (known) return known;
  const servedBy = new Map<string, string[]>();
  const groups = new Map<string, Set<string>>();
  for (const c of model.clusters.values()) {
    const provider = settingsHost(c).host.vars.pg_service_provider;
    let hosts: Iterable<string>;
    // a provider that is not a group falls back to the members, as Pigsty (a rule reports it)
    if (typeof provider === "string" && provider !== "" && model.inventory.groups.has(provider)) {
      let set = groups.get(provider);
      if (!set) groups.set(provider, (set = hostsOfGroup(model.inventory, provider)));
      hosts = set;
    } else {
      hosts = c.members.map((m) => m.host.name);
    }
    for (const h of new Set(hosts)) {
      const list = servedBy.get(h) ?? [];
      list.push(c.name);
      servedBy.set(h, list);
    }
  }
  const index: ServiceIndex = { byCluster: new Map(), servedBy };
  indexes.set(model, index);
  return index;
}

/** Clusters whose services are kept (ServiceIndex). */
const MAX_CLUSTERS = 16;

function servicesOfCluster(model: Model, index: ServiceIndex, name: string): readonly ServiceDef[] {
  const known = index.byCluster.get(name);
  if (known) return known;
  const c = model.clusters.get(name)!;
  const v = settingsHost(c).host.vars;
  const members = [...c.members].sort(bySeq);
  const list = [...asServices(v.pg_default_services), ...asServices(v.pg_services)];
  const docs = memberDocs(members, list);
  const defs = list.map((s) => serviceDef(c, s, members, docs, v));
  if (index.byCluster.size >= MAX_CLUSTERS) index.byCluster.delete(index.byCluster.keys().next().value!);
  index.byCluster.set(name, defs);
  return defs;
}

/**
 * One list of plain objects per cluster for the selectors: JMESPath needs own properties, not
 * prototype layers. Every var of each member, unless every selector only filters on a few
 * fields (selector-fields.ts): then those fields, which select the same members.
 */
function memberDocs(members: readonly Instance[], services: readonly PgService[]): Record<string, unknown>[] {
  const fields = new Set<string>();
  for (const s of services) {
    for (const e of [s.selector ?? DEFAULT_SELECTOR, s.backup]) {
      if (e === undefined) continue;
      const f = selectorFields(e);
      if (!f) return members.map((m) => ({ ...allVars(m.host), inventory_hostname: m.host.name, pg_instance: m.name }));
      for (const x of f) fields.add(x);
    }
  }
  return members.map((m) => {
    const vars = m.host.vars as Readonly<Record<string, unknown>>;
    const doc: Record<string, unknown> = {};
    for (const f of fields) if (f in vars) doc[f] = vars[f];
    doc.inventory_hostname = m.host.name;
    doc.pg_instance = m.name;
    return doc;
  });
}

function serviceDef(
  c: Cluster,
  s: PgService,
  members: readonly Instance[],
  docs: readonly Record<string, unknown>[],
  v: HostContext["vars"],
): ServiceDef {
  const name = `${c.name}-${s.name}`;
  const selector = s.selector ?? DEFAULT_SELECTOR;
  const selected = selectHosts(docs, selector, `selector of service ${name}`);
  const backups = s.backup === undefined ? new Set<string>() : selectHosts(docs, s.backup, `backup of service ${name}`);
  const wanted = s.dest === undefined || s.dest === "default" ? v.pg_default_service_dest : s.dest;
  const dest: ServiceDef["dest"] = typeof wanted === "number" ? wanted : wanted === "postgres" ? "postgres" : "pgbouncer";
  const servers: ServiceServer[] = [];
  for (const m of members) {
    const isBackup = backups.has(m.host.name);
    if (!isBackup && !selected.has(m.host.name)) continue;
    const mv = m.host.vars;
    servers.push({
      name: m.name,
      host: m.host.name,
      seq: m.seq,
      address: m.address,
      port: typeof dest === "number" ? dest : dest === "postgres" ? mv.pg_port : mv.pgbouncer_port,
      checkPort: mv.patroni_port,
      checkSsl: mv.patroni_ssl_enabled === true,
      weight: mv.pg_weight,
      backup: isBackup,
    });
  }
  return {
    name,
    cluster: c.name,
    service: s.name,
    ip: s.ip ?? "*",
    port: s.port,
    dest,
    check: s.check ?? DEFAULT_CHECK,
    maxconn: s.maxconn ?? DEFAULT_MAXCONN,
    balance: s.balance ?? DEFAULT_BALANCE,
    options: s.options ?? defaultServerOptions(v.pg_rto),
    selector,
    backupSelector: s.backup,
    servers,
  };
}

/**
 * Inventory hostnames of the member objects a JMESPath expression returns. A result that is not
 * a list (null: nothing matched) selects nobody; elements that are not member objects are ignored.
 */
function selectHosts(docs: readonly Record<string, unknown>[], expression: string, what: string): Set<string> {
  const fields = selectorFields(expression);
  const each = fields ? selectEach(docs, expression, fields) : undefined;
  if (each) return each;
  let result: unknown;
  try {
    result = jmespath.search(docs, expression);
  } catch (e) {
    // compile errors are reported by the rules; this is a runtime error such as a type mismatch
    throw new Error(`${what} \`${expression}\` failed: ${(e as Error).message}`);
  }
  const out = new Set<string>();
  if (!Array.isArray(result)) return out;
  for (const x of result) {
    const h = x !== null && typeof x === "object" ? (x as Record<string, unknown>).inventory_hostname : undefined;
    if (typeof h === "string") out.add(h);
  }
  return out;
}

/**
 * A selector that filters on `fields` only (selector-fields.ts) keeps each document or not by the
 * values of those fields alone: that answer is kept per expression and values, so 1,000 clusters
 * whose members look alike run JMESPath a few times rather than twice per service and cluster
 * (each search parses the expression and builds a runtime). Undefined when a value is not a
 * plain scalar or the search fails: the caller then searches the documents as a whole.
 */
function selectEach(docs: readonly Record<string, unknown>[], expression: string, fields: ReadonlySet<string>): Set<string> | undefined {
  const out = new Set<string>();
  for (const d of docs) {
    const key = inclusionKey(expression, fields, d);
    if (key === undefined) return undefined;
    let keep = inclusion.get(key);
    if (keep === undefined) {
      let result: unknown;
      try {
        result = jmespath.search([d], expression);
      } catch {
        return undefined;
      }
      keep = Array.isArray(result) && result.includes(d);
      if (inclusion.size >= MAX_INCLUSIONS) inclusion.clear();
      inclusion.set(key, keep);
    }
    const h = d.inventory_hostname;
    if (keep && typeof h === "string") out.add(h);
  }
  return out;
}

const inclusion = new Map<string, boolean>();
const MAX_INCLUSIONS = 10000;

/** The expression and the document's values of `fields`, each told apart by type (JSON for strings). */
function inclusionKey(expression: string, fields: ReadonlySet<string>, d: Readonly<Record<string, unknown>>): string | undefined {
  const parts = [expression];
  for (const f of fields) {
    if (!(f in d)) {
      parts.push("-");
      continue;
    }
    const v = d[f];
    if (typeof v === "string") parts.push(JSON.stringify(v));
    else if (typeof v === "boolean" || v === null) parts.push(String(v));
    else if (typeof v === "number" && Number.isFinite(v)) parts.push(`n${v}`);
    else return undefined;
  }
  return parts.join("\0");
}

function bySeq(a: Instance, b: Instance): number {
  const sa = Number.isNaN(a.seq) ? Infinity : a.seq, sb = Number.isNaN(b.seq) ? Infinity : b.seq;
  return sa - sb || a.host.index - b.host.index;
}

function asServices(x: unknown): PgService[] {
  return Array.isArray(x) ? (x as PgService[]) : [];
}

//----------------------------------------------------------------------------------------------
// files
//----------------------------------------------------------------------------------------------

/**
 * The HAProxy files of a host: `haproxy.cfg` first, then one file per service it serves.
 * Nothing when `haproxy_enabled` is false. A change to any of them needs a reload, checked first
 * with `haproxy -c` (a service file together with the main file: it needs its `defaults`).
 */
export function renderHaproxyServices(ctx: HostContext): RenderedFile[] {
  if (ctx.vars.haproxy_enabled !== true) return [];
  const files: RenderedFile[] = [renderHaproxyMain(ctx)];
  for (const s of servicesServedBy(ctx)) files.push(serviceFile(s));
  return files;
}

// every host serving a service writes the same file: rendered once per (memoised) service, and
// frozen, so the hosts share its task too (file-task.ts)
const serviceFiles = new WeakMap<ServiceDef, RenderedFile>();

function serviceFile(s: ServiceDef): RenderedFile {
  let f = serviceFiles.get(s);
  if (f === undefined) {
    f = Object.freeze({
      path: `${HAPROXY_SERVICE_DIR}/${s.name}.cfg`,
      content: renderTemplate("haproxy/service.cfg.njk", serviceView(s)),
      owner: "root",
      group: "root",
      mode: "0644",
      sensitive: false,
      effect: "reload",
      service: "haproxy",
      validate: `haproxy -c -f ${HAPROXY_MAIN} -f {path}`,
    } as const);
    serviceFiles.set(s, f);
  }
  return f;
}

function serviceView(s: ServiceDef): Record<string, unknown> {
  const oneLine = (x: string) => x.replace(/\s+/g, " ").trim();
  return {
    svc: s,
    selector: oneLine(s.selector),
    backup_selector: s.backupSelector === undefined ? "" : oneLine(s.backupSelector),
    instances: s.servers.filter((x) => !x.backup).map((x) => x.name).join(" "),
    backups: s.servers.filter((x) => x.backup).map((x) => x.name).join(" "),
    ca_file: PATRONI_CA_FILE,
  };
}

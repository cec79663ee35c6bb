/**
 * HBA of one instance, for PostgreSQL (`pg_hba.conf`) and pgbouncer (`pgb_hba.conf`): the default and
 * user rule lists merged and sorted by `order`, address / user / auth aliases expanded, and rules meant
 * for other instance roles kept but commented out (reference §3). This module computes the data;
 * templates/pgsql/pg_hba.conf.njk and templates/pgbouncer/pgb_hba.conf.njk only lay it out.
 * Pure: must not import exec/, facts/, ops/ or anything that reads the clock or the network.
 *
 * Where Pigsty's template renders lines PostgreSQL rejects or misreads, we do not follow it
 * (reference Appendix A.7):
 * - a bare address gets its host mask (/32, or /128 for IPv6): an address without one is an error;
 * - IPv6 works everywhere: literals, CIDRs, member and admin addresses;
 * - `localhost` expands to the transports that can carry the method: socket-only methods (peer, and
 *   ident, which over TCP would ask an ident server) get only the socket line; TLS methods (ssl*,
 *   cert) get only the two loopback `hostssl` lines, since the socket has no TLS;
 * - any other address with peer/ident, or `local` with a TLS method, is refused (thrown): the model
 *   rules report these as errors, so reaching here with one is a bug, not user input.
 */
import { hostAddress } from "../../model/identity.js";
import { ipVersion, isCidr } from "../../model/net.js";
import { HBA_ADDR_ALIASES, HBA_ROLES, type HbaAuthAlias, type HbaRole, type HbaRule } from "../../model/schema/index.js";
import { renderTemplate } from "../../template.js";
import type { HostContext } from "../context.js";
import { listItemName, sharedAcrossHosts } from "../memo.js";
import type { RenderedFile } from "../types.js";

export type HbaTarget = "postgres" | "pgbouncer";
export type HbaConnType = "local" | "host" | "hostssl";

/** One expanded alias-form line. */
export interface HbaLine {
  readonly type: HbaConnType;
  readonly db: string;
  /** User names after placeholder substitution (`${dbsu}` → `postgres`). */
  readonly user: string;
  /** A CIDR; "" on `local` (unix socket) lines, which have no address column. */
  readonly addr: string;
  /** The real auth method, after the alias map of the target. */
  readonly method: string;
}

interface HbaBlockBase {
  /** The rule's title on one line; "" when it has none. */
  readonly title: string;
  readonly role: HbaRole;
  /** False: rendered commented out, with [DISABLED] on the title line. */
  readonly enabled: boolean;
  readonly order?: number;
}

/** One rule of the final list: alias form expanded to lines, or raw form kept verbatim. */
export type HbaBlock =
  | (HbaBlockBase & { readonly kind: "alias"; readonly addr: string; readonly lines: readonly HbaLine[] })
  | (HbaBlockBase & { readonly kind: "raw"; readonly lines: readonly string[] });

/** An address alias used in a file and what it expanded to, for the file's header. */
export interface HbaAliasRow {
  readonly alias: string;
  readonly addresses: readonly string[];
}

/** Auth alias → method per target (`pwd`: pg_pwd_enc) and whether it needs TLS (`hostssl`). */
const AUTH = {
  pwd: { postgres: "pwd", pgbouncer: "pwd", ssl: false },
  ssl: { postgres: "pwd", pgbouncer: "pwd", ssl: true },
  sha: { postgres: "scram-sha-256", pgbouncer: "scram-sha-256", ssl: false },
  "scram-sha-256": { postgres: "scram-sha-256", pgbouncer: "scram-sha-256", ssl: false },
  "ssl-sha": { postgres: "scram-sha-256", pgbouncer: "scram-sha-256", ssl: true },
  md5: { postgres: "md5", pgbouncer: "md5", ssl: false },
  "ssl-md5": { postgres: "md5", pgbouncer: "md5", ssl: true },
  cert: { postgres: "cert", pgbouncer: "cert", ssl: true },
  deny: { postgres: "reject", pgbouncer: "reject", ssl: false },
  reject: { postgres: "reject", pgbouncer: "reject", ssl: false },
  trust: { postgres: "trust", pgbouncer: "trust", ssl: false },
  // pgbouncer has no ident method; its peer is the same OS-user check over the socket
  ident: { postgres: "ident", pgbouncer: "peer", ssl: false },
  os: { postgres: "ident", pgbouncer: "peer", ssl: false },
  peer: { postgres: "peer", pgbouncer: "peer", ssl: false },
} as const satisfies Record<HbaAuthAlias, { postgres: string; pgbouncer: string; ssl: boolean }>;

/** Methods only the unix socket can carry (ident on `local` lines is PostgreSQL's peer). */
const SOCKET_ONLY: ReadonlySet<string> = new Set(["peer", "ident"]);
/** The unix socket, in address lists. */
const SOCKET = "";
const LOOPBACK = ["127.0.0.1/32", "::1/128"] as const;
const WORLD = ["0.0.0.0/0", "::/0"] as const;

/** The ordered, expanded rules of this instance for one target. */
export function hbaLines(ctx: HostContext, target: HbaTarget): HbaBlock[] {
  return ruleViews(ctx, target).map((v) => v.block);
}

/** Each rule of one target, in order, as this instance sees it. */
function ruleViews(ctx: HostContext, target: HbaTarget): RuleView[] {
  return sortedRules(ctx, target).map(({ rule, label }) => ruleView(ctx, target, rule, label));
}

/** The default and user rules of one target, sorted by `order` (ties and rules without one keep list order). */
function sortedRules(ctx: HostContext, target: HbaTarget): { rule: HbaRule; label: string }[] {
  const lists: [string, readonly HbaRule[] | undefined][] =
    target === "postgres"
      ? [["pg_default_hba_rules", ctx.vars.pg_default_hba_rules], ["pg_hba_rules", ctx.vars.pg_hba_rules]]
      : [["pgb_default_hba_rules", ctx.vars.pgb_default_hba_rules], ["pgb_hba_rules", ctx.vars.pgb_hba_rules]];
  const all = lists.flatMap(([name, list]) => (list ?? []).map((rule, i) => ({ rule, label: listItemName(name, i) })));
  // Array.prototype.sort is stable: ties keep list order, so a default precedes a user rule of the same order
  return [
    ...all.filter((r) => r.rule.order !== undefined).sort((a, b) => (a.rule.order ?? 0) - (b.rule.order ?? 0)),
    ...all.filter((r) => r.rule.order === undefined),
  ];
}

/** A rule's block and its laid-out text (layoutBlocks). */
interface RuleView {
  readonly block: HbaBlock;
  readonly text: string;
}

/**
 * One rule as `ctx` sees it, shared (modules/memo.ts) by every host that reads the same for it:
 * a default rule expands alike in every cluster, so 1,000 clusters lay it out a few times (once per
 * instance role it depends on) instead of once per cluster and role. One memo name per rule
 * position and target keeps each name's few variants together.
 */
function ruleView(ctx: HostContext, target: HbaTarget, rule: HbaRule, label: string): RuleView {
  // the label names the memo: its list (pg_… or pgb_…) says the target too
  return sharedAcrossHosts(ctx, label, viewOf, target, rule, label);
}

function viewOf(ctx: HostContext, target: HbaTarget, rule: HbaRule, label: string): RuleView {
  const block = blockOf(ctx, target, rule, label);
  return { block, text: blockText(block) };
}

function blockOf(ctx: HostContext, target: HbaTarget, rule: HbaRule, label: string): HbaBlock {
  const role = rule.role ?? "default";
  if (!(HBA_ROLES as readonly string[]).includes(role)) throw new Error(`${label}: unknown role ${String(role)}`);
  const base: HbaBlockBase = {
    title: (rule.title ?? "").replace(/\s+/g, " ").trim(),
    role,
    enabled: enabledOn(ctx, role),
    ...(rule.order !== undefined ? { order: rule.order } : {}),
  };
  // a raw string holding several lines is split so that each is commented out when disabled
  if (rule.rules && rule.rules.length > 0) return { ...base, kind: "raw", lines: rule.rules.flatMap((r) => r.split(/\r?\n/)) };
  if (!rule.addr) throw new Error(`${label}: neither rules nor addr is given`);
  return { ...base, kind: "alias", addr: rule.addr, lines: aliasLines(ctx, target, rule, rule.addr, label) };
}

/** Enabled on this instance: everywhere (default/common), its pg_role, or offline on a pg_offline_query instance. */
function enabledOn(ctx: HostContext, role: HbaRole): boolean {
  if (role === "default" || role === "common") return true;
  if (role === ctx.vars.pg_role) return true;
  return role === "offline" && ctx.vars.pg_offline_query === true;
}

function aliasLines(ctx: HostContext, target: HbaTarget, rule: HbaRule, addr: string, label: string): HbaLine[] {
  const db = rule.db || "all";
  if (target === "pgbouncer" && db === "replication") throw new Error(`${label}: pgbouncer does not serve replication connections`);
  const alias = rule.auth || "pwd";
  if (!Object.hasOwn(AUTH, alias)) throw new Error(`${label}: unknown auth ${alias}`);
  const auth = AUTH[alias as HbaAuthAlias];
  const mapped: string = auth[target];
  const method = mapped === "pwd" ? (ctx.vars.pg_pwd_enc === "md5" ? "md5" : "scram-sha-256") : mapped;
  const user = userOf(ctx, rule.user);
  const lines: HbaLine[] = [];
  for (const a of addressesOf(ctx, addr, label)) {
    if (a === SOCKET) {
      if (auth.ssl && addr === "localhost") continue; // the loopback hostssl lines carry it
      if (auth.ssl) throw new Error(`${label}: auth ${alias} needs TLS, which the unix socket does not have`);
      lines.push({ type: "local", db, user, addr: "", method });
    } else {
      if (SOCKET_ONLY.has(method) && addr === "localhost") continue; // the socket line carries it
      if (SOCKET_ONLY.has(method)) throw new Error(`${label}: auth ${alias} (${method}) works only on the unix socket (addr: local)`);
      lines.push({ type: auth.ssl ? "hostssl" : "host", db, user, addr: a, method });
    }
  }
  return lines;
}

/** `user`, or all; the four placeholders are replaced only when they are the whole value (as Pigsty). */
function userOf(ctx: HostContext, user: string | undefined): string {
  const names = new Map<string, string>([
    ["${dbsu}", ctx.vars.pg_dbsu],
    ["${repl}", ctx.vars.pg_replication_username],
    ["${monitor}", ctx.vars.pg_monitor_username],
    ["${admin}", ctx.vars.pg_admin_username],
  ]);
  const u = user || "all";
  return names.get(u) ?? u;
}

/** What an `addr` expands to, in order; SOCKET ("") stands for the unix socket. */
function addressesOf(ctx: HostContext, addr: string, label: string): string[] {
  switch (addr) {
    case "local":
      return [SOCKET];
    case "localhost":
      return [SOCKET, ...LOOPBACK];
    case "admin":
      return [cidrOf(String(ctx.vars.admin_ip), `${label}: admin_ip`)];
    case "infra":
      return [...new Set(ctx.model.infra.map(hostAddress))].sort().map((a) => cidrOf(a, `${label}: infra host`));
    case "cluster":
      return (ctx.cluster?.addresses ?? []).map((a) => cidrOf(a, `${label}: cluster member`));
    case "intra":
    case "intranet":
      return ctx.vars.node_firewall_intranet.map((c) => cidrOf(c, `${label}: node_firewall_intranet`));
    case "world":
    case "all":
      return [...WORLD];
    default:
      return [cidrOf(addr, `${label}: addr`)];
  }
}

/** A CIDR as given, or a bare address with its host mask; anything else is refused. */
function cidrOf(a: string, what: string): string {
  if (isCidr(a)) return a;
  const v = ipVersion(a);
  if (v === 4) return `${a}/32`;
  if (v === 6) return `${a}/128`;
  throw new Error(`${what}: ${JSON.stringify(a)} is not an IP address or CIDR`);
}

/** The address aliases the blocks use (in HBA_ADDR_ALIASES order) and what each expanded to. */
export function hbaAliasTable(ctx: HostContext, blocks: readonly HbaBlock[]): HbaAliasRow[] {
  const used = new Set(blocks.flatMap((b) => (b.kind === "alias" ? [b.addr] : [])));
  return HBA_ADDR_ALIASES.filter((a) => used.has(a)).map((alias) => ({
    alias,
    addresses: addressesOf(ctx, alias, alias).map((a) => (a === SOCKET ? "unix-socket" : a)),
  }));
}

/** The alias table and the laid-out rules of one target: the same on every member with the same role. */
function hbaView(ctx: HostContext, target: HbaTarget): { aliases: string; body: string } {
  const views = ruleViews(ctx, target);
  const blocks = views.map((v) => v.block);
  // what layoutBlocks writes, from each rule's text laid out once
  return { aliases: aliasTableText(hbaAliasTable(ctx, blocks)), body: views.map((v) => v.text).join("\n") };
}

function templateData(ctx: HostContext, target: HbaTarget): Record<string, unknown> {
  const { aliases, body } = sharedAcrossHosts(ctx, "hba", hbaView, target);
  const v = ctx.vars;
  return {
    instance: ctx.instance?.name ?? ctx.host.name,
    role: v.pg_role ?? "",
    offlineQuery: v.pg_offline_query === true,
    ip: ctx.ip,
    port: target === "postgres" ? v.pg_port : v.pgbouncer_port,
    aliases,
    users: commentTable([
      ["${dbsu}", v.pg_dbsu],
      ["${repl}", v.pg_replication_username],
      ["${monitor}", v.pg_monitor_username],
      ["${admin}", v.pg_admin_username],
    ]),
    body,
  };
}

/**
 * The header's tables (address aliases, user aliases) as comment lines, each ending in a line
 * break. Laid out here like the rule blocks: a template loop costs more per host than the file's
 * whole body.
 */
function aliasTableText(rows: readonly HbaAliasRow[]): string {
  return commentTable(rows.map((a) => [a.alias, a.addresses.length ? a.addresses.join(" ") : "(no addresses)"]));
}

function commentTable(rows: readonly (readonly [string, string])[]): string {
  let out = "";
  for (const [name, value] of rows) out += `#   ${name.padEnd(10)} ${value}\n`;
  return out;
}

/**
 * The blocks as the HBA files show them: a comment line with the title and role, then the lines in
 * aligned columns (commented out when the block is disabled), blocks separated by an empty line.
 * Built here rather than in the templates: 3,000 hosts × two files × dozens of lines.
 */
export function layoutBlocks(blocks: readonly HbaBlock[]): string {
  return blocks.map(blockText).join("\n");
}

/** One block as layoutBlocks writes it, ending in a line break. */
function blockText(b: HbaBlock): string {
  const c = b.enabled ? "" : "#";
  let out = `# ${b.title ? `${b.title} ` : ""}[${b.role}]${b.enabled ? "" : " [DISABLED]"}\n`;
  if (b.kind === "raw") for (const l of b.lines) out += `${c}${l}\n`;
  else if (b.lines.length === 0) out += `# (${b.addr}: no addresses, no lines)\n`;
  else for (const l of b.lines) out += `${c}${l.type.padEnd(8)} ${l.db.padEnd(18)} ${l.user.padEnd(18)} ${l.addr.padEnd(18)} ${l.method}\n`;
  return out;
}

/** `<pg_data>/pg_hba.conf` of this instance. */
export function renderPgHba(ctx: HostContext): RenderedFile {
  const path = `${ctx.vars.pg_data}/pg_hba.conf`;
  return {
    path,
    content: renderTemplate("pgsql/pg_hba.conf.njk", { ...templateData(ctx, "postgres"), path }),
    owner: ctx.vars.pg_dbsu,
    group: "postgres",
    mode: "0600",
    sensitive: false,
    effect: "reload",
    service: "postgres",
  };
}

/** `/etc/pgbouncer/pgb_hba.conf` of this instance (pgbouncer.ini: auth_type = hba). */
export function renderPgbHba(ctx: HostContext): RenderedFile {
  const path = "/etc/pgbouncer/pgb_hba.conf";
  return {
    path,
    content: renderTemplate("pgbouncer/pgb_hba.conf.njk", { ...templateData(ctx, "pgbouncer"), path }),
    owner: ctx.vars.pg_dbsu,
    group: "postgres",
    mode: "0600",
    sensitive: false,
    effect: "reload",
    service: "pgbouncer",
  };
}

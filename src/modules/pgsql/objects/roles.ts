/**
 * Desired roles of a cluster: pg_default_roles then pg_users, merged by name and normalised.
 *
 * - Order: first-definition order (groups before the members that join them).
 * - Several definitions of one name (a pg_users entry overriding a default role, say) merge field
 *   by field, later wins: what Pigsty's create-then-alter scripts amount to when run in order.
 *   `state` is the last definition's; memberships merge per role; settings per name; expire_in and
 *   expire_at count as one field. Two definitions in the same list get a warning.
 * - System users (Appendix A 16): pg_default_roles names them replicator / dbuser_dba /
 *   dbuser_monitor / postgres while everything else uses pg_replication_username,
 *   pg_admin_username, pg_monitor_username and pg_dbsu. Here the configurable names win: a default
 *   entry with Pigsty's name is renamed to the configured one (unless the configured name is
 *   defined too); a missing system user gets a minimal definition; its password always comes from
 *   its parameter (pg_dbsu_password only when not empty). System users are never absent.
 * Pure: must not import I/O modules.
 */
import { warning, type Diagnostic } from "../../../diagnostics.js";
import { varPosition } from "../../../model/resolve.js";
import type { PgRoleMembership, PgUser } from "../../../model/schema/index.js";
import type { HostContext } from "../../context.js";
import { listItemName, sharedAcrossHosts } from "../../memo.js";
import { compareText, dateText, defined, normaliseSettings } from "./settings.js";
import type { Desired, DesiredMembership, DesiredRole, PresentRole, SystemUserKind, SystemUsers, ValidUntil } from "./types.js";

/** Pigsty's fixed names of the system users in its default pg_default_roles. */
const PIGSTY_NAMES: { readonly [K in SystemUserKind]: string } = {
  dbsu: "postgres", replicator: "replicator", admin: "dbuser_dba", monitor: "dbuser_monitor",
};
const KINDS: readonly SystemUserKind[] = ["dbsu", "replicator", "admin", "monitor"];

/** What a system user gets when no default role defines it: just what pgsty needs of it. */
const FALLBACK: { readonly [K in SystemUserKind]: Omit<PgUser, "name"> } = {
  dbsu: { superuser: true, comment: "system superuser" },
  replicator: { replication: true, roles: ["pg_monitor"], comment: "system replicator" },
  admin: { superuser: true, pgbouncer: true, comment: "pgsql admin user" },
  monitor: { roles: ["pg_monitor"], pgbouncer: true, comment: "pgsql monitor user" },
};

/** Membership options that need PostgreSQL 16. */
const PG16_OPTIONS = ["inherit", "set"] as const;

type ListName = "pg_default_roles" | "pg_users";

/** One written definition and where it is. */
interface Entry {
  readonly user: PgUser;
  readonly list: ListName | "system";
  readonly index: number;
}

/** The configured names of the system users. */
export function systemUsers(ctx: HostContext): SystemUsers {
  const v = ctx.vars;
  return { dbsu: v.pg_dbsu, replicator: v.pg_replication_username, admin: v.pg_admin_username, monitor: v.pg_monitor_username };
}

/** The password parameter of each system user; "" means "not managed". */
function systemPassword(ctx: HostContext, kind: SystemUserKind): string | undefined {
  const v = ctx.vars;
  const pw = { dbsu: v.pg_dbsu_password, replicator: v.pg_replication_password, admin: v.pg_admin_password, monitor: v.pg_monitor_password }[kind];
  return pw === "" ? undefined : pw;
}

/** pg_default_roles and pg_users as one list of entries, system users renamed or added. */
function entries(ctx: HostContext, sys: SystemUsers): Entry[] {
  const defaults = [...(ctx.vars.pg_default_roles ?? [])];
  const names = new Set(defaults.map((u) => u.name));
  const out: Entry[] = defaults.map((user, index) => {
    const kind = KINDS.find((k) => user.name === PIGSTY_NAMES[k] && sys[k] !== user.name && !names.has(sys[k]));
    return { user: kind ? { ...user, name: sys[kind] } : user, list: "pg_default_roles", index };
  });
  const declared = new Set(out.map((e) => e.user.name));
  KINDS.forEach((k, index) => {
    if (!declared.has(sys[k])) out.push({ user: { name: sys[k], ...FALLBACK[k] }, list: "system", index });
  });
  (ctx.vars.pg_users ?? []).forEach((user, index) => out.push({ user, list: "pg_users", index }));
  return out;
}

/** Definitions of one name merged: scalars later-wins, the lists kept in order for their own merge. */
interface Draft {
  readonly name: string;
  user: PgUser;
  readonly roles: { readonly item: string | PgRoleMembership; readonly entry: Entry; readonly j: number }[];
  readonly settings: (Readonly<Record<string, unknown>> | undefined)[];
  readonly entries: Entry[];
}

function mergeScalars(a: PgUser, b: PgUser): PgUser {
  const expiry = b.expire_in !== undefined || b.expire_at !== undefined;
  const base: PgUser = expiry ? { ...a, expire_in: undefined, expire_at: undefined } : a;
  return { ...base, ...defined(b), state: b.state };
}

function drafts(all: readonly Entry[]): Draft[] {
  const byName = new Map<string, Draft>();
  for (const entry of all) {
    const { user } = entry;
    const d = byName.get(user.name);
    const roles = (user.roles ?? []).map((item, j) => ({ item, entry, j }));
    if (!d) {
      byName.set(user.name, { name: user.name, user, roles, settings: [user.parameters], entries: [entry] });
      continue;
    }
    d.user = mergeScalars(d.user, user);
    d.roles.push(...roles);
    d.settings.push(user.parameters);
    d.entries.push(entry);
  }
  return [...byName.values()];
}

function entryPos(ctx: HostContext, e: Entry, path: readonly PropertyKey[] = []) {
  return e.list === "system" ? varPosition(ctx.host, "pg_default_roles") : varPosition(ctx.host, e.list, [e.index, ...path]);
}

/** Memberships merged per role (later options win, state from the last), sorted by role. */
function memberships(ctx: HostContext, d: Draft, pgVersion: number, out: Diagnostic[]): DesiredMembership[] {
  const byRole = new Map<string, DesiredMembership>();
  for (const { item, entry, j } of d.roles) {
    const m: PgRoleMembership = typeof item === "string" ? { name: item } : item;
    const state = m.state === "absent" || m.state === "revoke" ? "absent" : "present";
    const prev = byRole.get(m.name);
    if (state === "absent") {
      byRole.set(m.name, { role: m.name, state });
      continue;
    }
    const merged = { ...(prev?.state === "present" ? prev : {}), ...defined({ admin: m.admin, inherit: m.inherit, set: m.set }) };
    const unsupported = pgVersion < 16 ? PG16_OPTIONS.filter((o) => m[o] !== undefined) : [];
    if (unsupported.length) {
      out.push(warning("objects.membership-option", `\`${unsupported.join("` and `")}\` of ${d.name}'s membership in ${m.name} ${unsupported.length > 1 ? "need" : "needs"} PostgreSQL 16; ignored on ${pgVersion}`, {
        source: entryPos(ctx, entry, ["roles", j]),
        hint: "remove the option, or raise pg_version to 16 or later",
      }));
    }
    const flagged = PG16_OPTIONS.filter((o) => pgVersion < 16 && merged[o] !== undefined);
    byRole.set(m.name, defined({ role: m.name, state, ...merged, unsupported: flagged.length ? flagged : undefined }));
  }
  return [...byRole.values()].sort((a, b) => compareText(a.role, b.role));
}

function validUntil(u: PgUser): ValidUntil | undefined {
  if (u.expire_in !== undefined) return { kind: "in", expireInDays: u.expire_in };
  if (u.expire_at !== undefined) return { kind: "at", value: dateText(u.expire_at) };
  return undefined;
}

function presentRole(ctx: HostContext, d: Draft, kind: SystemUserKind | undefined, pgVersion: number, out: Diagnostic[]): PresentRole {
  const u = d.user;
  let password = u.password;
  const fixed = kind ? systemPassword(ctx, kind) : undefined;
  if (kind && fixed !== undefined) {
    const written = [...d.entries].reverse().find((e) => e.list === "pg_users" && e.user.password !== undefined);
    if (written && written.user.password !== fixed) {
      out.push(warning("objects.system-password", `the password of system user ${d.name} written in pg_users is ignored`, {
        source: entryPos(ctx, written, ["password"]),
        detail: `HBA, .pgpass, pgbouncer and the exporter use the password from its parameter`,
        hint: `set ${kind === "dbsu" ? "pg_dbsu_password" : `pg_${kind === "replicator" ? "replication" : kind}_password`} instead`,
      }));
    }
    password = fixed;
  }
  return defined({
    name: d.name,
    state: "present",
    systemUser: kind,
    login: u.login,
    superuser: u.superuser,
    createdb: u.createdb,
    createrole: u.createrole,
    inherit: u.inherit,
    replication: u.replication,
    bypassrls: u.bypassrls,
    connlimit: u.connlimit,
    password,
    validUntil: validUntil(u),
    comment: u.comment ?? `business user ${d.name}`,
    memberships: memberships(ctx, d, pgVersion, out),
    ...normaliseSettings(...d.settings),
    pgbouncer: u.pgbouncer ?? false,
    poolMode: u.pool_mode,
    poolConnlimit: u.pool_connlimit,
  } satisfies PresentRole);
}

/** Duplicate definitions inside one list: legal (later wins) but usually a mistake. */
function duplicates(ctx: HostContext, d: Draft, out: Diagnostic[]): void {
  for (const list of ["pg_default_roles", "pg_users"] as const) {
    const mine = d.entries.filter((e) => e.list === list);
    if (mine.length < 2) continue;
    out.push(warning("objects.duplicate-role", `role ${d.name} is defined ${mine.length} times in ${list}`, {
      source: entryPos(ctx, mine[1]!, ["name"]),
      related: [entryPos(ctx, mine[0]!, ["name"])],
      detail: "later definitions override earlier ones field by field",
      hint: "merge the definitions into one",
    }));
  }
}

/** The desired roles of the cluster of `ctx` (its primary). */
export function desiredRoles(ctx: HostContext): Desired<readonly DesiredRole[]> {
  // the pgsql and pgbouncer steps of one host all ask: computed once per host context
  let r = rolesOf.get(ctx);
  if (!r) rolesOf.set(ctx, r = computeRoles(ctx));
  return r;
}

const rolesOf = new WeakMap<HostContext, Desired<readonly DesiredRole[]>>();

function computeRoles(ctx: HostContext): Desired<readonly DesiredRole[]> {
  const sys = systemUsers(ctx);
  const pgVersion = ctx.vars.pg_version;
  const out: Diagnostic[] = [];
  const roles = drafts(entries(ctx, sys)).map((d): DesiredRole => {
    const e = d.entries[0]!;
    // A default role defined once and not renamed is the same in every cluster of the same
    // settings: shared (modules/memo.ts) by the object and place it is written in.
    if (d.entries.length === 1 && e.list === "pg_default_roles" && d.user === e.user) {
      const shared = sharedAcrossHosts(ctx, listItemName("pgsql.default-role", e.index), defaultRole, e.user, e.index);
      out.push(...shared.diagnostics);
      return shared.value;
    }
    return roleOf(ctx, d, sys, pgVersion, out);
  });
  return { value: roles, diagnostics: out };
}

/** `user`, written once at `index` of pg_default_roles, as computeRoles makes it, with what that reported. */
function defaultRole(ctx: HostContext, user: PgUser, index: number): Desired<DesiredRole> {
  const out: Diagnostic[] = [];
  const [d] = drafts([{ user, list: "pg_default_roles", index }]);
  return { value: roleOf(ctx, d!, systemUsers(ctx), ctx.vars.pg_version, out), diagnostics: out };
}

/** One role of the cluster from the definitions of its name. */
function roleOf(ctx: HostContext, d: Draft, sys: SystemUsers, pgVersion: number, out: Diagnostic[]): DesiredRole {
  duplicates(ctx, d, out);
  const kind = KINDS.find((k) => sys[k] === d.name);
  if (d.user.state === "absent") {
    if (!kind) return { name: d.name, state: "absent" };
    const last = d.entries[d.entries.length - 1]!;
    out.push(warning("objects.system-user", `system user ${d.name} cannot be absent; it is kept`, {
      source: entryPos(ctx, last, ["state"]),
      detail: "pgsty, Patroni, pgbouncer or monitoring log in as this user",
      hint: "remove `state: absent`",
    }));
  }
  return presentRole(ctx, d, kind, pgVersion, out);
}

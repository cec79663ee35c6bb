/**
 * The desired database objects of a cluster, as data: roles (objects/roles.ts), databases with
 * their schemas and extensions (objects/databases.ts) and default privileges
 * (objects/privileges.ts), computed from the HostContext of the cluster's primary, plus the
 * checks that need all of them at once (owners and granted roles that nothing declares) and
 * masking for display. The plan diffs these against the catalog; renderers show them masked.
 * Pure: must not import I/O modules (facts/, exec/, ops/).
 */
import { warning, type Diagnostic } from "../../diagnostics.js";
import { MASK } from "../../model/secrets.js";
import { varPosition } from "../../model/resolve.js";
import type { HostContext } from "../context.js";
import { defaultPrivilegesFor } from "./objects/privileges.js";
import { systemUsers } from "./objects/roles.js";
import { sharedDatabases, sharedRoles } from "./objects/shared.js";
import {
  DATABASE_ALTERABLE_FIELDS,
  DATABASE_CREATE_ONLY_FIELDS,
  DATABASE_UNOBSERVABLE_FIELDS,
  type Desired,
  type DesiredDatabase,
  type DesiredObjects,
  type DesiredRole,
} from "./objects/types.js";

export * from "./objects/types.js";
export { desiredRoles, systemUsers } from "./objects/roles.js";
export { desiredDatabases, desiredExtensions, desiredSchemas, BUILTIN_DATABASES, PROTECTED_DATABASES } from "./objects/databases.js";
export {
  desiredDefaultPrivileges,
  defaultPrivilegesFor,
  parseDefaultPrivilege,
  DEFAULT_PRIVILEGE_TYPES,
  type DefaultPrivilegeRule,
  type ParsedDefaultPrivilege,
} from "./objects/privileges.js";
export { LIST_VALUED_SETTINGS, normaliseSettings, type NormalisedSettings } from "./objects/settings.js";

/** PostgreSQL's predefined roles (pg_monitor, pg_read_all_data…) exist without being declared. */
const PREDEFINED_ROLE = /^pg_/;

/** Roles used by databases (owners, schema owners, pool auth users) or granted that nothing declares. */
function undeclaredRoles(ctx: HostContext, roles: readonly DesiredRole[], dbs: readonly DesiredDatabase[]): Diagnostic[] {
  const present = new Set(roles.filter((r) => r.state === "present").map((r) => r.name));
  const known = (name: string) => present.has(name) || PREDEFINED_ROLE.test(name);
  const out: Diagnostic[] = [];
  const dbIndex = (name: string) => (ctx.vars.pg_databases ?? []).findLastIndex((d) => d.name === name);
  for (const d of dbs) {
    if (d.state === "absent") continue;
    const uses: [string | undefined, string][] = [
      [d.owner, "owner"],
      [d.poolAuthUser, "pool_auth_user"],
      ...d.schemas.map((s): [string | undefined, string] => [s.state === "present" ? s.owner : undefined, "schemas"]),
    ];
    for (const [role, key] of uses) {
      if (role === undefined || known(role)) continue;
      const i = dbIndex(d.name);
      out.push(warning("objects.undeclared-role", `role ${role} (${key} of database ${d.name}) is not declared in pg_default_roles or pg_users`, {
        source: i >= 0 ? varPosition(ctx.host, "pg_databases", [i, key]) : varPosition(ctx.host, "pg_databases"),
        hint: "declare it in pg_users (users are created before databases), or make sure it exists",
      }));
    }
  }
  const users = ctx.vars.pg_users ?? [];
  for (const r of roles) {
    if (r.state === "absent") continue;
    for (const m of r.memberships) {
      if (m.state === "absent" || known(m.role)) continue;
      const i = users.findLastIndex((u) => u.name === r.name);
      const j = i >= 0 ? (users[i]!.roles ?? []).findIndex((x) => (typeof x === "string" ? x : x.name) === m.role) : -1;
      out.push(warning("objects.undeclared-role", `role ${m.role} granted to ${r.name} is not declared in pg_default_roles or pg_users`, {
        source: j >= 0 ? varPosition(ctx.host, "pg_users", [i, "roles", j]) : varPosition(ctx.host, i >= 0 ? "pg_users" : "pg_default_roles"),
        hint: "declare the role (before its members), or make sure it exists",
      }));
    }
  }
  return out;
}

/** Everything the cluster of `ctx` (its primary) should contain, with the problems found. */
export function desiredObjects(ctx: HostContext): Desired<DesiredObjects> {
  const sys = systemUsers(ctx);
  const roles = sharedRoles(ctx);
  const databases = sharedDatabases(ctx);
  const privileges = defaultPrivilegesFor(ctx, sys, databases.value);
  const value: DesiredObjects = {
    cluster: ctx.cluster?.name ?? String(ctx.vars.pg_cluster ?? ""),
    pgVersion: ctx.vars.pg_version,
    ...(ctx.cluster?.upstream === undefined ? {} : { upstream: ctx.cluster.upstream }),
    systemUsers: sys,
    roles: roles.value,
    databases: databases.value,
    defaultPrivileges: privileges.value,
    databaseFields: {
      createOnly: DATABASE_CREATE_ONLY_FIELDS,
      unobservable: DATABASE_UNOBSERVABLE_FIELDS,
      alterable: DATABASE_ALTERABLE_FIELDS,
    },
  };
  const diagnostics = [
    ...roles.diagnostics,
    ...databases.diagnostics,
    ...privileges.diagnostics,
    ...undeclaredRoles(ctx, roles.value, databases.value),
  ];
  return { value, diagnostics };
}

/** A copy of `objects` safe to show: every password replaced by "(sensitive)". */
export function maskObjects(objects: DesiredObjects): DesiredObjects {
  return {
    ...objects,
    roles: objects.roles.map((r) => (r.state === "present" && r.password !== undefined && r.password !== "" ? { ...r, password: MASK } : r)),
  };
}

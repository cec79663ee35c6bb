/**
 * The cluster's desired roles and databases as its consumers share them: computed once per
 * cluster (modules/memo.ts) for the objects' tasks, pgbouncer's userlist, useropts and
 * database.txt, which each computed them again. Results are frozen: callers copy before sorting.
 * Pure; must not import I/O modules.
 */
import type { HostContext } from "../../context.js";
import { sharedAcrossHosts } from "../../memo.js";
import { desiredDatabases } from "./databases.js";
import { desiredRoles } from "./roles.js";

export function sharedRoles(ctx: HostContext): ReturnType<typeof desiredRoles> {
  return sharedAcrossHosts(ctx, "pgsql.roles", desiredRoles);
}

export function sharedDatabases(ctx: HostContext): ReturnType<typeof desiredDatabases> {
  return sharedAcrossHosts(ctx, "pgsql.databases", desiredDatabases);
}

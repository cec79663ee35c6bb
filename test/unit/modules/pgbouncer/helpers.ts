// Shared by the pgbouncer tests: a small pg-test inventory and context shortcuts.
import type { HostContext } from "../../../../src/modules/context.js";
import { renderPgbouncer } from "../../../../src/modules/pgbouncer/pgbouncer.js";
import { contextFor } from "../context-helper.js";

/** pg-test: .11 primary, .12 replica; etcd-only .20. `vars` are cluster vars (YAML lines). */
export function inventory(vars = "", hostVars = ""): string {
  const v = vars.split("\n").map((l) => `        ${l}`).join("\n");
  return `all:
  vars: { admin_ip: 10.10.10.10, pg_admin_password: Admin.Pass, pg_monitor_password: Mon.Pass }
  children:
    etcd: { hosts: { 10.10.10.20: { etcd_seq: 1 } } }
    pg-test:
      hosts:
        10.10.10.11: { pg_seq: 1, pg_role: primary ${hostVars} }
        10.10.10.12: { pg_seq: 2, pg_role: replica }
      vars:
        pg_cluster: pg-test
${v}
`;
}

export const ctxOf = (vars = "", host = "10.10.10.11", hostVars = "") => contextFor(inventory(vars, hostVars), host);
export const fileOf = (ctx: HostContext, name: string) => renderPgbouncer(ctx).find((f) => f.path === `/etc/pgbouncer/${name}`)!;
export const ini = (vars = "", hostVars = "") => fileOf(ctxOf(vars, "10.10.10.11", hostVars), "pgbouncer.ini").content;
/** A context with some vars replaced without validation (to reach the renderer's own guards). */
export const withVars = (ctx: HostContext, vars: Record<string, unknown>): HostContext => ({
  ...ctx,
  vars: Object.assign(Object.create(ctx.vars) as HostContext["vars"], vars),
});

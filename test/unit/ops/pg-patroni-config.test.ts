import { describe, expect, it } from "vitest";
import { configPatch, patchCurlConfig, patroniConfigOp, type PatroniConfigArgs } from "../../../src/ops/pg-patroni-config.js";
import type { TaskSpec } from "../../../src/plan/types.js";
import { facts, fakeConnector } from "./pg-helpers.js";

const LIVE = {
  ttl: 30, loop_wait: 5, synchronous_mode: false, failsafe_mode: true,
  postgresql: { use_slots: true, parameters: { max_connections: "500", hot_standby: "on", work_mem: "4MB", extra: "kept" } },
};
const args = (config: Record<string, unknown>): PatroniConfigArgs => ({ url: "http://10.10.10.11:8008", username: "postgres", password: "Patroni.Pw\"'", config, pgVersion: 15 });
const task = (a: PatroniConfigArgs): TaskSpec => ({ step: "pgsql.config", op: "patroni.config", key: "pg-test", args: { ...a }, sensitive: ["password"] });

describe("patroni.config: diff", () => {
  it("only the keys that differ; 500 and \"500\", true and \"on\" are the same; keys not declared are kept, but not PostgreSQL parameters", () => {
    const want = { ttl: 30, loop_wait: 10, synchronous_mode: false, postgresql: { use_slots: true, parameters: { max_connections: 500, hot_standby: true, work_mem: "64MB" } } };
    // `extra`, in the DCS but no longer wanted, is removed: Patroni then drops it (a restart if it is a postmaster one)
    expect(configPatch(want, LIVE)).toEqual({
      patch: { loop_wait: 10, postgresql: { parameters: { work_mem: "64MB", extra: null } } },
      fields: [{ field: "loop_wait", before: 5, after: 10 }, { field: "postgresql.parameters.work_mem", before: "4MB", after: "64MB" }, { field: "postgresql.parameters.extra", before: "kept", after: undefined }],
    });
    // no parameters section wanted: the live one is not this op's business
    expect(configPatch({ ttl: 30, postgresql: { use_slots: true } }, LIVE)).toEqual({ patch: undefined, fields: [] });
    expect(configPatch({ standby_cluster: { host: "10.0.0.1", port: 5432 } }, LIVE).patch).toEqual({ standby_cluster: { host: "10.0.0.1", port: 5432 } });
  });

  it("noop / update (Patroni reloads) / restart when a postmaster parameter changes / unknown when Patroni is down", () => {
    const noop = task(args({ ttl: 30 }));
    expect(patroniConfigOp.diff(noop, patroniConfigOp.observe(noop, facts({ "patroni.config": { config: LIVE } })))).toEqual({ action: "noop", effect: "none" });
    // the live parameters, with changes (a parameter left out would be removed)
    const params = (p: Record<string, unknown>) => ({ postgresql: { parameters: { ...LIVE.postgresql.parameters, ...p } } });
    const reload = task(args(params({ work_mem: "64MB" })));
    expect(patroniConfigOp.diff(reload, patroniConfigOp.observe(reload, facts({ "patroni.config": { config: LIVE } })))).toMatchObject({ action: "update", effect: "none" });
    const restart = task(args(params({ max_connections: 1000, work_mem: "8MB" })));
    expect(patroniConfigOp.diff(restart, patroniConfigOp.observe(restart, facts({ "patroni.config": { config: LIVE } })))).toMatchObject({
      action: "update", effect: "restart", reason: "max_connections needs a restart",
    });
    const down = patroniConfigOp.observe(noop, facts({ "patroni.config": { down: true, reason: "curl: (7) Failed to connect" } }));
    expect(patroniConfigOp.diff(noop, down)).toEqual({ action: "unknown", effect: "none", reason: "Patroni not running yet (curl: (7) Failed to connect)" });
  });
});

describe("patroni.config: apply", () => {
  it("PATCHes only the difference; credentials and body on stdin, never in argv or the display", async () => {
    const t = task(args({ loop_wait: 10 }));
    const f = facts({ "patroni.config": { config: LIVE } });
    const conn = fakeConnector();
    await patroniConfigOp.apply({ connector: conn, refresh: async () => f }, t, patroniConfigOp.diff(t, patroniConfigOp.observe(t, f)));
    expect(conn.calls).toHaveLength(1);
    const [call] = conn.calls;
    expect(call!.display).toBe("curl -sS -f -m 10 -K - -X PATCH -H 'Content-Type: application/json' http://10.10.10.11:8008/config");
    expect(call!.text).not.toContain("Patroni.Pw");
    expect(call!.stdin).toBe(`user = "postgres:Patroni.Pw\\"'"\ndata-binary = "{\\"loop_wait\\":10}"\n`);
  });

  it("does nothing when the live config already matches; fails with curl's error otherwise", async () => {
    const t = task(args({ ttl: 30 }));
    const conn = fakeConnector();
    await patroniConfigOp.apply({ connector: conn, refresh: async () => facts({ "patroni.config": { config: LIVE } }) }, t, { action: "noop", effect: "none" });
    expect(conn.calls).toHaveLength(0);
    const u = task(args({ ttl: 60 }));
    const failing = fakeConnector(() => ({ code: 22, stderr: "curl: (22) The requested URL returned error: 401" }));
    await expect(patroniConfigOp.apply({ connector: failing, refresh: async () => facts({ "patroni.config": { config: LIVE } }) }, u, { action: "update", effect: "none" }))
      .rejects.toThrow(/401/);
  });

  it("curl config quoting escapes quotes, backslashes and newlines", () => {
    expect(patchCurlConfig({ ...args({}), username: "a\\b", password: "p\nq" }, { x: 'y"z' })).toBe(`user = "a\\\\b:p\\nq"\ndata-binary = "{\\"x\\":\\"y\\\\\\"z\\"}"\n`);
  });
});

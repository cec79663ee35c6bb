// sharedAcrossHosts: a result is reused only by hosts whose context reads the same where the first
// run read, and shared results are frozen.
import { describe, expect, it } from "vitest";
import { loadInventory } from "../../../src/inventory/load.js";
import { buildModel } from "../../../src/model/model.js";
import { hostContext, type HostContext } from "../../../src/modules/context.js";
import { sharedAcrossHosts } from "../../../src/modules/memo.js";

const INV = `
pg-test:
  hosts:
    10.10.10.11: { pg_seq: 1, pg_role: primary }
    10.10.10.12: { pg_seq: 2, pg_role: replica }
    10.10.10.13: { pg_seq: 3, pg_role: replica, pg_port: 5433 }
  vars: { pg_cluster: pg-test, pg_users: [ { name: app, password: x } ] }
`;

function contexts(): HostContext[] {
  const model = buildModel(loadInventory([{ file: "inv.yml", text: INV }]).inventory).model;
  return ["10.10.10.11", "10.10.10.12", "10.10.10.13"].map((h) => hostContext(model, h));
}

describe("sharedAcrossHosts", () => {
  it("reuses a result for hosts that read the same, recomputes for one that does not", () => {
    const [a, b, c] = contexts();
    let runs = 0;
    const users = (ctx: HostContext) => (runs++, { cluster: ctx.cluster?.name, users: ctx.vars.pg_users, port: ctx.vars.pg_port });
    const ra = sharedAcrossHosts(a!, "t", users);
    expect(sharedAcrossHosts(b!, "t", users)).toBe(ra);
    expect(runs).toBe(1);
    const rc = sharedAcrossHosts(c!, "t", users);
    expect(rc.port).toBe(5433);
    expect(runs).toBe(2);
    expect(Object.isFrozen(ra) && Object.isFrozen(ra.users)).toBe(true);
  });

  it("keeps results of different args and of host-specific reads apart", () => {
    const [a, b] = contexts();
    const withArg = (ctx: HostContext, n: number) => `${ctx.vars.pg_cluster}:${n}`;
    expect(sharedAcrossHosts(a!, "u", withArg, 1)).toBe("pg-test:1");
    expect(sharedAcrossHosts(b!, "u", withArg, 2)).toBe("pg-test:2");
    const named = (ctx: HostContext) => ctx.instance?.name;
    expect(sharedAcrossHosts(a!, "v", named)).toBe("pg-test-1");
    expect(sharedAcrossHosts(b!, "v", named)).toBe("pg-test-2");
    // enumerating the vars cannot be replayed on another host: the result stays with its host
    let runs = 0;
    const enumerated = (ctx: HostContext) => (runs++, Object.keys(ctx.vars).length);
    sharedAcrossHosts(a!, "w", enumerated);
    sharedAcrossHosts(b!, "w", enumerated);
    expect(runs).toBe(2);
  });

  it("shares a computation that shares another, and replays the inner reads for the outer one", () => {
    const [a, b, c] = contexts();
    let outer = 0;
    const port = (ctx: HostContext) => ctx.vars.pg_port;
    const both = (ctx: HostContext) => (outer++, { cluster: ctx.cluster?.name, port: sharedAcrossHosts(ctx, "inner", port) });
    const ra = sharedAcrossHosts(a!, "outer", both);
    // the inner read goes through the outer recorder without tying the outer result to a's host
    expect(sharedAcrossHosts(b!, "outer", both)).toBe(ra);
    expect(outer).toBe(1);
    // c's pg_port differs: read inside the inner computation, it still keeps c apart
    expect(sharedAcrossHosts(c!, "outer", both).port).toBe(5433);
    expect(outer).toBe(2);
  });
});

// pgsql-rm: the preflight (pg_safeguard, a primary whose replicas stay), the playbook's steps and
// tasks per host, and the replicas-first waves.
import { describe, expect, it } from "vitest";
import { wavesOf } from "../../../../src/exec/waves.js";
import { STEP_DEFS } from "../../../../src/modules/index.js";
import { dcsPrefix, removalPreflight } from "../../../../src/modules/pgsql/remove.js";
import { PGBOUNCER_FILES, pgPackages, stanzaMarker } from "../../../../src/modules/steps-pgsql-rm.js";
import { renderPgbouncer } from "../../../../src/modules/pgbouncer/pgbouncer.js";
import { renderPgbHba } from "../../../../src/modules/pgsql/hba.js";
import { markerPath } from "../../../../src/ops/pgbackrest-stanza.js";
import { expandHost } from "../../../../src/plan/expand.js";
import { loadPlaybook, selectSteps } from "../../../../src/plan/playbook.js";
import { runPreflight } from "../../../../src/plan/preflight.js";
import { model, PG_TEST, yaml } from "../../helpers.js";
import { contextFor } from "../context-helper.js";

const INV = yaml`
  all:
    children:
      etcd:
        hosts: { 10.10.10.10: { etcd_seq: 1 } }
        vars: { etcd_cluster: etcd }
      pg-test:
        hosts:
          10.10.10.11: { pg_seq: 1, pg_role: primary }
          10.10.10.12: { pg_seq: 2, pg_role: replica }
          10.10.10.13: { pg_seq: 3, pg_role: replica }
        vars: { pg_cluster: pg-test, pg_version: 16 }
`;
const ALL = ["10.10.10.11", "10.10.10.12", "10.10.10.13"];
const pb = loadPlaybook("pgsql-rm", new Set(STEP_DEFS.keys()));
const steps = pb.steps.map((s) => STEP_DEFS.get(s.step)!);
const tasksOf = (host: string, inv = INV) => expandHost(steps, contextFor(inv, host));
const keys = (host: string, inv = INV) => Object.fromEntries([...tasksOf(host, inv)].map(([s, ts]) => [s, ts.map((t) => `${t.op}[${t.key}]`)]));

describe("pgsql-rm preflight", () => {
  const m = model(INV).model;

  it("passes for replicas only, or the whole cluster", () => {
    expect(removalPreflight(m, ["10.10.10.12"])).toEqual([]);
    expect(removalPreflight(m, ALL)).toEqual([]);
  });

  it("refuses the primary while replicas stay, naming them and the way out", () => {
    const [d, ...rest] = removalPreflight(m, ["10.10.10.11", "10.10.10.12"]);
    expect(rest).toEqual([]);
    expect(d).toMatchObject({ severity: "error", code: "pgsql-rm.primary", address: "10.10.10.11", summary: "refusing to remove pg-test-1 (10.10.10.11), the primary of pg-test, while pg-test-3 (10.10.10.13) stays" });
    expect(d!.hint).toMatch(/-l pg-test/);
  });

  it("refuses pg_safeguard, one error per cluster, pointing at where it is set and how to override", () => {
    const inv = INV.replace("pg_version: 16 }", "pg_version: 16, pg_safeguard: true }");
    const ds = removalPreflight(model(inv).model, ["10.10.10.12", "10.10.10.13"]);
    expect(ds).toHaveLength(1);
    expect(ds[0]).toMatchObject({ code: "pgsql-rm.safeguard", summary: "pg_safeguard is true for pg-test-2 (10.10.10.12), pg-test-3 (10.10.10.13) of pg-test: refusing to remove them" });
    expect(ds[0]!.hint).toContain("-e pg_safeguard=false");
    expect(ds[0]!.source).toMatchObject({ file: "inv.yml", line: 11 });
    expect(removalPreflight(model(inv, ["pg_safeguard=false"]).model, ["10.10.10.12"])).toEqual([]);
  });

  it("runs for the playbook whatever -t selects (each step carries it, run once)", () => {
    expect(selectSteps(pb, ["pg_data"]).map((s) => s.step)).toEqual(["remove.data"]);
    const inv = INV.replace("pg_version: 16 }", "pg_version: 16, pg_safeguard: true }");
    expect(runPreflight(pb, STEP_DEFS, model(inv).model, ["10.10.10.12"]).map((d) => d.code)).toEqual(["pgsql-rm.safeguard"]);
    expect(runPreflight(loadPlaybook("pgsql", new Set(STEP_DEFS.keys())), STEP_DEFS, model(inv).model, ALL)).toEqual([]);
  });
});

describe("pgsql-rm steps", () => {
  it("a replica: services, pgbouncer, cron, Patroni, backups, data, packages — no etcd keys, no stanza", () => {
    expect(keys("10.10.10.12")).toEqual({
      "remove.haproxy": ["primary", "replica", "default", "offline"].map((s) => `path.absent[/etc/haproxy/conf.d/pg-test-${s}.cfg]`),
      "remove.pgbouncer": ["service.stopped[pgbouncer]", ...PGBOUNCER_FILES.map((p) => `path.absent[${p}]`)],
      "remove.cron": ["path.absent[/etc/cron.d/pgsty-pg-test]"],
      "remove.patroni": ["service.stopped[patroni]", "command[pg_ctl stop]", "path.absent[/etc/patroni/patroni.yml]", "path.absent[/etc/patroni/config.yml]", "path.absent[/etc/patroni/postgres.yml]"],
      "remove.backup": ["path.absent[/pg/backup]", "path.absent[/data/backups/pg-test-16]", "path.absent[/etc/pgbackrest/pgbackrest.conf]", "path.absent[/etc/pgbackrest/pgsty-pg-test.done]"],
      "remove.data": ["path.absent[/pg]", "path.absent[/data/postgres/pg-test-16]"],
      "remove.pkg": ["pkg.removed[packages]"],
    });
  });

  it("the primary also deletes the cluster's etcd keys and its stanza (stanza first)", () => {
    const t = tasksOf("10.10.10.11");
    expect(t.get("remove.dcs")).toEqual([{ step: "remove.dcs", op: "dcs.absent", key: "/pg/pg-test/", args: { prefix: "/pg/pg-test/", endpoints: ["10.10.10.10:2379"] } }]);
    const stanza = t.get("remove.backup")![0]!;
    expect(stanza).toMatchObject({ op: "command", key: "stanza-delete pg-test", args: { unless: ["test", "!", "-e", "/etc/pgbackrest/pgsty-pg-test.done"], user: "postgres" } });
    expect((stanza.args.cmd as string[]).slice(3)).toEqual(["pg-test", "/etc/pgbackrest/pgsty-pg-test.done"]);
  });

  it("service files reload HAProxy; Patroni stops replicas first; the stop of a leftover server is guarded", () => {
    const t = tasksOf("10.10.10.12");
    expect(t.get("remove.haproxy")![0]).toMatchObject({ effect: "reload", service: "haproxy", args: { type: "file" } });
    expect(STEP_DEFS.get("remove.patroni")!.waves).toBe("replicas-first");
    expect(t.get("remove.patroni")![1]!.args).toEqual({
      cmd: ["/usr/lib/postgresql/16/bin/pg_ctl", "stop", "-D", "/pg/data", "-m", "fast", "-w"],
      unless: ["bash", "-c", '! "$0" status -D "$1" >/dev/null 2>&1', "/usr/lib/postgresql/16/bin/pg_ctl", "/pg/data"],
      user: "postgres",
    });
  });

  it("pg_rm_backup/pg_rm_data/pg_rm_pkg false keep what they name; a pg_data outside the home goes with the data", () => {
    const inv = INV.replace("pg_version: 16 }", "pg_version: 16, pg_rm_backup: false, pg_rm_pkg: false, pg_data: /data/pgdata }");
    const k = keys("10.10.10.12", inv);
    expect(k["remove.backup"]).toBeUndefined();
    expect(k["remove.pkg"]).toBeUndefined();
    expect(k["remove.data"]).toEqual(["path.absent[/data/pgdata]", "path.absent[/pg]", "path.absent[/data/postgres/pg-test-16]"]);
    expect(keys("10.10.10.12", INV.replace("pg_version: 16 }", "pg_version: 16, pg_rm_data: false }"))["remove.data"]).toBeUndefined();
  });

  it("packages: what pgsty installed for PostgreSQL, never etcd's or HAProxy's", () => {
    const inv = INV.replace("10.10.10.11: { pg_seq: 1, pg_role: primary }", "10.10.10.11: { pg_seq: 1, pg_role: primary, etcd_seq: 2, etcd_cluster: etcd }").replace("hosts: { 10.10.10.10: { etcd_seq: 1 } }", "hosts: { 10.10.10.10: { etcd_seq: 1 }, 10.10.10.11: {} }");
    const names = pgPackages(contextFor(inv, "10.10.10.11"));
    expect(names).toContain("postgresql-16");
    expect(names).toContain("patroni");
    expect(names.filter((n) => /etcd-server|etcd-client|^haproxy$/.test(n))).toEqual([]);
  });

  it("non-PostgreSQL hosts take no part", () => expect(keys("10.10.10.10")).toEqual({}));

  it("the file lists match what the renderers write; the stanza marker matches the op's", () => {
    const ctx = contextFor(INV, "10.10.10.12");
    expect([...renderPgbouncer(ctx, { deferSecrets: true }), renderPgbHba(ctx)].map((f) => f.path).sort()).toEqual([...PGBOUNCER_FILES].sort());
    expect(stanzaMarker("pg-test")).toBe(markerPath("pg-test"));
  });

  it("etcd prefix: /<namespace>/<cluster>/, citus /<namespace>/<shard>/<group>/", () => {
    expect(dcsPrefix(contextFor(INV, "10.10.10.11"))).toBe("/pg/pg-test/");
    expect(dcsPrefix(contextFor(INV.replace("pg_version: 16 }", "pg_version: 16, pg_namespace: /service/ }"), "10.10.10.11"))).toBe("/service/pg-test/");
  });

  it("PG_TEST helper inventory expands without errors", () => expect(model(PG_TEST).diagnostics.filter((d) => d.severity === "error")).toEqual([]));
});

describe("replicas-first waves", () => {
  const roles = new Map([
    ["a1", { cluster: "a", primary: true }], ["a2", { cluster: "a", primary: false }],
    ["b1", { cluster: "b", primary: true }], ["b2", { cluster: "b", primary: false }],
  ]);
  it("replicas (and hosts without a cluster) first, primaries last", () => {
    expect(wavesOf("replicas-first", ["a1", "a2", "b1", "b2", "x"], roles)).toEqual([
      { hosts: ["a2", "b2", "x"], kind: "all" },
      { hosts: ["a1", "b1"], kind: "last-primaries" },
    ]);
    expect(wavesOf("replicas-first", ["a1"], roles)).toEqual([{ hosts: ["a1"], kind: "last-primaries" }]);
  });
});

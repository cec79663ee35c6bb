// Plans from desired state: offline (every host empty), against a base inventory, the human and
// JSON views, tag selection, and secrets never rendered.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadInventory } from "../../../src/inventory/load.js";
import { buildModel } from "../../../src/model/model.js";
import { STEP_DEFS, refineEffect } from "../../../src/modules/index.js";
import { basePlan, offlinePlan } from "../../../src/plan/desired.js";
import { expandPlaybook } from "../../../src/plan/expand.js";
import { loadPlaybook, selectSteps } from "../../../src/plan/playbook.js";
import { renderPlanHuman, writePlanHuman } from "../../../src/render/plan-human.js";
import { inventorySecrets } from "../modules/pgbouncer/secrets-helper.js";
import { parse } from "yaml";

const ROOT = join(import.meta.dirname, "..", "..", "..");
const read = (rel: string) => readFileSync(join(ROOT, rel), "utf8");
const playbook = loadPlaybook("pgsql", new Set(STEP_DEFS.keys()));

function expansion(text: string, file = "inv.yml", tags?: string[]) {
  const { inventory } = loadInventory([{ file, text }]);
  const { model, ok, diagnostics } = buildModel(inventory);
  if (!ok) throw new Error(diagnostics.map((d) => d.summary).join("\n"));
  const hosts = [...model.hosts.keys()];
  return { model, hosts, exp: expandPlaybook(model, playbook, STEP_DEFS, { hosts, tags }) };
}

const meta = (hosts: string[]) => ({ inventory: ["inv.yml"], hosts, diagnostics: [] });
const label = (m: ReturnType<typeof expansion>["model"]) => (h: string) => m.instances.get(h)?.name ?? h;

describe("offline plans", () => {
  for (const rel of ["conf/pgsql.yml", "conf/ha/pg-test.yml"]) {
    it(`${rel}: golden human and JSON plans`, async () => {
      const { model, hosts, exp } = expansion(read(rel), rel);
      const plan = offlinePlan(exp, { ...meta(hosts), inventory: [rel] });
      const name = rel.replace(/^conf\//, "").replace(/\//g, "-").replace(/\.yml$/, "");
      await expect(renderPlanHuman(plan, { color: false, label: label(model) })).toMatchFileSnapshot(join(ROOT, "test/golden/plan", `${name}.offline.txt`));
      await expect(`${JSON.stringify(plan, null, 2)}\n`).toMatchFileSnapshot(join(ROOT, "test/golden/plan", `${name}.offline.json`));
    });
  }

  it("creates everything, and every step of the playbook appears in order", () => {
    const { hosts, exp } = expansion(read("conf/ha/pg-test.yml"));
    const plan = offlinePlan(exp, meta(hosts));
    expect(plan.steps.map((s) => s.step)).toEqual(playbook.steps.map((s) => s.step));
    expect(plan.summary.update + plan.summary.delete + plan.summary.unchanged).toBe(0);
    expect(plan.summary.create).toBeGreaterThan(100);
    // users and databases on every member: whichever is the leader when applied converges them
    const users = plan.steps.find((s) => s.step === "pgsql.user")!;
    expect(new Set(users.changes.map((c) => c.host))).toEqual(new Set(["10.10.10.11", "10.10.10.12", "10.10.10.13"]));
  });

  it("selects steps by tag, parents included: -t pg_provision provisions", () => {
    expect(selectSteps(playbook, ["pg_provision"]).map((s) => s.step)).toEqual(["pgsql.user", "pgsql.db"]);
    expect(selectSteps(playbook, ["pg_access"]).map((s) => s.step)).toEqual(["pgbouncer.config", "pgbouncer.hba", "pgbouncer.launch", "haproxy.config", "haproxy.launch"]);
    expect(selectSteps(playbook, ["pg_hba"]).map((s) => s.step)).toEqual(["pgsql.hba"]);
  });

  it("never renders a secret of the inventory, in either view", () => {
    for (const rel of ["conf/pgsql.yml", "conf/ha/pg-test.yml", "conf/full.yml"]) {
      const text = read(rel);
      const { model, hosts, exp } = expansion(text, rel);
      const plan = offlinePlan(exp, meta(hosts));
      const outputs = [renderPlanHuman(plan, { color: false, label: label(model) }), JSON.stringify(plan)];
      for (const secret of inventorySecrets(parse(text))) for (const o of outputs) expect(o.includes(secret), `${rel}: ${secret.slice(0, 3)}…`).toBe(false);
      expect(outputs[1]).not.toMatch(/SCRAM-SHA-256\$/);
    }
  });
});

describe("plans against a base inventory", () => {
  const before = read("conf/ha/pg-test.yml");
  const plan = (after: string) => {
    const a = expansion(before), b = expansion(after);
    return basePlan(a.exp, b.exp, meta(b.hosts), refineEffect);
  };

  it("is empty for the same inventory", () => {
    const p = plan(before);
    expect(p.steps.flatMap((s) => s.changes)).toEqual([]);
    expect(renderPlanHuman(p, { color: false })).toMatch(/^No changes\. 3 hosts match inv\.yml/);
  });

  it("an HBA rule change is a reload of postgres on every member, with a diff", () => {
    const p = plan(before.replace("pg_hba_rules:\n", "pg_hba_rules:\n          - { user: dbuser_view, db: test, addr: 10.10.0.0/16, auth: pwd, title: analytics }\n"));
    const hba = p.steps.find((s) => s.step === "pgsql.hba")!.changes;
    expect(hba.map((c) => [c.host, c.action, c.effect])).toEqual([["10.10.10.11", "update", "reload"], ["10.10.10.12", "update", "reload"], ["10.10.10.13", "update", "reload"]]);
    expect(hba[0]!.diff).toMatch(/^\+host +test +dbuser_view +10\.10\.0\.0\/16 +scram-sha-256$/m);
    const text = renderPlanHuman(p, { color: false });
    // identical diffs collapse onto one line; .13 differs: the offline rule next to the change is enabled there
    expect(text.match(/~ file +\/pg\/data\/pg_hba\.conf/g)).toHaveLength(2);
    expect(text).toMatch(/pg_hba\.conf +10\.10\.10\.11 10\.10\.10\.12 +\[reload\]/);
    expect(text).toMatch(/3 reloads/);
  });

  it("a restart-only parameter needs a restart, a reloadable one a reload", () => {
    const restart = plan(before.replace("pg_cluster: pg-test\n", "pg_cluster: pg-test\n        pg_parameters: { shared_buffers: 256MB }\n"));
    const c1 = restart.steps.find((s) => s.step === "pgsql.config")!.changes[0]!;
    expect([c1.effect, c1.reason]).toEqual(["restart", "secrets masked"]);
    expect(c1.diff).toMatch(/^\+\s+shared_buffers: 256MB$/m);
    const reload = plan(before.replace("pg_cluster: pg-test\n", "pg_cluster: pg-test\n        pg_parameters: { work_mem: 32MB }\n"));
    expect(reload.steps.find((s) => s.step === "pgsql.config")!.changes[0]!.effect).toBe("reload");
  });

  it("a password change shows only that it changed", () => {
    const p = plan(before.replace("Test.Example.ChangeMe", "Another.Secret.Value"));
    const role = p.steps.find((s) => s.step === "pgsql.user")!.changes[0]!;
    expect(role).toMatchObject({ op: "pg.role", key: "test", action: "update", fields: [{ field: "password", before: "(sensitive)", after: "(sensitive)" }] });
    const text = renderPlanHuman(p, { color: false });
    expect(text).toContain("password: changed (sensitive)");
    expect(text).toContain("content changed (sensitive)");
    expect(text).not.toContain("Another.Secret.Value");
  });

  it("a removed service's file is deleted; a removed user is left in place", () => {
    const withSvc = before.replace("pg_services:", "pg_services:\n          - { name: extra, port: 5439, selector: '[]' }");
    const a = expansion(withSvc), b = expansion(before);
    const p = basePlan(a.exp, b.exp, meta(b.hosts), refineEffect);
    const del = p.steps.find((s) => s.step === "haproxy.config")!.changes;
    expect(del.map((c) => [c.key, c.action])).toContainEqual(["/etc/haproxy/conf.d/pg-test-extra.cfg", "delete"]);
  });
});

describe("secrets in file diffs", () => {
  it.each([
    ["    user admin insecure-password 'Hap.Secret'", "Hap.Secret"],
    ["  password: Patroni.Secret", "Patroni.Secret"],
    ["repo1-cipher-pass=Cipher.Secret", "Cipher.Secret"],
    ["repo1-s3-key-secret=S3.Secret", "S3.Secret"],
    ['"dbuser_x" "SCRAM-SHA-256$4096:abc=$def=:ghi="', "SCRAM-SHA-256$4096"],
    ["authentication: { superuser: { username: postgres, password: Su.Secret } }", "Su.Secret"],
  ])("masks %s", async (line, secret) => {
    const { maskSecretsInText } = await import("../../../src/plan/compare.js");
    const out = maskSecretsInText(`a\n${line}\nb`);
    expect(out).not.toContain(secret);
    expect(out).toContain("(sensitive)");
  });

  it("a changed HAProxy admin password is not shown in a --base plan", () => {
    const before = read("conf/ha/pg-test.yml");
    const a = expansion(before), b = expansion(before.replace("HAProxy.Example.ChangeMe", "Brand.New.Secret"));
    const p = basePlan(a.exp, b.exp, meta(b.hosts), refineEffect);
    const text = renderPlanHuman(p, { color: false }) + JSON.stringify(p);
    expect(text).not.toContain("Brand.New.Secret");
    expect(text).not.toContain("HAProxy.Example.ChangeMe");
    expect(p.steps.find((s) => s.step === "haproxy.config")!.changes.length).toBe(3);
  });
});

describe("the JSON view", () => {
  it("writes exactly JSON.stringify(plan, null, 2), in pieces", async () => {
    const { writeJsonPlan } = await import("../../../src/render/plan-json.js");
    const { hosts, exp } = expansion(read("conf/full.yml"));
    const plan = offlinePlan(exp, meta(hosts));
    let out = "";
    writeJsonPlan(plan as unknown as Record<string, unknown>, (t) => (out += t));
    expect(out).toBe(JSON.stringify(plan, null, 2));
  });

  it("writes created changes from their runs exactly, also where the address splits a surrogate pair", async () => {
    const { writeJsonPlan } = await import("../../../src/render/plan-json.js");
    const { createdStep } = await import("../../../src/plan/created-change.js");
    const part = (tail: string, key: string) => ({ tail, step: "s", op: "file", key, service: undefined, action: "create" as const, effect: "reload" as const, summary: "root:root 0644, 1 lines", sensitive: false });
    const a = part("file[/a]", "/a"), pair = part("\ude00x]", "x"), lone = part("file[\udfff]", "\udfff");
    const runs = [
      { prefix: "h1/s/", host: "h1", parts: [a, a] },
      { prefix: "h\ud83d", host: "h\ud83d", parts: [pair, a] },
      { prefix: "h2/s/", host: "h2", parts: [lone, a] },
    ];
    const plan = { format_version: "1", steps: [createdStep("s", runs)] };
    let out = "";
    writeJsonPlan(plan, (t) => (out += t));
    expect(out).toBe(JSON.stringify(plan, null, 2));
    expect(out).toContain('"address": "h\ud83d\ude00x]"');
  });

  it("writes a base plan (diffs, field changes, deletes) exactly as JSON.stringify does", async () => {
    const { writeJsonPlan } = await import("../../../src/render/plan-json.js");
    const text = read("conf/ha/pg-test.yml");
    const a = expansion(text);
    const changed = text
      .replace("pg_cluster: pg-test\n", "pg_cluster: pg-test\n        pg_max_conn: 300\n")
      .replace("pg_hba_rules:\n", "pg_hba_rules:\n          - { user: all, db: all, addr: 10.99.0.0/16, auth: pwd, title: bench }\n")
      .replace("ChangeMe", "Changed");
    const b = expansion(changed);
    const plan = basePlan(a.exp, b.exp, meta(b.hosts), refineEffect);
    expect(plan.steps.some((s) => s.changes.some((c) => c.diff))).toBe(true);
    let out = "";
    writeJsonPlan(plan as unknown as Record<string, unknown>, (t) => (out += t));
    expect(out).toBe(JSON.stringify(plan, null, 2));
  });
});

describe("an offline plan's steps", () => {
  it("keep their changes as runs per host, which the human view and the summary read as the changes they stand for", () => {
    const { model, hosts, exp } = expansion(read("conf/ha/pg-test.yml"));
    const plan = offlinePlan(exp, meta(hosts));
    const steps = plan.steps.map((s) => ({ step: s.step, unchanged: s.unchanged, changes: [...s.changes] }));
    const plain = { ...plan, steps };
    expect(renderPlanHuman(plan, { color: false, label: label(model) })).toBe(renderPlanHuman(plain, { color: false, label: label(model) }));
    const all = steps.flatMap((s) => s.changes);
    expect(all.length).toBeGreaterThan(100);
    expect(plan.summary.create).toBe(all.filter((c) => c.action === "create").length);
    expect(plan.summary.delete + plan.summary.run).toBe(all.filter((c) => c.action === "delete" || c.action === "run").length);
    expect(plan.summary.reloads).toBe(all.filter((c) => c.effect === "reload").length);
    expect(plan.summary.restarts).toBe(all.filter((c) => c.effect === "restart").length);
    // written in pieces, the view is the same text, line for line
    const pieces: string[] = [];
    writePlanHuman(plan, { color: false, label: label(model) }, (t) => pieces.push(t), 100);
    expect(pieces.length).toBeGreaterThan(50);
    expect(pieces.every((p) => p.endsWith("\n"))).toBe(true);
    expect(pieces.join("")).toBe(`${renderPlanHuman(plan, { color: false, label: label(model) })}\n`);
    // changes come host by host, in inventory order, within each step
    const users = steps.find((s) => s.step === "pgsql.user")!.changes.map((c) => hosts.indexOf(c.host));
    expect(users).toEqual([...users].sort((a, b) => a - b));
  });
});

describe("shared tasks", () => {
  it("members of a cluster share their database objects' task specs, and changes say the same", () => {
    const { hosts, exp } = expansion(read("conf/ha/pg-test.yml"));
    const [one, two] = hosts.filter((h) => exp.tasksOf(h).has("pgsql.db"));
    const a = exp.tasksOf(one!).get("pgsql.db")!, b = exp.tasksOf(two!).get("pgsql.db")!;
    expect(b).toBe(a);
    expect(Object.isFrozen(a[0])).toBe(true);
    const plan = offlinePlan(exp, meta(hosts));
    const changes = plan.steps.find((s) => s.step === "pgsql.db")!.changes;
    const first = changes.find((c) => c.host === one)!, second = changes.find((c) => c.host === two && c.key === first.key)!;
    expect(second.summary).toBe(first.summary);
    expect(second.address).toBe(`${two}/pgsql.db/${first.op}[${first.key}]`);
  });
});

describe("shared role tasks", () => {
  const inventory = (portOfB: number) => `all:
  children:
    etcd: { hosts: { 10.0.0.1: { etcd_seq: 1 } }, vars: { etcd_cluster: etcd } }
    pg-a: { hosts: { 10.0.1.1: { pg_seq: 1, pg_role: primary } }, vars: { pg_cluster: pg-a } }
    pg-b: { hosts: { 10.0.2.1: { pg_seq: 1, pg_role: primary } }, vars: { pg_cluster: pg-b, pg_port: ${portOfB} } }
`;
  const roleTasksOf = (text: string) => {
    const { exp } = expansion(text);
    const [a, b] = ["10.0.1.1", "10.0.2.1"].map((h) => new Map(exp.tasksOf(h).get("pgsql.user")!.map((t) => [t.key, t])));
    return { a: a!, b: b! };
  };

  it("clusters with the same target share the task of a role without a password; a role with one stays the cluster's", () => {
    const { a, b } = roleTasksOf(inventory(5432));
    expect(b.get("dbrole_readonly")).toBe(a.get("dbrole_readonly"));
    expect(Object.isFrozen(a.get("dbrole_readonly")!.args.target)).toBe(true);
    expect(b.get("replicator")).not.toBe(a.get("replicator"));
    expect(b.get("replicator")!.args.password).not.toBe(a.get("replicator")!.args.password);
  });

  it("a cluster with another target gets its own task, naming its own port", () => {
    const { a, b } = roleTasksOf(inventory(5433));
    expect(b.get("dbrole_readonly")).not.toBe(a.get("dbrole_readonly"));
    expect((b.get("dbrole_readonly")!.args.target as { port: number }).port).toBe(5433);
    expect((a.get("dbrole_readonly")!.args.target as { port: number }).port).toBe(5432);
  });
});

// The commands end to end, in process: argv → output and exit code.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli as run } from "../../run-cli.js";
import { PG_TEST } from "../helpers.js";


const dir = mkdtempSync(join(tmpdir(), "pgsty-cli-"));
const file = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};
const good = file("good.yml", PG_TEST.replace("admin_ip: 10.10.10.10", "admin_ip: 10.10.10.10\n    pg_admin_password: S3cret.Admin\n    pg_users: [{ name: dbuser_app, password: App.Secret.Pw }]"));
const bad = file("bad.yml", PG_TEST.replace("pg_seq: 2", "pg_seq: -2").replace("pg_cluster: pg-test", "pg_cluster: pg-test\n        pg_port: 99999"));

describe("pgsty validate", () => {
  it("exits 0 on a valid inventory", async () => {
    const r = await run("validate", "-i", good);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("valid (3 hosts, 1 cluster;");
  });

  it("exits 1 and prints FILE:LINE:COL: error: … with a hint", async () => {
    const r = await run("validate", "-i", bad);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^${bad.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:8:\\d+: error: \`pg_seq\``, "m"));
    expect(r.stderr).toMatch(/:12:18: error: `pg_port`/);
    expect(r.stderr).toContain("hint:");
    expect(r.stderr).toContain("invalid");
  });

  it("--json gives machine-readable diagnostics with positions", async () => {
    const r = await run("validate", "-i", bad, "--json");
    expect(r.code).toBe(1);
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({ format_version: "1", valid: false, hosts: 3, clusters: 1 });
    expect(j.diagnostics.filter((d: { severity: string }) => d.severity === "error").map((d: { source: { line: number } }) => d.source.line)).toEqual([8, 12]);
  });

  it.each([
    ["a missing file", () => join(dir, "nope.yml"), "does not exist"],
    ["a directory", () => dir, "is a directory"],
    ["binary garbage", () => file("bin.yml", "\u0000\u0001\u0002garbage"), "not a text file"],
    ["an empty file", () => file("empty.yml", ""), "is empty"],
    ["malformed YAML", () => file("broken.yml", "all:\n  vars: { a: 1\n"), "error:"],
  ])("reports %s without a stack trace", async (_n, path, text) => {
    const r = await run("validate", "-i", path());
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(text);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it("-e overrides and is validated too", async () => {
    expect((await run("validate", "-i", good, "-e", "pg_port=70000")).code).toBe(1);
    expect((await run("validate", "-i", good, "-e", "pg_port=5433")).code).toBe(0);
  });
});

describe("pgsty inventory", () => {
  it("--list has the shape of ansible-inventory --list and masks secrets", async () => {
    const r = await run("inventory", "--list", "-i", good);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.all).toEqual({ children: ["pg-test"] });
    expect(j["pg-test"]).toEqual({ hosts: ["10.10.10.11", "10.10.10.12", "10.10.10.13"] });
    expect(j._meta.hostvars["10.10.10.12"]).toMatchObject({ pg_cluster: "pg-test", pg_seq: 2, pg_role: "replica" });
    expect(j._meta.hostvars["10.10.10.12"].pg_version).toBeUndefined();
    expect(r.stdout).not.toContain("S3cret.Admin");
    expect(r.stdout).not.toContain("App.Secret.Pw");
    expect(j._meta.hostvars["10.10.10.11"].pg_admin_password).toBe("(sensitive)");
    expect(j._meta.hostvars["10.10.10.11"].pg_users[0]).toEqual({ name: "dbuser_app", password: "(sensitive)" });
  });

  it("--list -l limits the hosts; --defaults adds every parameter", async () => {
    const r = JSON.parse((await run("inventory", "--list", "-i", good, "-l", "10.10.10.13", "--defaults")).stdout);
    expect(Object.keys(r._meta.hostvars)).toEqual(["10.10.10.13"]);
    expect(r._meta.hostvars["10.10.10.13"].pg_version).toBe(18);
    expect(r._meta.hostvars["10.10.10.13"].pg_replication_password).toBe("(sensitive)");
  });

  it("--list writes in pieces exactly what JSON.stringify writes of the whole, odd names included", async () => {
    // 40 clusters with --defaults: over 1 MiB, so the output is written in more than one piece
    const hosts = Array.from({ length: 120 }, (_, i) => `        10.30.${i >> 8}.${i & 255}: { pg_seq: ${i % 3 + 1}, pg_role: ${i % 3 ? "replica" : "primary"} }`);
    const groups = Array.from({ length: 40 }, (_, c) => `    pg-c${c}:\n      hosts:\n${hosts.slice(c * 3, c * 3 + 3).join("\n")}\n      vars: { pg_cluster: pg-c${c} }`);
    const big = file("big.yml", `all:\n  hosts:\n    "7": { x_password: s3cret }\n  children:\n    "2":\n      hosts:\n        "3": {}\n${groups.join("\n")}\n`);
    for (const args of [["--defaults"], []]) {
      const r = await run("inventory", "--list", "-i", big, ...args);
      expect(r.code).toBe(0);
      expect(r.stdout).toBe(`${JSON.stringify(JSON.parse(r.stdout), null, 2)}\n`);
      if (args.length) expect(r.stdout.length).toBeGreaterThan(1 << 20);
    }
    const empty = await run("inventory", "--list", "-i", big, "-l", "nosuch*");
    expect(JSON.parse(empty.stdout)._meta).toEqual({ hostvars: {} });
    expect(empty.stdout).toBe(`${JSON.stringify(JSON.parse(empty.stdout), null, 2)}\n`);
  });

  it("--host prints one host", async () => {
    const r = await run("inventory", "--host", "10.10.10.11", "-i", good);
    expect(JSON.parse(r.stdout)).toMatchObject({ pg_seq: 1, pg_role: "primary" });
    expect((await run("inventory", "--host", "10.9.9.9", "-i", good)).code).toBe(1);
  });

  it("--explain names the winning layer and every layer it overrode", async () => {
    const r = await run("inventory", "--explain", "10.10.10.11", "pg_port", "-i", good, "-e", "pg_port=6000");
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split("\n");
    expect(lines[0]).toBe("pg_port on 10.10.10.11 = 6000");
    expect(lines[1]).toMatch(/^ {2}default +\(documented default\) +5432$/);
    expect(lines[2]).toMatch(/^ {2}-e +<-e #1>:1:1 +6000 +← wins$/);
  });

  it("--explain masks secrets", async () => {
    const r = await run("inventory", "--explain", "10.10.10.11", "pg_admin_password", "-i", good);
    expect(r.stdout).not.toContain("S3cret.Admin");
    expect(r.stdout).toContain("(sensitive)");
  });
});

describe("pgsty schema", () => {
  it("prints a JSON Schema for editors", async () => {
    const r = await run("schema");
    const j = JSON.parse(r.stdout);
    expect(j.$schema).toContain("json-schema.org");
    expect(JSON.stringify(j)).toContain("pg_users");
  });
});

describe("pgsty plan / render", () => {
  const conf = join(import.meta.dirname, "..", "..", "..", "conf", "ha", "pg-test.yml");

  it("plan --offline --detailed-exitcode exits 2 with changes; --base of itself exits 0", async () => {
    expect((await run("plan", "--offline", "-i", conf, "--detailed-exitcode")).code).toBe(2);
    const same = await run("plan", "--base", conf, "-i", conf, "--detailed-exitcode");
    expect(same.code).toBe(0);
    expect(same.stdout).toContain("No changes.");
  });

  it("plan --json is versioned JSON with a summary; -l and -t narrow it", async () => {
    const r = await run("plan", "--offline", "--json", "-i", conf, "-l", "10.10.10.12", "-t", "pg_hba");
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({ format_version: "1", mode: "offline", hosts: ["10.10.10.12"], tags: ["pg_hba"] });
    expect(j.steps.map((s: { step: string }) => s.step)).toEqual(["pgsql.hba"]);
    expect(j.summary.create).toBe(1);
  });

  it("an unknown tag is an error naming the known ones", async () => {
    const r = await run("plan", "--offline", "-i", conf, "-t", "pg_hbaa");
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("unknown tag `pg_hbaa`");
  });

  it("render writes each host's files and objects, secrets masked unless --with-secrets", async () => {
    const out = join(dir, "render");
    const r = await run("render", "-i", conf, "-l", "10.10.10.11", "--out", out);
    expect(r.code).toBe(0);
    const { readFileSync, statSync } = await import("node:fs");
    const hba = readFileSync(join(out, "10.10.10.11/pg/data/pg_hba.conf"), "utf8");
    expect(hba).toContain("pg_hba.conf");
    const patroni = join(out, "10.10.10.11/etc/patroni/patroni.yml");
    expect(statSync(patroni).mode & 0o777).toBe(0o600);
    expect(readFileSync(patroni, "utf8")).not.toContain("Replicator.Example.ChangeMe");
    expect(readFileSync(join(out, "10.10.10.11/etc/pgbouncer/userlist.txt"), "utf8")).not.toContain("SCRAM-SHA-256$");
    const objects = JSON.parse(readFileSync(join(out, "10.10.10.11/objects.json"), "utf8"));
    expect(objects["pg.role"].find((x: { name: string }) => x.name === "test").password).toBe("(sensitive)");
    // where the objects live is said once, not in each of them
    expect(objects.target).toMatchObject({ port: 5432, dbsu: "postgres" });
    const entries = Object.entries(objects).filter(([k]) => k.startsWith("pg.")).flatMap(([, v]) => v as object[]);
    expect(entries.length).toBeGreaterThan(10);
    expect(entries.filter((e) => "target" in e)).toEqual([]);
    const full = join(dir, "render-full");
    await run("render", "-i", conf, "-l", "10.10.10.11", "--out", full, "--with-secrets");
    expect(readFileSync(join(full, "10.10.10.11/etc/patroni/patroni.yml"), "utf8")).toContain("Replicator.Example.ChangeMe");
    expect(readFileSync(join(full, "10.10.10.11/etc/pgbouncer/userlist.txt"), "utf8")).toMatch(/"test" "SCRAM-SHA-256\$4096:/);
  });

  it("render into a place it cannot write is a clear error, not a crash", async () => {
    const { writeFileSync } = await import("node:fs");
    const file = join(dir, "not-a-directory");
    writeFileSync(file, "x");
    const r = await run("render", "-i", conf, "-l", "10.10.10.11", "--out", file);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("cannot write the rendered files");
    expect(r.stderr).not.toContain("internal error");
  });

  it("render stops at the first file it cannot write, with the reason (written by its writer thread)", async () => {
    const { mkdirSync, writeFileSync } = await import("node:fs");
    const out = join(dir, "render-blocked");
    // the first host's folder is taken by a file: its files cannot be written, nor, after it, the others'
    mkdirSync(out);
    writeFileSync(join(out, "10.10.10.11"), "x");
    const r = await run("render", "-i", conf, "-l", "10.10.10.11,10.10.10.12,10.10.10.13", "--out", out);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/cannot write the rendered files: ENOTDIR: not a directory, mkdir '.*10\.10\.10\.11\//);
    expect(r.stderr).not.toContain("internal error");
  });
});

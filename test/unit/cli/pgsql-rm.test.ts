// `--playbook pgsql-rm` through the CLI: the refusals come before any host is read (no
// connection is attempted: the inventory's addresses are never contacted), and the offline plan
// lists what goes as deletions.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli as run } from "../../run-cli.js";
import { PG_TEST } from "../helpers.js";


const inv = join(mkdtempSync(join(tmpdir(), "pgsty-rm-")), "inv.yml");
writeFileSync(inv, PG_TEST);

describe("pgsty --playbook pgsql-rm", () => {
  it("apply refuses pg_safeguard before reading any host, saying how to override", async () => {
    const r = await run("apply", "--playbook", "pgsql-rm", "-i", inv, "-l", "10.10.10.13", "-e", "pg_safeguard=true", "--yes");
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("error: pg_safeguard is true for pg-test-3 (10.10.10.13) of pg-test: refusing to remove it");
    expect(r.stderr).toContain("-e pg_safeguard=false");
    expect(r.stdout).toBe("");
  });

  it("apply refuses the primary while replicas stay", async () => {
    const r = await run("apply", "--playbook", "pgsql-rm", "-i", inv, "-l", "10.10.10.11", "--yes", "-t", "pg_data");
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("error: refusing to remove pg-test-1 (10.10.10.11), the primary of pg-test, while pg-test-2 (10.10.10.12), pg-test-3 (10.10.10.13) stay");
  });

  it("plan --offline refuses the same way, and lists what goes as deletions", async () => {
    expect((await run("plan", "--offline", "--playbook", "pgsql-rm", "-i", inv, "-l", "10.10.10.11")).code).toBe(1);
    const r = await run("plan", "--offline", "--json", "--playbook", "pgsql-rm", "-i", inv, "-l", "pg-test");
    expect(r.code).toBe(0);
    const plan = JSON.parse(r.stdout) as { steps: { step: string; changes: { action: string; op: string; host: string }[] }[] };
    expect(plan.steps.map((s) => s.step)).toEqual(["remove.haproxy", "remove.pgbouncer", "remove.cron", "remove.patroni", "remove.dcs", "remove.backup", "remove.data", "remove.pkg"]);
    const actions = new Set(plan.steps.flatMap((s) => s.changes.filter((c) => c.op !== "command").map((c) => c.action)));
    expect([...actions]).toEqual(["delete"]);
    // no etcd group in this inventory: no etcd keys to delete (steps-pgsql-rm tests the primary's task)
    expect(plan.steps.find((s) => s.step === "remove.dcs")!.changes).toEqual([]);
    expect(plan.steps.find((s) => s.step === "remove.backup")!.changes.filter((c) => c.op === "command").map((c) => c.host)).toEqual(["10.10.10.11"]);
  });
});

import { describe, expect, it } from "vitest";
import { sha256Hex } from "../../../src/ops/args.js";
import { hasBackup, markerContent, markerPath, pgbackrestStanzaOp } from "../../../src/ops/pgbackrest-stanza.js";
import { applyContext, factSet, FakeConnector, fileFact, task } from "./fake.js";

const M = markerPath("pg-test");
const stTask = (args: Record<string, unknown> = {}) => task("pgbackrest.stanza", "pg-test", { stanza: "pg-test", initialBackup: true, ...args });
const facts = (content?: string, failed: Record<string, string> = {}) => factSet({ file: content === undefined ? {} : { [M]: fileFact(sha256Hex(content)) } }, failed);
const diffOf = (t: ReturnType<typeof stTask>, f: ReturnType<typeof facts>) => pgbackrestStanzaOp.diff(t, pgbackrestStanzaOp.observe(t, f));
const INFO_EMPTY = JSON.stringify([{ name: "pg-test", backup: [], status: { code: 2 } }]);
const INFO_FULL = JSON.stringify([{ name: "pg-test", backup: [{ label: "20250101-000000F", type: "full" }] }]);

describe("pgbackrest.stanza: diff", () => {
  it("observes its marker file", () => {
    expect(M).toBe("/etc/pgbackrest/pgsty-pg-test.done");
    expect(pgbackrestStanzaOp.needs(stTask())).toEqual([{ fact: "file", key: M }]);
  });
  it("no marker → create", () => {
    expect(diffOf(stTask(), facts())).toEqual({
      action: "create", effect: "none", reason: "stanza not initialized by pgsty",
      fields: [{ field: "stanza", after: "pg-test" }, { field: "initial backup", after: "full" }],
    });
    expect(diffOf(stTask({ initialBackup: false }), facts()).fields).toEqual([{ field: "stanza", after: "pg-test" }]);
  });
  it("marker with backup → noop, with or without initialBackup", () => {
    expect(diffOf(stTask(), facts(markerContent("pg-test", true))).action).toBe("noop");
    expect(diffOf(stTask({ initialBackup: false }), facts(markerContent("pg-test", true))).action).toBe("noop");
  });
  it("marker without backup → noop unless a backup is now wanted", () => {
    expect(diffOf(stTask({ initialBackup: false }), facts(markerContent("pg-test", false))).action).toBe("noop");
    expect(diffOf(stTask(), facts(markerContent("pg-test", false)))).toEqual({ action: "update", effect: "none", reason: "no initial backup taken yet", fields: [{ field: "initial backup", after: "full" }] });
  });
  it("a marker it does not recognise → update (stanza-create again)", () => {
    expect(diffOf(stTask(), facts("something else\n"))).toMatchObject({ action: "update", reason: `${M} not recognised: stanza-create runs again` });
  });
  it("unobservable → unknown", () => expect(diffOf(stTask(), facts(undefined, { file: "boom" })).action).toBe("unknown"));
  it("rejects a stanza name with a slash", () => expect(() => pgbackrestStanzaOp.needs(stTask({ stanza: "../x" }))).toThrow(/not a stanza name/));
});

describe("pgbackrest.stanza: apply", () => {
  it("stanza-create, info, full backup (none yet), marker — as the dbsu", async () => {
    const c = new FakeConnector((cmd) => (cmd.display.includes(" info") ? { stdout: INFO_EMPTY } : {}));
    await pgbackrestStanzaOp.apply(applyContext(c, facts()), stTask({ dbsu: "pgdbsu" }), { action: "create", effect: "none" });
    expect(c.log).toEqual([
      "[pgdbsu] pgbackrest --stanza=pg-test stanza-create",
      "[pgdbsu] pgbackrest --stanza=pg-test --output=json info",
      "[pgdbsu] pgbackrest --stanza=pg-test --type=full backup",
      `put ${M}`,
    ]);
    expect(c.puts[0]).toEqual({ path: M, content: markerContent("pg-test", true), options: { mode: "0644", owner: "root", group: "root" } });
  });
  it("a backup already there (a failed-over primary): no second full backup", async () => {
    const c = new FakeConnector((cmd) => (cmd.display.includes(" info") ? { stdout: INFO_FULL } : {}));
    await pgbackrestStanzaOp.apply(applyContext(c, facts()), stTask(), { action: "create", effect: "none" });
    expect(c.log).toEqual(["[postgres] pgbackrest --stanza=pg-test stanza-create", "[postgres] pgbackrest --stanza=pg-test --output=json info", `put ${M}`]);
  });
  it("without initialBackup: stanza-create and the marker", async () => {
    const c = new FakeConnector();
    await pgbackrestStanzaOp.apply(applyContext(c, facts()), stTask({ initialBackup: false }), { action: "create", effect: "none" });
    expect(c.log).toEqual(["[postgres] pgbackrest --stanza=pg-test stanza-create", `put ${M}`]);
    expect(c.puts[0]?.content).toBe(markerContent("pg-test", false));
  });
  it("a failed stanza-create: no marker", async () => {
    const c = new FakeConnector(() => ({ code: 56, stderr: "ERROR: [056]: unable to find primary cluster\n" }));
    await expect(pgbackrestStanzaOp.apply(applyContext(c, facts()), stTask(), { action: "create", effect: "none" })).rejects.toThrow(/exited 56: ERROR: \[056\]/);
    expect(c.puts).toEqual([]);
  });
  it("converged by now: nothing", async () => {
    const c = new FakeConnector();
    await pgbackrestStanzaOp.apply(applyContext(c, facts(markerContent("pg-test", true))), stTask(), { action: "create", effect: "none" });
    expect(c.log).toEqual([]);
  });
  it("hasBackup reads pgbackrest's JSON", () => {
    expect(hasBackup(INFO_FULL, "pg-test")).toBe(true);
    expect(hasBackup(INFO_EMPTY, "pg-test")).toBe(false);
    expect(hasBackup(INFO_FULL, "other")).toBe(false);
    expect(hasBackup("not json", "pg-test")).toBe(false);
  });
});

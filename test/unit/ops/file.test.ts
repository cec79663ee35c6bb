import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { Command } from "../../../src/exec/command.js";
import type { ExecOptions } from "../../../src/exec/connector.js";
import { LocalConnector } from "../../../src/exec/local.js";
import { deferredSecret } from "../../../src/modules/deferred-secret.js";
import { sha256Hex } from "../../../src/ops/args.js";
import { fileOp, hasFollowUp, maskOutput, restorePreviousFile, wantedHash } from "../../../src/ops/file.js";
import { unobservable } from "../../../src/ops/op.js";
import { applyContext, factSet, FakeConnector, fileFact, task } from "./fake.js";

const PATH = "/etc/demo/demo.conf";
const OLD = "a = 1\nb = 2\nc = 3\n";
const NEW = "a = 1\nb = 20\nc = 3\n";

const fileTask = (args: Record<string, unknown> = {}, extra = {}) =>
  task("file", PATH, { path: PATH, content: NEW, owner: "root", group: "root", mode: "0644", sensitive: false, ...args }, { effect: "reload", service: "demo", ...extra });

const observe = (t = fileTask(), values: Record<string, Record<string, unknown>> = {}, failed: Record<string, string> = {}) => fileOp.observe(t, factSet(values, failed));

describe("file: needs and the second round trip", () => {
  it("needs the file fact only", () => {
    expect(fileOp.needs(fileTask())).toEqual([{ fact: "file", key: PATH }]);
    expect(hasFollowUp(fileOp)).toBe(true);
  });

  it("asks for the content only when the hash differs and it was not read yet", () => {
    const t = fileTask();
    expect(fileOp.moreNeeds(t, factSet({}))).toEqual([]);
    expect(fileOp.moreNeeds(t, factSet({ file: { [PATH]: fileFact(sha256Hex(NEW)) } }))).toEqual([]);
    expect(fileOp.moreNeeds(t, factSet({ file: { [PATH]: fileFact(sha256Hex(OLD)) } }))).toEqual([{ fact: "file.content", key: PATH }]);
    const read = factSet({ file: { [PATH]: fileFact(sha256Hex(OLD)) }, "file.content": { [PATH]: { bytes: Buffer.from(OLD), text: OLD, truncated: false } } });
    expect(fileOp.moreNeeds(t, read)).toEqual([]);
    expect(fileOp.moreNeeds(t, factSet({ file: { [PATH]: { type: "dir", mode: "0755", owner: "root", group: "root", size: 0 } } }))).toEqual([]);
  });
});

describe("file: diff", () => {
  it("absent → create with the task's effect", () => {
    const d = fileOp.diff(fileTask(), observe());
    expect(d).toMatchObject({ action: "create", effect: "reload", reason: "absent on the host" });
    expect(d.fields).toEqual([{ field: "owner", after: "root" }, { field: "group", after: "root" }, { field: "mode", after: "0644" }]);
  });

  it("equal → noop", () => {
    expect(fileOp.diff(fileTask(), observe(fileTask(), { file: { [PATH]: fileFact(sha256Hex(NEW)) } }))).toEqual({ action: "noop", effect: "none" });
  });

  it("mode given without a leading zero compares equal", () => {
    const t = fileTask({ mode: "644" });
    expect(fileOp.diff(t, observe(t, { file: { [PATH]: fileFact(sha256Hex(NEW)) } })).action).toBe("noop");
  });

  it("content differs, content not read → update with both hashes, no diff", () => {
    const d = fileOp.diff(fileTask(), observe(fileTask(), { file: { [PATH]: fileFact(sha256Hex(OLD)) } }));
    expect(d.action).toBe("update");
    expect(d.effect).toBe("reload");
    expect(d.reason).toBe(`content differs (sha256 ${sha256Hex(OLD).slice(0, 12)} → ${sha256Hex(NEW).slice(0, 12)})`);
    expect(d.diff).toBeUndefined();
    expect(d.fields).toEqual([{ field: "content" }]);
  });

  it("content differs, content read → unified diff", () => {
    const d = fileOp.diff(fileTask(), observe(fileTask(), { file: { [PATH]: fileFact(sha256Hex(OLD)) }, "file.content": { [PATH]: { bytes: Buffer.from(OLD), text: OLD, truncated: false } } }));
    expect(d).toMatchObject({ action: "update", effect: "reload", reason: "content differs" });
    expect(d.diff).toBe("@@ -1,3 +1,3 @@\n a = 1\n-b = 2\n+b = 20\n c = 3");
  });

  it("binary or truncated content on the host: no diff, says why", () => {
    const bin = observe(fileTask(), { file: { [PATH]: fileFact(sha256Hex(OLD)) }, "file.content": { [PATH]: { bytes: Buffer.from([0xff]), truncated: false } } });
    expect(fileOp.diff(fileTask(), bin).reason).toMatch(/on the host: not UTF-8 text\)$/);
    const big = observe(fileTask(), { file: { [PATH]: fileFact(sha256Hex(OLD)) }, "file.content": { [PATH]: { bytes: Buffer.from(OLD), text: OLD, truncated: true } } });
    expect(fileOp.diff(fileTask(), big).reason).toMatch(/larger than the diff limit/);
  });

  it("sensitive: the diff masks secrets on both sides", () => {
    const t = fileTask({ content: "user = admin\npassword = new-Secret-1\nport = 6432\n", sensitive: true });
    const before = "user = admin\npassword = old-Secret-0\nport = 5432\n";
    const d = fileOp.diff(t, observe(t, { file: { [PATH]: fileFact(sha256Hex(before)) }, "file.content": { [PATH]: { bytes: Buffer.from(before), text: before, truncated: false } } }));
    expect(d.action).toBe("update");
    expect(d.reason).toBe("content differs (secrets masked)");
    expect(d.diff).toContain("-port = 5432");
    expect(d.diff).toContain("+port = 6432");
    expect(JSON.stringify(d)).not.toMatch(/Secret-/);
  });

  it("sensitive: only a secret changed → no diff, content differs (sensitive)", () => {
    const t = fileTask({ content: "password = new-Secret-1\n", sensitive: true });
    const before = "password = old-Secret-0\n";
    const d = fileOp.diff(t, observe(t, { file: { [PATH]: fileFact(sha256Hex(before)) }, "file.content": { [PATH]: { bytes: Buffer.from(before), text: before, truncated: false } } }));
    expect(d).toMatchObject({ action: "update", reason: "content differs (sensitive)" });
    expect(d.diff).toBeUndefined();
    expect(JSON.stringify(d)).not.toMatch(/Secret-/);
  });

  it("owner and mode differ, content equal → update of fields, no effect", () => {
    const d = fileOp.diff(fileTask({ owner: "postgres", mode: "0640" }), observe(fileTask(), { file: { [PATH]: fileFact(sha256Hex(NEW)) } }));
    expect(d).toEqual({
      action: "update", effect: "none", reason: "owner or mode differs",
      fields: [{ field: "owner", before: "root", after: "postgres" }, { field: "mode", before: "0644", after: "0640" }],
    });
  });

  it("content and group differ → both", () => {
    const d = fileOp.diff(fileTask({ group: "postgres" }), observe(fileTask(), { file: { [PATH]: fileFact(sha256Hex(OLD)) } }));
    expect(d.fields).toEqual([{ field: "content" }, { field: "group", before: "root", after: "postgres" }]);
  });

  it.each([
    [{ type: "dir", mode: "0755", owner: "root", group: "root", size: 0 }, "is a directory"],
    [{ type: "link", mode: "0777", owner: "root", group: "root", size: 9, linkTarget: "/elsewhere" }, "is a symbolic link (→ /elsewhere)"],
    [{ type: "other", mode: "0600", owner: "root", group: "root", size: 0 }, "is a special file"],
  ])("wrong type → unknown naming it (%j)", (f, what) => {
    const d = fileOp.diff(fileTask(), observe(fileTask(), { file: { [PATH]: f } }));
    expect(d.action).toBe("unknown");
    expect(d.reason).toBe(`${PATH} ${what}, not a regular file: pgsty does not replace it (move it away first)`);
  });

  it("unobservable → unknown with the fact's reason", () => {
    const o = observe(fileTask(), {}, { file: "exited 2: find: boom" });
    expect(o).toEqual(unobservable("file fact unavailable: exited 2: find: boom"));
    expect(fileOp.diff(fileTask(), o)).toEqual({ action: "unknown", effect: "none", reason: "file fact unavailable: exited 2: find: boom" });
  });

  it("deferred secrets: compared by the materialized content, never shown", () => {
    const token = deferredSecret(["ops-test", "pw"], () => "Materialized-Secret-42");
    const content = `user = x\npassword = ${token}\n`;
    const t = fileTask({ content, sensitive: true });
    const onHost = "user = x\npassword = Materialized-Secret-42\n";
    expect(wantedHash(content)).toBe(sha256Hex(onHost));
    expect(fileOp.diff(t, observe(t, { file: { [PATH]: fileFact(sha256Hex(onHost)) } })).action).toBe("noop");
    const before = "user = y\npassword = Materialized-Secret-42\n";
    const d = fileOp.diff(t, observe(t, { file: { [PATH]: fileFact(sha256Hex(before)) }, "file.content": { [PATH]: { bytes: Buffer.from(before), text: before, truncated: false } } }));
    expect(d.diff).toContain("+user = x");
    expect(JSON.stringify(d)).not.toContain("Materialized-Secret-42");
    expect(JSON.stringify(d)).not.toContain("⟦secret");
  });

  it("rejects malformed args", () => {
    expect(() => fileOp.diff(fileTask({ path: "relative" }), null)).toThrow(/normalized absolute path/);
    expect(() => fileOp.diff(fileTask({ mode: "rw-r--r--" }), null)).toThrow(/octal mode/);
    expect(() => fileOp.diff(fileTask({ content: 3 }), null)).toThrow(/content/);
    expect(() => fileOp.diff(fileTask({ owner: "a b" }), null)).toThrow(/user or group name/);
  });
});

describe("file: apply against a fake connector", () => {
  const create = { action: "create", effect: "reload" } as const;

  it("noop does nothing; unknown is refused without a command", async () => {
    const c = new FakeConnector();
    await fileOp.apply(applyContext(c), fileTask(), { action: "noop", effect: "none" });
    await expect(fileOp.apply(applyContext(c), fileTask(), { action: "unknown", effect: "none", reason: `${PATH} is a directory` })).rejects.toThrow(`file[${PATH}]: not applied: ${PATH} is a directory`);
    expect(c.log).toEqual([]);
  });

  it("without validate: one atomic put with owner and mode", async () => {
    const c = new FakeConnector();
    await fileOp.apply(applyContext(c), fileTask({ owner: "postgres", group: "postgres", mode: "0640" }), create);
    expect(c.log).toEqual([`put ${PATH}`]);
    expect(c.puts).toEqual([{ path: PATH, content: NEW, options: { mode: "0640", owner: "postgres", group: "postgres" } }]);
  });

  it("materializes deferred secrets only in what is written", async () => {
    const token = deferredSecret(["ops-test", "pw2"], () => "Written-Secret-7");
    const c = new FakeConnector();
    await fileOp.apply(applyContext(c), fileTask({ content: `password = ${token}\n`, sensitive: true }), create);
    expect(c.puts[0]?.content).toBe("password = Written-Secret-7\n");
  });

  it("owner/mode only: chown + chmod, no rewrite", async () => {
    const c = new FakeConnector();
    await fileOp.apply(applyContext(c), fileTask({ owner: "postgres", mode: "0600" }), { action: "update", effect: "none", fields: [{ field: "owner" }, { field: "mode" }] });
    expect(c.log).toEqual([`chown -h -- postgres:root ${PATH} && chmod -- 0600 ${PATH}`]);
    expect(c.puts).toEqual([]);
  });

  it("with validate: one command, content on stdin, display names the validator and masks nothing but shows no content", async () => {
    const c = new FakeConnector();
    const t = fileTask({ validate: "demo-check -f {path}", content: "password = Top-Secret-9\n", sensitive: true, mode: "0600" });
    await fileOp.apply(applyContext(c), t, create);
    expect(c.log).toEqual([`write ${PATH} (24 bytes, mode=0600 owner=root:root) if \`demo-check -f {path}\` accepts it`]);
    expect(c.commands[0]?.stdin).toBe("password = Top-Secret-9\n");
    expect(c.commands[0]?.text).toContain(`demo-check -f "$tmp"`);
    expect(c.commands[0]?.text).toContain("keep_prev=0");
    expect(c.commands.every((x) => !x.display.includes("Top-Secret-9") && !x.text.includes("Top-Secret-9"))).toBe(true);
  });

  it("validation failure: throws with the validator's output masked, nothing else runs", async () => {
    const secret = "Top-Secret-9";
    const c = new FakeConnector(() => ({ code: 4, stderr: `line 1: unknown keyword near 'password = ${secret}'\nalso: ${secret}\npgsty: validation exited 1: ${PATH} not changed\n` }));
    const t = fileTask({ validate: "demo-check -f {path}", content: `password = ${secret}\n`, sensitive: true });
    const err = await fileOp.apply(applyContext(c), t, create).then(() => undefined, (e: unknown) => e as Error);
    expect(err?.message).toMatch(/failed validation \(`demo-check -f \{path\}`\); the file was not changed/);
    expect(err?.message).toContain("(sensitive)");
    expect(err?.message).not.toContain(secret);
    expect(c.commands).toHaveLength(1);
    expect(c.puts).toEqual([]);
  });

  it("a validate without {path} is a bug", async () => {
    await expect(fileOp.apply(applyContext(new FakeConnector()), fileTask({ validate: "true" }), create)).rejects.toThrow(/must contain \{path\}/);
  });

  it("maskOutput hides values of secret lines and verifiers", () => {
    const content = "    user admin insecure-password 'p@ss-Word-1'\n";
    expect(maskOutput("parse error near 'p@ss-Word-1' and p@ss-Word-1", content)).toBe("parse error near (sensitive) and (sensitive)");
    expect(maskOutput("x SCRAM-SHA-256$4096:abc$def:ghi y", "")).toBe("x (sensitive) y");
  });
});

// The write-validate-activate script, run for real with bash in a temporary directory (the
// connector records displays like the fake one): rollback and clean-up are behaviour, not text.
describe("file: the validated write, run locally", () => {
  const dir = mkdtempSync(join(tmpdir(), "pgsty-file-op-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const me = userInfo().username;
  const myGroup = execFileSync("id", ["-gn"], { encoding: "utf8" }).trim();

  class Recording extends LocalConnector {
    readonly log: string[] = [];
    override exec(cmd: Command, o?: ExecOptions) {
      this.log.push(cmd.display);
      return super.exec(cmd, o);
    }
  }
  const local = (path: string, args: Record<string, unknown>) =>
    task("file", path, { path, owner: me, group: myGroup, mode: "0640", sensitive: false, validate: "grep -q '^valid' {path}", ...args });
  const leftovers = () => readdirSync(dir).filter((n) => n.includes(".pgsty."));

  it("valid: replaced, owner/mode set, previous content kept as .pgsty-prev (not sensitive)", async () => {
    const path = join(dir, "a.conf");
    writeFileSync(path, "valid old\n", { mode: 0o644 });
    const c = new Recording();
    await fileOp.apply(applyContext(c), local(path, { content: "valid new\n" }), { action: "update", effect: "none", fields: [{ field: "content" }] });
    expect(readFileSync(path, "utf8")).toBe("valid new\n");
    expect((statSync(path).mode & 0o7777).toString(8)).toBe("640");
    expect(readFileSync(`${path}.pgsty-prev`, "utf8")).toBe("valid old\n");
    expect(leftovers()).toEqual([]);
    expect(await restorePreviousFile(c, path)).toBe(true);
    expect(readFileSync(path, "utf8")).toBe("valid old\n");
    expect(await restorePreviousFile(c, path)).toBe(false);
  });

  it("invalid: old file untouched, no temp file left, error carries masked output", async () => {
    const path = join(dir, "b.conf");
    writeFileSync(path, "valid old\n");
    const c = new Recording();
    const t = local(path, { content: "password = Local-Secret-5\n", sensitive: true, validate: "cat {path} >&2; false" });
    const err = await fileOp.apply(applyContext(c), t, { action: "update", effect: "none", fields: [{ field: "content" }] }).then(() => undefined, (e: unknown) => e as Error);
    expect(err?.message).toMatch(/failed validation/);
    expect(err?.message).toContain("password = (sensitive)");
    expect(err?.message).not.toContain("Local-Secret-5");
    expect(readFileSync(path, "utf8")).toBe("valid old\n");
    expect(existsSync(`${path}.pgsty-prev`)).toBe(false);
    expect(leftovers()).toEqual([]);
    expect(c.log.join("\n")).not.toContain("Local-Secret-5");
  });

  it("sensitive and valid: no .pgsty-prev copy of the old secret", async () => {
    const path = join(dir, "c.conf");
    writeFileSync(path, "valid password = old\n");
    await fileOp.apply(applyContext(new Recording()), local(path, { content: "valid password = new\n", sensitive: true }), { action: "update", effect: "none", fields: [{ field: "content" }] });
    expect(readFileSync(path, "utf8")).toBe("valid password = new\n");
    expect(existsSync(`${path}.pgsty-prev`)).toBe(false);
    expect(leftovers()).toEqual([]);
  });

  it("a directory at the path is refused, and nothing is left", async () => {
    const path = join(dir, "d.conf");
    mkdirSync(path);
    const err = await fileOp.apply(applyContext(new Recording()), local(path, { content: "valid\n" }), { action: "create", effect: "none" }).then(() => undefined, (e: unknown) => e as Error);
    expect(err?.message).toMatch(/not a regular file: not replaced/);
    expect(statSync(path).isDirectory()).toBe(true);
    expect(leftovers()).toEqual([]);
  });

  it("a missing owner fails after the temp file was made: it is removed", async () => {
    const path = join(dir, "e.conf");
    const err = await fileOp.apply(applyContext(new Recording()), local(path, { content: "valid\n", owner: "pgsty-no-such-user" }), { action: "create", effect: "none" }).then(() => undefined, (e: unknown) => e as Error);
    expect(err?.message).toMatch(/not written/);
    expect(existsSync(path)).toBe(false);
    expect(leftovers()).toEqual([]);
  });
});

describe("file: HAProxy's userlist password", () => {
  it("is masked in the plan's diff of a sensitive haproxy.cfg", () => {
    const before = "userlist stats-auth\n    user admin insecure-password 'Old-Pass-1'\nlisten stats\n    bind :9101\n";
    const after = "userlist stats-auth\n    user admin insecure-password 'New-Pass-2'\nlisten stats\n    bind :9102\n";
    const t = task("file", "/etc/haproxy/haproxy.cfg", { path: "/etc/haproxy/haproxy.cfg", content: after, owner: "root", group: "root", mode: "0600", sensitive: true });
    const d = fileOp.diff(t, fileOp.observe(t, factSet({ file: { "/etc/haproxy/haproxy.cfg": fileFact(sha256Hex(before)) }, "file.content": { "/etc/haproxy/haproxy.cfg": { bytes: Buffer.from(before), text: before, truncated: false } } })));
    expect(d.diff).toContain("+    bind :9102");
    expect(JSON.stringify(d)).not.toMatch(/Old-Pass|New-Pass/);
  });
});

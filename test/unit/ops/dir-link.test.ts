import { describe, expect, it } from "vitest";
import { dirOp } from "../../../src/ops/dir.js";
import { linkOp } from "../../../src/ops/link.js";
import { applyContext, factSet, FakeConnector, task } from "./fake.js";

const D = "/data/postgres/pg-test-15";
const dirTask = (args: Record<string, unknown> = {}) => task("dir", D, { path: D, owner: "postgres", group: "postgres", mode: "0700", ...args });
const dirFact = (o: Record<string, unknown> = {}) => ({ type: "dir", mode: "0700", owner: "postgres", group: "postgres", size: 4096, ...o });
const observeDir = (f?: unknown, failed: Record<string, string> = {}) => dirOp.observe(dirTask(), factSet(f ? { file: { [D]: f } } : {}, failed));

describe("dir: diff", () => {
  it("needs the file fact of its path", () => expect(dirOp.needs(dirTask())).toEqual([{ fact: "file", key: D }]));

  it("absent → create", () => {
    expect(dirOp.diff(dirTask(), observeDir())).toEqual({
      action: "create", effect: "none", reason: "absent on the host",
      fields: [{ field: "owner", after: "postgres" }, { field: "group", after: "postgres" }, { field: "mode", after: "0700" }],
    });
  });

  it("equal → noop (setgid bits compared too)", () => {
    expect(dirOp.diff(dirTask(), observeDir(dirFact())).action).toBe("noop");
    expect(dirOp.diff(dirTask({ mode: "2775" }), dirOp.observe(dirTask(), factSet({ file: { [D]: dirFact({ mode: "2775" }) } }))).action).toBe("noop");
  });

  it("owner and mode differ → update with fields", () => {
    expect(dirOp.diff(dirTask(), observeDir(dirFact({ owner: "root", mode: "2700" })))).toEqual({
      action: "update", effect: "none", reason: "owner or mode differs",
      fields: [{ field: "owner", before: "root", after: "postgres" }, { field: "mode", before: "2700", after: "0700" }],
    });
  });

  it.each([
    [{ type: "file" }, "a regular file"],
    [{ type: "link", linkTarget: "/mnt/x" }, "a symbolic link (→ /mnt/x)"],
    [{ type: "other" }, "a special file"],
  ])("wrong type → unknown (%j)", (o, what) => {
    expect(dirOp.diff(dirTask(), observeDir(dirFact(o)))).toEqual({ action: "unknown", effect: "none", reason: `${D} is ${what}, not a directory: pgsty does not replace it (move it away first)` });
  });

  it("unobservable → unknown", () => {
    expect(dirOp.diff(dirTask(), observeDir(undefined, { file: "timeout" }))).toMatchObject({ action: "unknown", reason: "file fact unavailable: timeout" });
  });
});

describe("dir: apply", () => {
  it("creates with a guard, owner and a five-digit mode (clears setgid)", async () => {
    const c = new FakeConnector();
    await dirOp.apply(applyContext(c), dirTask(), { action: "create", effect: "none" });
    expect(c.log).toEqual([
      `if [ -L ${D} ] || { [ -e ${D} ] && [ ! -d ${D} ]; }; then echo 'pgsty: ${D} exists and is not a directory: not replaced' >&2; exit 3; fi\n` +
        `mkdir -p -- ${D} && chown -- postgres:postgres ${D} && chmod -- 00700 ${D}`,
    ]);
  });

  it("noop does nothing; unknown is refused", async () => {
    const c = new FakeConnector();
    await dirOp.apply(applyContext(c), dirTask(), { action: "noop", effect: "none" });
    await expect(dirOp.apply(applyContext(c), dirTask(), { action: "unknown", effect: "none", reason: "it is a file" })).rejects.toThrow(/not applied: it is a file/);
    expect(c.log).toEqual([]);
  });

  it("a failing command throws with the display", async () => {
    const c = new FakeConnector(() => ({ code: 3, stderr: `pgsty: ${D} exists and is not a directory: not replaced\n` }));
    await expect(dirOp.apply(applyContext(c), dirTask(), { action: "create", effect: "none" })).rejects.toThrow(/exists and is not a directory/);
  });
});

const L = "/pg";
const linkTask = (target = D) => task("link", L, { path: L, target });
const linkFact = (target: string) => ({ type: "link", mode: "0777", owner: "root", group: "root", size: target.length, linkTarget: target });
const observeLink = (f?: unknown, failed: Record<string, string> = {}) => linkOp.observe(linkTask(), factSet(f ? { file: { [L]: f } } : {}, failed));

describe("link: diff", () => {
  it("absent → create", () => {
    expect(linkOp.diff(linkTask(), observeLink())).toEqual({ action: "create", effect: "none", reason: "absent on the host", fields: [{ field: "target", after: D }] });
  });
  it("same target → noop", () => expect(linkOp.diff(linkTask(), observeLink(linkFact(D))).action).toBe("noop"));
  it("other target → update", () => {
    expect(linkOp.diff(linkTask(), observeLink(linkFact("/data/old")))).toEqual({
      action: "update", effect: "none", reason: "points elsewhere", fields: [{ field: "target", before: "/data/old", after: D }],
    });
  });
  it.each([
    ["dir", "a directory"],
    ["file", "a regular file"],
    ["other", "a special file"],
  ])("a real %s → unknown naming it", (type, what) => {
    expect(linkOp.diff(linkTask(), observeLink({ type, mode: "0755", owner: "root", group: "root", size: 1 }))).toEqual({
      action: "unknown", effect: "none", reason: `${L} is ${what}, not a symbolic link: pgsty does not replace it (move it away first)`,
    });
  });
  it("unobservable → unknown", () => expect(linkOp.diff(linkTask(), observeLink(undefined, { file: "x" })).action).toBe("unknown"));
});

describe("link: apply", () => {
  it("repoints atomically with a guard against real files", async () => {
    const c = new FakeConnector();
    await linkOp.apply(applyContext(c), linkTask(), { action: "update", effect: "none" });
    expect(c.log).toEqual([
      `if [ -e /pg ] && [ ! -L /pg ]; then echo 'pgsty: /pg exists and is not a symbolic link: not replaced' >&2; exit 3; fi\n` +
        `rm -f -- /pg.pgsty-link && ln -s -- ${D} /pg.pgsty-link && mv -fT -- /pg.pgsty-link /pg`,
    ]);
  });
  it("refuses unknown with the reason that names the path", async () => {
    const c = new FakeConnector();
    const d = linkOp.diff(linkTask(), observeLink({ type: "dir", mode: "0755", owner: "root", group: "root", size: 1 }));
    await expect(linkOp.apply(applyContext(c), linkTask(), d)).rejects.toThrow("link[/pg]: not applied: /pg is a directory, not a symbolic link");
    expect(c.log).toEqual([]);
  });
  it("cannot make / a link", () => {
    expect(() => linkOp.diff(task("link", "/", { path: "/", target: "/x" }), null)).toThrow(/cannot make \/ a link/);
  });
});

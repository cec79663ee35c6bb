// The removal ops of pgsql-rm: service.stopped, path.absent, pkg.removed, dcs.absent — every diff
// branch, and apply through the fake connector (re-check first, nothing run when converged).
import { describe, expect, it } from "vitest";
import { exitKey } from "../../../src/facts/exit.js";
import { stopCommand } from "../../../src/ops/daemon.js";
import { dcsAbsentOp, dcsCommand } from "../../../src/ops/dcs-absent.js";
import { pathAbsentOp, removeCommand } from "../../../src/ops/path-absent.js";
import { pkgRemoveCommand, pkgRemovedOp } from "../../../src/ops/pkg-removed.js";
import { serviceStoppedOp, systemdStopCommand } from "../../../src/ops/service-stopped.js";
import { applyContext, DEBIAN, DEBIAN_NO_SYSTEMD, factSet, FakeConnector, ROCKY, task } from "./fake.js";

const NOOP = { action: "noop", effect: "none" };

describe("service.stopped", () => {
  const t = (unit = "patroni") => task("service.stopped", unit, { unit, user: "dbsu" });
  const sd = (active: boolean, enabled: boolean | "unknown") => ({ manager: "systemd", active, enabled, state: active ? "active" : "inactive" });
  const pf = (active: boolean) => ({ manager: "pidfile", active, enabled: "unknown", state: active ? "running" : "stopped" });
  const facts = (unit: string, s: unknown, os: unknown = DEBIAN, failed: Record<string, string> = {}) => factSet({ os: { os }, service: s ? { [unit]: s } : {} }, failed);
  const diffOf = (task_: ReturnType<typeof t>, f: ReturnType<typeof facts>) => serviceStoppedOp.diff(task_, serviceStoppedOp.observe(task_, f));

  it("needs os and the unit", () => expect(serviceStoppedOp.needs(t())).toEqual([{ fact: "os", key: "os" }, { fact: "service", key: "patroni" }]));
  it("systemd: running and enabled → update, both fields", () => {
    expect(diffOf(t(), facts("patroni", sd(true, true)))).toEqual({
      action: "update", effect: "none", reason: "running", fields: [{ field: "active", before: true, after: false }, { field: "enabled", before: true, after: false }],
    });
  });
  it("systemd: stopped but enabled → update (disable)", () => expect(diffOf(t(), facts("patroni", sd(false, true)))).toMatchObject({ action: "update", reason: "enabled at boot" }));
  it("systemd: stopped and disabled, or static → noop", () => {
    expect(diffOf(t(), facts("patroni", sd(false, false)))).toEqual(NOOP);
    expect(diffOf(t(), facts("patroni", sd(false, "unknown")))).toEqual(NOOP);
  });
  it("systemd: unit unknown (package gone) → noop", () => expect(diffOf(t(), facts("patroni", undefined))).toEqual(NOOP));
  it("no systemd: running → update; stopped → noop even without a driver", () => {
    expect(diffOf(t(), facts("patroni", pf(true), DEBIAN_NO_SYSTEMD))).toMatchObject({ action: "update", fields: [{ field: "active", before: true, after: false }] });
    expect(diffOf(t("vip-manager"), facts("vip-manager", pf(false), DEBIAN_NO_SYSTEMD))).toEqual(NOOP);
  });
  it("no systemd: running without a driver → unknown", () => {
    expect(diffOf(t("vip-manager"), facts("vip-manager", pf(true), DEBIAN_NO_SYSTEMD))).toMatchObject({ action: "unknown", reason: expect.stringMatching(/no daemon driver to stop it/) });
  });
  it("unobservable → unknown; a bad unit name throws", () => {
    expect(diffOf(t(), facts("patroni", undefined, DEBIAN, { service: "boom" }))).toMatchObject({ action: "unknown", reason: "service fact unavailable: boom" });
    expect(serviceStoppedOp.diff(t(), null).action).toBe("unknown");
    expect(() => serviceStoppedOp.needs(t("--all"))).toThrow(/not a unit name/);
  });
  it("systemdStopCommand: disable --now, disable, stop, nothing", () => {
    expect(systemdStopCommand("x", { active: true, enabled: true })?.display).toBe("systemctl disable --now x");
    expect(systemdStopCommand("x", { active: false, enabled: true })?.display).toBe("systemctl disable x");
    expect(systemdStopCommand("x", { active: true, enabled: "unknown" })?.display).toBe("systemctl stop x");
    expect(systemdStopCommand("x", { active: false, enabled: false })).toBeUndefined();
  });
  it("apply: systemd re-reads, then disable --now", async () => {
    const c = new FakeConnector();
    const ctx = applyContext(c, facts("patroni", sd(true, true)));
    await serviceStoppedOp.apply(ctx, t(), { action: "update", effect: "none" });
    expect(ctx.refreshed).toHaveLength(1);
    expect(c.log).toEqual(["systemctl disable --now patroni"]);
  });
  it("apply: no systemd → the driver's stop as the dbsu; converged by now → nothing", async () => {
    const c = new FakeConnector();
    await serviceStoppedOp.apply(applyContext(c, facts("pgbouncer", pf(true), DEBIAN_NO_SYSTEMD)), t("pgbouncer"), { action: "update", effect: "none" });
    expect(c.log).toEqual([stopCommand("pgbouncer", { user: "dbsu" }).display]);
    const c2 = new FakeConnector();
    await serviceStoppedOp.apply(applyContext(c2, facts("patroni", sd(false, false))), t(), { action: "update", effect: "none" });
    expect(c2.log).toEqual([]);
  });
  it("apply refuses an unknown state", async () => {
    const c = new FakeConnector();
    await expect(serviceStoppedOp.apply(applyContext(c, facts("vip-manager", pf(true), DEBIAN_NO_SYSTEMD)), t("vip-manager"), { action: "unknown", effect: "none" })).rejects.toThrow(/not applied/);
    expect(c.log).toEqual([]);
  });
});

describe("path.absent", () => {
  const t = (path: string, type: string, extra = {}) => task("path.absent", path, { path, type }, extra);
  const dir = { type: "dir", mode: "0700", owner: "postgres", group: "postgres", size: 4096 };
  const link = { type: "link", mode: "0777", owner: "root", group: "root", size: 20, linkTarget: "/data/postgres/pg-test-16" };
  const file = { type: "file", mode: "0644", owner: "root", group: "root", size: 10, sha256: "ab" };
  const diffOf = (task_: ReturnType<typeof t>, at: unknown, failed: Record<string, string> = {}) =>
    pathAbsentOp.diff(task_, pathAbsentOp.observe(task_, factSet({ file: at ? { [String(task_.args.path)]: at } : {} }, failed)));

  it("needs the path's file fact", () => expect(pathAbsentOp.needs(t("/pg", "link"))).toEqual([{ fact: "file", key: "/pg" }]));
  it("absent → noop", () => expect(diffOf(t("/data/postgres/pg-test-16", "dir"), undefined)).toEqual(NOOP));
  it("present as laid out → delete, with the task's effect", () => {
    expect(diffOf(t("/data/postgres/pg-test-16", "dir"), dir)).toEqual({ action: "delete", effect: "none", reason: "present: removed with everything in it" });
    expect(diffOf(t("/pg", "link"), link)).toMatchObject({ action: "delete", reason: "present (→ /data/postgres/pg-test-16): the link is removed, not its target" });
    expect(diffOf(t("/etc/haproxy/conf.d/pg-test-primary.cfg", "file", { effect: "reload", service: "haproxy" }), file)).toEqual({ action: "delete", effect: "reload", reason: "present" });
  });
  it("something else than pgsty laid out → unknown", () => {
    expect(diffOf(t("/pg", "link"), dir)).toMatchObject({ action: "unknown", reason: "/pg is a directory, not a symbolic link as pgsty laid it out: not removed (remove it by hand if it should go)" });
    expect(diffOf(t("/x/y", "dir"), link).action).toBe("unknown");
  });
  it("fact failure → unknown", () => expect(diffOf(t("/x/y", "dir"), undefined, { file: "find failed" })).toMatchObject({ action: "unknown", reason: "file fact unavailable: find failed" }));
  it("refuses system paths, top-level non-links, bad types", () => {
    for (const p of ["/", "/etc", "/data", "/usr", "/var/lib", "/etc/haproxy/conf.d"]) expect(() => pathAbsentOp.needs(t(p, "dir"))).toThrow(/refusing to remove .*: a system path/);
    expect(() => pathAbsentOp.needs(t("/pgdata", "dir"))).toThrow(/a top-level directory/);
    expect(() => pathAbsentOp.needs(t("/x/y", "any"))).toThrow(/arg `type`/);
    expect(() => pathAbsentOp.needs(t("/x/../etc", "dir"))).toThrow(/normalized absolute path/);
  });
  it("removeCommand re-checks the type and never crosses a mount", () => {
    expect(removeCommand({ path: "/pg", type: "link" }).display).toBe("if [ -L /pg ]; then rm -f -- /pg; elif [ -e /pg ]; then echo 'pgsty: /pg is not a symbolic link: not removed' >&2; exit 3; fi");
    expect(removeCommand({ path: "/a/b", type: "dir" }).display).toContain("if [ -d /a/b ] && [ ! -L /a/b ]; then rm -rf --one-file-system -- /a/b;");
    expect(removeCommand({ path: "/a/f", type: "file" }).display).toContain("if [ -f /a/f ] && [ ! -L /a/f ]; then rm -f -- /a/f;");
  });
  it("apply: re-reads, removes; gone by now → nothing; unknown refused", async () => {
    const c = new FakeConnector();
    const task_ = t("/a/b", "dir");
    await pathAbsentOp.apply(applyContext(c, factSet({ file: { "/a/b": dir } })), task_, { action: "delete", effect: "none" });
    expect(c.log).toEqual([removeCommand({ path: "/a/b", type: "dir" }).display]);
    const c2 = new FakeConnector();
    await pathAbsentOp.apply(applyContext(c2, factSet({ file: {} })), task_, { action: "delete", effect: "none" });
    expect(c2.log).toEqual([]);
    await expect(pathAbsentOp.apply(applyContext(c2, factSet({ file: { "/a/b": link } })), task_, { action: "delete", effect: "none" })).rejects.toThrow(/not applied: \/a\/b is a symbolic link/);
    expect(c2.log).toEqual([]);
  });
});

describe("pkg.removed", () => {
  const t = task("pkg.removed", "packages", { names: ["postgresql-16", "patroni"] });
  const ii = (version: string) => ({ version, status: "installed", arch: "amd64", manager: "dpkg" });
  const facts = (pkgs: Record<string, unknown>, os: unknown = DEBIAN, failed: Record<string, string> = {}) => factSet({ os: { os }, pkg: pkgs }, failed);
  const diffOf = (f: ReturnType<typeof facts>) => pkgRemovedOp.diff(t, pkgRemovedOp.observe(t, f));

  it("needs os and each package", () => expect(pkgRemovedOp.needs(t)).toEqual([{ fact: "os", key: "os" }, { fact: "pkg", key: "patroni" }, { fact: "pkg", key: "postgresql-16" }]));
  it("installed ones → delete with their names; none → noop", () => {
    expect(diffOf(facts({ patroni: ii("3.0") }))).toEqual({ action: "delete", effect: "none", reason: "1 of 2 packages installed", fields: [{ field: "remove", before: ["patroni"] }] });
    expect(diffOf(facts({ patroni: { ...ii("3.0"), status: "config-files" } }))).toEqual(NOOP);
  });
  it("unknown package manager, fact failure, no state → unknown", () => {
    expect(diffOf(facts({ patroni: ii("3") }, { ...DEBIAN, id: "arch", family: "other", idLike: [] })).reason).toMatch(/no package manager known for OS arch/);
    expect(diffOf(facts({}, DEBIAN, { pkg: "dpkg broke" })).reason).toBe("pkg fact unavailable: dpkg broke");
    expect(pkgRemovedOp.diff(t, null).action).toBe("unknown");
  });
  it("commands: apt-get remove (not purge), dnf remove", () => {
    expect(pkgRemoveCommand("apt", ["patroni"]).display).toBe("DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 -q -y remove patroni");
    expect(pkgRemoveCommand("dnf", ["patroni", "pgbouncer"]).display).toBe("dnf remove -y -q patroni pgbouncer");
  });
  it("apply: re-reads, removes only what is still installed", async () => {
    const c = new FakeConnector();
    await pkgRemovedOp.apply(applyContext(c, facts({ "postgresql-16": ii("16.4") }, ROCKY)), t, { action: "delete", effect: "none" });
    expect(c.log).toEqual(["dnf remove -y -q postgresql-16"]);
    const c2 = new FakeConnector();
    await pkgRemovedOp.apply(applyContext(c2, facts({})), t, { action: "delete", effect: "none" });
    expect(c2.log).toEqual([]);
  });
});

describe("dcs.absent", () => {
  const args = { prefix: "/pg/pg-test/", endpoints: ["10.10.10.10:2379", "10.10.10.11:2379"] };
  const t = task("dcs.absent", "/pg/pg-test/", args);
  const key = exitKey(dcsCommand(args, "count").text);
  const diffOf = (code: number | undefined, timedOut = false, failed: Record<string, string> = {}) =>
    dcsAbsentOp.diff(t, dcsAbsentOp.observe(t, factSet({ exit: code === undefined ? {} : { [key]: { code, timedOut } } }, failed)));

  it("needs one exit fact: the key count", () => expect(dcsAbsentOp.needs(t)).toEqual([{ fact: "exit", key }]));
  it("0 keys → noop; some → delete", () => {
    expect(diffOf(0)).toEqual(NOOP);
    expect(diffOf(3)).toEqual({ action: "delete", effect: "none", reason: "keys under /pg/pg-test/ in etcd" });
  });
  it("etcd unreachable, timeout, no python3, a Python error, no report → unknown", () => {
    expect(diffOf(2).reason).toMatch(/^no etcd endpoint answered \(10.10.10.10:2379, 10.10.10.11:2379\)/);
    expect(diffOf(0, true).reason).toMatch(/did not answer within 10 s/);
    expect(diffOf(127).reason).toMatch(/python3 not found/);
    expect(diffOf(1).reason).toMatch(/exited 1/);
    expect(diffOf(undefined).action).toBe("unknown");
    expect(diffOf(undefined, false, { exit: "x" }).reason).toBe("exit fact unavailable: x");
    expect(dcsAbsentOp.diff(t, null).action).toBe("unknown");
  });
  it("refuses a prefix that is the root or has no trailing slash, and bad endpoints", () => {
    for (const prefix of ["/", "/pg", "pg/x/", "/pg//x/"]) expect(() => dcsAbsentOp.needs(task("dcs.absent", "k", { ...args, prefix }))).toThrow(/arg `prefix`/);
    expect(() => dcsAbsentOp.needs(task("dcs.absent", "k", { ...args, endpoints: [] }))).toThrow(/arg `endpoints`/);
    expect(() => dcsAbsentOp.needs(task("dcs.absent", "k", { ...args, endpoints: ["a b:1"] }))).toThrow(/arg `endpoints`/);
  });
  it("the command: python3 with the prefix and endpoints as arguments; display names what it does", () => {
    const c = dcsCommand(args, "delete");
    expect(c.display).toBe("etcd v3 delete /pg/pg-test/ (10.10.10.10:2379, 10.10.10.11:2379)");
    expect(c.text).toMatch(/^python3 -c '/);
    expect(c.text).toMatch(/' delete \/pg\/pg-test\/ 10\.10\.10\.10:2379 10\.10\.10\.11:2379$/);
  });
  it("apply: re-reads the count, then deletes; none left by now → nothing", async () => {
    const c = new FakeConnector();
    await dcsAbsentOp.apply(applyContext(c, factSet({ exit: { [key]: { code: 3, timedOut: false } } })), t, { action: "delete", effect: "none" });
    expect(c.log).toEqual(["etcd v3 delete /pg/pg-test/ (10.10.10.10:2379, 10.10.10.11:2379)"]);
    const c2 = new FakeConnector();
    await dcsAbsentOp.apply(applyContext(c2, factSet({ exit: { [key]: { code: 0, timedOut: false } } })), t, { action: "delete", effect: "none" });
    expect(c2.log).toEqual([]);
    await expect(dcsAbsentOp.apply(applyContext(c2, factSet({ exit: { [key]: { code: 2, timedOut: false } } })), t, { action: "delete", effect: "none" })).rejects.toThrow(/not applied: no etcd endpoint answered/);
  });
});

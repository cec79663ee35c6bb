import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { sha256Hex } from "../../../src/ops/args.js";
import { isInstalled, packageManager, pkgCommand, pkgInstalledOp, START_CONF } from "../../../src/ops/pkg-installed.js";
import { applyContext, DEBIAN, factSet, FakeConnector, ROCKY, task } from "./fake.js";

const CONF = "/etc/postgresql/15/main/start.conf";
const pkgTask = (names = ["haproxy", "postgresql-15", "patroni"]) => task("pkg.installed", "packages", { names });
const installed = (version = "1.0") => ({ version, status: "installed", arch: "amd64", manager: "dpkg" });
const conf = (content: string) => ({ type: "file", sha256: sha256Hex(content), size: content.length, mode: "0644", owner: "postgres", group: "postgres" });
const facts = (pkgs: Record<string, unknown>, o: { os?: unknown; startConf?: string | null; failed?: Record<string, string> } = {}) =>
  factSet({ os: { os: o.os ?? DEBIAN }, pkg: pkgs, file: o.startConf ? { [CONF]: conf(o.startConf) } : {} }, o.failed ?? {});
const all = { haproxy: installed(), "postgresql-15": installed("15.8"), patroni: installed() };
const diffOf = (f: ReturnType<typeof facts>, t = pkgTask()) => pkgInstalledOp.diff(t, pkgInstalledOp.observe(t, f));

describe("pkg.installed: needs and helpers", () => {
  it("needs os, each package, and the start.conf of each postgresql-<v>", () => {
    expect(pkgInstalledOp.needs(pkgTask())).toEqual([
      { fact: "os", key: "os" },
      { fact: "pkg", key: "haproxy" }, { fact: "pkg", key: "patroni" }, { fact: "pkg", key: "postgresql-15" },
      { fact: "file", key: CONF },
    ]);
  });
  it("knows installed states", () => {
    expect(["installed", "ii", "install ok installed", "hold ok installed"].map((status) => isInstalled({ status } as never))).toEqual([true, true, true, true]);
    expect(["config-files", "half-installed", "unpacked"].map((status) => isInstalled({ status } as never))).toEqual([false, false, false]);
    expect(isInstalled(undefined)).toBe(false);
  });
  it("picks the package manager from the os fact", () => {
    expect(packageManager(DEBIAN)).toBe("apt");
    expect(packageManager(ROCKY)).toBe("dnf");
    expect(packageManager({ id: "ubuntu", serviceManager: "systemd" })).toBe("apt");
    expect(packageManager({ id: "arch", idLike: [], family: "other", serviceManager: "systemd" })).toBeUndefined();
  });
  it("rejects names an option parser could take", () => {
    expect(() => pkgInstalledOp.needs(pkgTask(["-oAPT::x=1"]))).toThrow(/package names/);
  });
});

describe("pkg.installed: diff", () => {
  it("all installed, cluster already manual → noop", () => expect(diffOf(facts(all, { startConf: START_CONF }))).toEqual({ action: "noop", effect: "none" }));
  it("all installed, no Debian cluster → noop", () => expect(diffOf(facts(all)).action).toBe("noop"));

  it("none installed → create, listing them", () => {
    expect(diffOf(facts({}))).toEqual({
      action: "create", effect: "none", reason: "3 of 3 packages missing",
      fields: [{ field: "install", after: ["haproxy", "patroni", "postgresql-15"] }],
    });
  });

  it("some missing (half-installed counts as missing) → update", () => {
    const d = diffOf(facts({ haproxy: installed(), patroni: { ...installed(), status: "half-installed" } }));
    expect(d).toMatchObject({ action: "update", reason: "2 of 3 packages missing", fields: [{ field: "install", after: ["patroni", "postgresql-15"] }] });
  });

  it("Debian's main cluster still on auto → update, even with every package there", () => {
    expect(diffOf(facts(all, { startConf: "# comment\nauto\n" }))).toEqual({
      action: "update", effect: "none", reason: "Debian cluster 15/main may start by itself",
      fields: [{ field: "cluster 15/main", after: "stopped, start.conf manual" }],
    });
  });

  it("EL: no cluster check", () => expect(diffOf(facts({ ...all }, { os: ROCKY, startConf: "auto\n" })).action).toBe("noop"));
  it("unknown OS → unknown", () => expect(diffOf(facts({}, { os: { id: "arch", idLike: [], family: "other", serviceManager: "none" } }))).toMatchObject({ action: "unknown", reason: "no package manager known for OS arch" }));
  it("a fact failed → unknown", () => expect(diffOf(facts({}, { failed: { pkg: "dpkg-query exited 2" } }))).toMatchObject({ action: "unknown", reason: "pkg fact unavailable: dpkg-query exited 2" }));
});

describe("pkg.installed: apply", () => {
  it("Debian: guard, update once per connector, install only the missing, clusters, restore", async () => {
    const c = new FakeConnector();
    const ctx = applyContext(c, facts({ haproxy: installed() }));
    await pkgInstalledOp.apply(ctx, pkgTask(), { action: "update", effect: "none" });
    expect(ctx.refreshed).toHaveLength(1);
    expect(c.log).toEqual([
      "policy-rc.d exit 101 && apt-get -o DPkg::Lock::Timeout=600 update && " +
        "DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 -q -y --no-install-recommends install patroni postgresql-15 && " +
        "Debian cluster(s) 15/main: stop, start.conf manual && restore policy-rc.d",
    ]);
    const text = c.commands[0]!.text;
    expect(text).toContain("export DEBIAN_FRONTEND=noninteractive");
    expect(text).toContain("trap restore EXIT");
    expect(text).toContain("exit 101");
    expect(text.indexOf("policy-rc.d.pgsty-new")).toBeLessThan(text.indexOf("install patroni postgresql-15"));
    // a second install on the same connector (same apply run) does not update again
    await pkgInstalledOp.apply(applyContext(c, facts({})), pkgTask(["haproxy"]), { action: "create", effect: "none" });
    expect(c.log[1]).toBe("policy-rc.d exit 101 && DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 -q -y --no-install-recommends install haproxy && restore policy-rc.d");
  });

  it("Debian, packages present, cluster on auto: only the cluster part, no guard, no apt", async () => {
    const c = new FakeConnector();
    await pkgInstalledOp.apply(applyContext(c, facts(all, { startConf: "auto\n" })), pkgTask(), { action: "update", effect: "none" });
    expect(c.log).toEqual(["Debian cluster(s) 15/main: stop, start.conf manual"]);
    expect(c.commands[0]!.text).not.toContain("apt-get");
    expect(c.commands[0]!.text).not.toContain("policy-rc.d");
  });

  it("EL: dnf without weak deps", async () => {
    const c = new FakeConnector();
    await pkgInstalledOp.apply(applyContext(c, facts({}, { os: ROCKY })), pkgTask(["haproxy", "patroni"]), { action: "create", effect: "none" });
    expect(c.log).toEqual(["dnf install -y -q --setopt=install_weak_deps=False haproxy patroni"]);
  });

  it("converged by now: nothing runs", async () => {
    const c = new FakeConnector();
    await pkgInstalledOp.apply(applyContext(c, facts(all, { startConf: START_CONF })), pkgTask(), { action: "create", effect: "none" });
    expect(c.log).toEqual([]);
  });

  it("a failed install throws (the script's trap restores policy-rc.d)", async () => {
    const c = new FakeConnector(() => ({ code: 100, stderr: "E: Unable to locate package patroni\n" }));
    await expect(pkgInstalledOp.apply(applyContext(c, facts({})), pkgTask(), { action: "create", effect: "none" })).rejects.toThrow(/exited 100: E: Unable to locate package patroni/);
  });

  it("pkgCommand for clusters alone quotes the start.conf text", () => {
    const cmd = pkgCommand("apt", [], ["15", "16"], false);
    expect(cmd.text).toContain("versions='15 16'");
    expect(cmd.text).toContain("manual'");
  });
});

// The policy-rc.d guard, run for real with bash against a temporary stand-in for /usr/sbin
// (apt-get replaced by a function that records what the guard was while it "installed").
describe("pkg.installed: the policy-rc.d guard, run locally", () => {
  const run = (dir: string, aptExit: number) => {
    const text = pkgCommand("apt", ["demo"], [], false).text.replaceAll("/usr/sbin/policy-rc.d", `${dir}/policy-rc.d`);
    const stub = `apt-get() { cat "$guard" > ${dir}/during; rc=0; "$guard" x start || rc=$?; echo "rc=$rc" >> ${dir}/during; return ${aptExit}; }\n`;
    return spawnSync("bash", ["-c", stub + text], { encoding: "utf8" });
  };
  const fresh = () => mkdtempSync(join(tmpdir(), "pgsty-guard-"));

  it("an existing policy-rc.d is replaced during the install and restored exactly", () => {
    const dir = fresh();
    const original = "#!/bin/sh\n# site policy\nexit 0\n";
    writeFileSync(`${dir}/policy-rc.d`, original, { mode: 0o750 });
    const r = run(dir, 0);
    expect(r.status).toBe(0);
    expect(readFileSync(`${dir}/during`, "utf8")).toMatch(/# pgsty-guard[^\n]*\nexit 101\nrc=101\n$/);
    expect(readFileSync(`${dir}/policy-rc.d`, "utf8")).toBe(original);
    expect(statSync(`${dir}/policy-rc.d`).mode & 0o777).toBe(0o750);
    expect(readdirSync(dir).sort()).toEqual(["during", "policy-rc.d"]);
    rmSync(dir, { recursive: true });
  });

  it("no policy-rc.d before: none after; restored on a failed install too", () => {
    const dir = fresh();
    expect(run(dir, 100).status).toBe(100);
    expect(readFileSync(`${dir}/during`, "utf8")).toMatch(/rc=101\n$/);
    expect(existsSync(`${dir}/policy-rc.d`)).toBe(false);
    writeFileSync(`${dir}/policy-rc.d`, "#!/bin/sh\nexit 0\n", { mode: 0o755 });
    expect(run(dir, 100).status).toBe(100);
    expect(readFileSync(`${dir}/policy-rc.d`, "utf8")).toBe("#!/bin/sh\nexit 0\n");
    rmSync(dir, { recursive: true });
  });

  it("after an interrupted run (our guard in place, the original saved) the original comes back", () => {
    const dir = fresh();
    writeFileSync(`${dir}/policy-rc.d.pgsty-saved`, "#!/bin/sh\n# the original\nexit 0\n", { mode: 0o755 });
    writeFileSync(`${dir}/policy-rc.d`, "#!/bin/sh\n# pgsty-guard: no daemon may start during a package install\nexit 101\n", { mode: 0o755 });
    expect(run(dir, 0).status).toBe(0);
    expect(readFileSync(`${dir}/policy-rc.d`, "utf8")).toBe("#!/bin/sh\n# the original\nexit 0\n");
    expect(existsSync(`${dir}/policy-rc.d.pgsty-saved`)).toBe(false);
    rmSync(dir, { recursive: true });
  });

  it("our own guard left behind with no original saved: removed, not kept as 'the original'", () => {
    const dir = fresh();
    writeFileSync(`${dir}/policy-rc.d`, "#!/bin/sh\n# pgsty-guard: no daemon may start during a package install\nexit 101\n", { mode: 0o755 });
    expect(run(dir, 0).status).toBe(0);
    expect(existsSync(`${dir}/policy-rc.d`)).toBe(false);
    rmSync(dir, { recursive: true });
  });
});

import { describe, expect, it } from "vitest";
import { DAEMONS, pidfileOf, reloadCommand, reloadService, restartService, startCommand, stopCommand } from "../../../src/ops/daemon.js";
import { serviceRunningOp, systemdCommands } from "../../../src/ops/service-running.js";
import { applyContext, DEBIAN, DEBIAN_NO_SYSTEMD, factSet, FakeConnector, task } from "./fake.js";

const svcTask = (unit = "patroni", args: Record<string, unknown> = {}) => task("service.running", unit, { unit, enabled: true, ...args });
const sd = (active: boolean, enabled: boolean | "unknown", pid?: number) => ({ manager: "systemd", active, enabled, state: active ? "active" : "inactive", ...(pid ? { pid } : {}) });
const pf = (active: boolean, unit = "patroni") => ({ manager: "pidfile", active, enabled: "unknown", state: active ? "running" : "stopped", pidfile: pidfileOf(unit), ...(active ? { pid: 42 } : {}) });
const facts = (unit: string, s: unknown, os: unknown = DEBIAN, failed: Record<string, string> = {}) => factSet({ os: { os }, service: s ? { [unit]: s } : {} }, failed);
const diffOf = (t: ReturnType<typeof svcTask>, f: ReturnType<typeof facts>) => serviceRunningOp.diff(t, serviceRunningOp.observe(t, f));

describe("service.running: diff", () => {
  it("needs os and the unit", () => expect(serviceRunningOp.needs(svcTask())).toEqual([{ fact: "os", key: "os" }, { fact: "service", key: "patroni" }]));

  it("systemd: active and enabled → noop", () => expect(diffOf(svcTask(), facts("patroni", sd(true, true, 7)))).toEqual({ action: "noop", effect: "none" }));
  it("systemd: unit unknown to systemd → create", () => {
    expect(diffOf(svcTask(), facts("patroni", undefined))).toEqual({
      action: "create", effect: "none", reason: "not running",
      fields: [{ field: "active", before: false, after: true }, { field: "enabled", before: false, after: true }],
    });
  });
  it("systemd: running, not enabled → update", () => {
    expect(diffOf(svcTask(), facts("patroni", sd(true, false)))).toEqual({ action: "update", effect: "none", reason: "enablement differs", fields: [{ field: "enabled", before: false, after: true }] });
  });
  it("systemd: enabled: false wanted, enabled found → update", () => {
    expect(diffOf(svcTask("patroni", { enabled: false }), facts("patroni", sd(true, true))).fields).toEqual([{ field: "enabled", before: true, after: false }]);
  });
  it("systemd: a static unit (enabled unknown) is only started", () => {
    expect(diffOf(svcTask(), facts("patroni", sd(false, "unknown"))).fields).toEqual([{ field: "active", before: false, after: true }]);
    expect(diffOf(svcTask(), facts("patroni", sd(true, "unknown"))).action).toBe("noop");
  });
  it("no systemd: running → noop; enablement is not compared", () => expect(diffOf(svcTask(), facts("patroni", pf(true), DEBIAN_NO_SYSTEMD)).action).toBe("noop"));
  it("no systemd: stopped → create", () => {
    expect(diffOf(svcTask(), facts("patroni", pf(false), DEBIAN_NO_SYSTEMD))).toEqual({ action: "create", effect: "none", reason: "not running", fields: [{ field: "active", before: false, after: true }] });
  });
  it("no systemd, no driver → unknown", () => {
    expect(diffOf(svcTask("vip-manager"), facts("vip-manager", pf(false, "vip-manager"), DEBIAN_NO_SYSTEMD))).toMatchObject({ action: "unknown", reason: expect.stringMatching(/^no daemon driver for vip-manager on a host without systemd/) });
  });
  it("unobservable → unknown", () => expect(diffOf(svcTask(), facts("patroni", undefined, DEBIAN, { service: "systemctl failed" }))).toMatchObject({ action: "unknown", reason: "service fact unavailable: systemctl failed" }));
  it("rejects a unit name that is not one", () => expect(() => serviceRunningOp.needs(svcTask("--all"))).toThrow(/not a unit name/));
});

describe("service.running: apply", () => {
  it("systemd: enable --now, then is-active", async () => {
    const c = new FakeConnector();
    await serviceRunningOp.apply(applyContext(c, facts("haproxy", sd(false, false))), svcTask("haproxy"), { action: "create", effect: "none" });
    expect(c.log).toEqual(["systemctl enable --now haproxy", "systemctl is-active --quiet haproxy"]);
  });
  it("a started replica leaves its WAL streaming for the end of the apply; an active one, nothing", async () => {
    const streaming = { dbsu: "postgres", socketDir: "/var/run/postgresql", port: 5432, timeoutSec: 60 };
    const t = svcTask("patroni", { streaming });
    const settle = await serviceRunningOp.apply(applyContext(new FakeConnector(), facts("patroni", sd(false, false))), t, { action: "create", effect: "none" });
    expect(settle).toMatchObject({ what: "PostgreSQL streaming WAL from its upstream", command: { text: expect.stringContaining("pg_stat_wal_receiver") } });
    expect(await serviceRunningOp.apply(applyContext(new FakeConnector(), facts("patroni", sd(true, false))), t, { action: "update", effect: "none" })).toBeUndefined();
  });
  it("systemd: running, not enabled: enable --now only", async () => {
    const c = new FakeConnector();
    await serviceRunningOp.apply(applyContext(c, facts("haproxy", sd(true, false))), svcTask("haproxy"), { action: "update", effect: "none" });
    expect(c.log).toEqual(["systemctl enable --now haproxy"]);
  });
  it("systemd: converged by now → nothing (the PID is left alone)", async () => {
    const c = new FakeConnector();
    await serviceRunningOp.apply(applyContext(c, facts("haproxy", sd(true, true, 9))), svcTask("haproxy"), { action: "create", effect: "none" });
    expect(c.log).toEqual([]);
  });
  it("systemd: a unit that does not come up → error with systemctl status", async () => {
    const c = new FakeConnector((cmd) => (cmd.display.startsWith("systemctl is-active") ? { code: 3 } : cmd.display.startsWith("systemctl status") ? { stdout: "patroni.service - failed: ConditionPathExists=/etc/patroni/config.yml was not met\n" } : {}));
    await expect(serviceRunningOp.apply(applyContext(c, facts("patroni", sd(false, false))), svcTask(), { action: "create", effect: "none" })).rejects.toThrow(
      /`systemctl is-active --quiet patroni` exited 3: patroni is not running\npatroni.service - failed: ConditionPathExists/,
    );
  });
  it("systemdCommands: disable / start when not to be enabled", () => {
    expect(systemdCommands({ unit: "x", enabled: false, user: "postgres" }, { active: false, enabled: true }).map((c) => c.display)).toEqual(["systemctl disable x", "systemctl start x", "systemctl is-active --quiet x"]);
  });
  it("no systemd: the direct driver's start, as the task's dbsu", async () => {
    const c = new FakeConnector();
    await serviceRunningOp.apply(applyContext(c, facts("patroni", pf(false), DEBIAN_NO_SYSTEMD)), svcTask("patroni", { user: "pgdbsu" }), { action: "create", effect: "none" });
    expect(c.log).toEqual([startCommand("patroni", { user: "pgdbsu" }).display]);
    expect(c.log[0]).toContain("--chuid pgdbsu");
  });
  it("unknown is refused", async () => {
    const c = new FakeConnector();
    await expect(serviceRunningOp.apply(applyContext(c, facts("x", undefined, DEBIAN_NO_SYSTEMD)), svcTask("x"), { action: "unknown", effect: "none" })).rejects.toThrow(/not applied: no daemon driver for x/);
    expect(c.log).toEqual([]);
  });
});

describe("direct daemon driver", () => {
  it("has a row for each daemon pgsty runs", () => expect([...DAEMONS.keys()].sort()).toEqual(["etcd", "haproxy", "patroni", "pgbouncer"]));

  it("uses the service fact's pidfiles, in root's /run except pgbouncer's own", () => {
    expect([...DAEMONS.keys()].map(pidfileOf)).toEqual(["/run/patroni.pid", "/var/run/postgresql/pgbouncer.pid", "/run/etcd.pid", "/run/haproxy.pid"]);
  });

  it("patroni: foreground, made pidfile, as the dbsu with its HOME", () => {
    const t = startCommand("patroni").text;
    expect(t).toContain("start-stop-daemon --status --pidfile /run/patroni.pid --user postgres && exit 0");
    expect(t).toContain(`HOME="$home" USER=postgres LOGNAME=postgres start-stop-daemon --start --quiet --oknodo --background --make-pidfile --pidfile /run/patroni.pid --user postgres --chuid postgres --chdir "$home" --output /var/log/pgsty/patroni.out --startas /usr/bin/patroni -- /etc/patroni/patroni.yml`);
    expect(t).toMatch(/^env -i PATH=\S+ LANG=C.UTF-8 /m);
  });

  it("pgbouncer: -d, its own pidfile, matched by user and executable", () => {
    expect(startCommand("pgbouncer").text).toContain("start-stop-daemon --start --quiet --oknodo --pidfile /var/run/postgresql/pgbouncer.pid --user postgres --exec /usr/sbin/pgbouncer --chuid postgres --chdir \"$home\" -- -d /etc/pgbouncer/pgbouncer.ini");
  });

  it("etcd: as etcd with its config file", () => {
    expect(startCommand("etcd").text).toContain("--chuid etcd --chdir \"$home\" --output /var/log/pgsty/etcd.out --startas /usr/bin/etcd -- --config-file /etc/etcd/etcd.conf.yml");
  });

  it("haproxy: -D, haproxy.cfg first then the other files, matched by executable", () => {
    const t = startCommand("haproxy").text;
    expect(t).toContain("files=(-f /etc/haproxy/haproxy.cfg)");
    expect(t).toContain('start-stop-daemon --start --quiet --oknodo --pidfile /run/haproxy.pid --exec /usr/sbin/haproxy -- -D -p /run/haproxy.pid "${files[@]}"');
  });

  it("never pkill: stop and signal by pidfile", () => {
    for (const unit of DAEMONS.keys()) {
      expect(stopCommand(unit).text).toMatch(/^start-stop-daemon --stop --quiet --oknodo --retry \S+ --remove-pidfile --pidfile /);
      expect(startCommand(unit).text + stopCommand(unit).text + (reloadCommand(unit)?.text ?? "")).not.toMatch(/pkill|killall/);
    }
    expect(reloadCommand("patroni")?.display).toBe("start-stop-daemon --stop --quiet --oknodo --signal HUP --pidfile /run/patroni.pid --user postgres");
    expect(reloadCommand("etcd")).toBeUndefined();
    expect(reloadCommand("haproxy")?.text).toContain('/usr/sbin/haproxy -c -q "${files[@]}"\n/usr/sbin/haproxy -D -p /run/haproxy.pid "${files[@]}" -sf $(cat /run/haproxy.pid)');
  });

  it("an unknown unit has no driver", () => expect(() => startCommand("nginx")).toThrow(/no daemon driver for nginx/));
});

describe("reloadService / restartService", () => {
  it("systemd: reload only when active; etcd try-restarts; restart", async () => {
    const c = new FakeConnector();
    await reloadService(c, "patroni", DEBIAN);
    await reloadService(c, "etcd", DEBIAN);
    await restartService(c, "pgbouncer", DEBIAN);
    expect(c.log).toEqual(["if systemctl is-active --quiet patroni; then systemctl reload patroni; fi", "systemctl try-restart etcd", "systemctl restart pgbouncer"]);
  });
  it("no systemd: HUP by pidfile; etcd stop + start; restart = stop + start", async () => {
    const c = new FakeConnector();
    await reloadService(c, "pgbouncer", DEBIAN_NO_SYSTEMD, { user: "dbsu" });
    await reloadService(c, "etcd", DEBIAN_NO_SYSTEMD);
    await restartService(c, "patroni", DEBIAN_NO_SYSTEMD);
    expect(c.log).toEqual([
      "start-stop-daemon --stop --quiet --oknodo --signal HUP --pidfile /var/run/postgresql/pgbouncer.pid --user dbsu --exec /usr/sbin/pgbouncer",
      stopCommand("etcd").display, startCommand("etcd").display,
      stopCommand("patroni").display, startCommand("patroni").display,
    ]);
  });
  it("a failure throws", async () => {
    const c = new FakeConnector(() => ({ code: 1, stderr: "Job for haproxy.service failed\n" }));
    await expect(restartService(c, "haproxy", DEBIAN)).rejects.toThrow(/`systemctl restart haproxy` exited 1: Job for haproxy.service failed/);
  });
});

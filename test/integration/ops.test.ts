/**
 * The host ops on real test hosts, over the ssh connector, on both host kinds: a tini host (the
 * direct daemon driver) and a systemd host (systemctl and the packaged units). Facts come from
 * the real fact scripts (gathered through a FactCache, re-read before every diff); what the
 * ops did is checked through the test bed's side channel (nsenter), not through the connector.
 * Every apply is followed by a plan of the same task, which must be a noop. No package is
 * downloaded: only packages prepare.sh installed are used.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openConnector, type Connector } from "../../src/exec/connector.js";
import type { Fact } from "../../src/facts/fact.js";
import { fileContentFact } from "../../src/facts/file-content.js";
import { fileFact } from "../../src/facts/file.js";
import { FactCache } from "../../src/facts/gather.js";
import { osFact, type OsFact } from "../../src/facts/os.js";
import { pkgFact } from "../../src/facts/pkg.js";
import { serviceFact } from "../../src/facts/service.js";
import { userFact } from "../../src/facts/user.js";
import { hasFollowUp, HOST_OPS, reloadService, restartService } from "../../src/ops/host-ops.js";
import type { ApplyContext, OpDiff } from "../../src/ops/op.js";
import { START_CONF } from "../../src/ops/pkg-installed.js";
import type { TaskSpec } from "../../src/plan/types.js";
import { startTestbed, TESTBED_START_TIMEOUT_MS, testbedSkipReason, type HostInit, type Testbed } from "./testbed/testbed.js";

const REGISTRY = new Map<string, Fact<unknown>>(
  [osFact, fileFact, fileContentFact, pkgFact, userFact, serviceFact].map((f) => [f.name, f as Fact<unknown>]),
);

const t = (op: string, key: string, args: Record<string, unknown>, extra: Partial<TaskSpec> = {}): TaskSpec => ({ step: "ops.test", op, key, args, ...extra });

const HAPROXY_CFG = (port: number) => `global
    maxconn 100
defaults
    mode tcp
    timeout connect 3s
    timeout client 30s
    timeout server 30s
listen pgsty-test
    bind 127.0.0.1:${port}
    server s1 127.0.0.1:1 check
`;
const BROKEN_CFG = "global\n    maxconn 100\nlisten broken\n    bind 127.0.0.1:15500\n    no-such-keyword here\n";

const skip = testbedSkipReason();

for (const init of ["tini", "systemd"] as const satisfies readonly HostInit[]) {
  describe.skipIf(!!skip)(`host ops on a ${init} host${skip ? ` (skipped: ${skip})` : ""}`, () => {
    let tb: Testbed;
    let conn: Connector;
    let cache: FactCache;
    let host = "";
    const side = async (cmd: string): Promise<string> => {
      const r = await tb.exec(host, cmd);
      if (r.code !== 0) throw new Error(`side channel: \`${cmd}\` exited ${r.code}: ${r.stderr}`);
      return r.stdout;
    };
    const ctx = (): ApplyContext => ({ connector: conn, refresh: (requests) => cache.refresh(requests) });

    /** A fresh plan of one task: its facts re-read (and the second round trip, if asked). */
    async function plan(task: TaskSpec): Promise<OpDiff> {
      const op = HOST_OPS.get(task.op)!;
      let facts = await cache.refresh(op.needs(task));
      if (hasFollowUp(op)) {
        const more = op.moreNeeds(task, facts);
        if (more.length) facts = await cache.refresh([...op.needs(task), ...more]);
      }
      return op.diff(task, op.observe(task, facts));
    }

    /** plan → apply → plan: returns the first diff; the second must be a noop. */
    async function converge(task: TaskSpec): Promise<OpDiff> {
      const d = await plan(task);
      await HOST_OPS.get(task.op)!.apply(ctx(), task, d);
      expect(await plan(task)).toEqual({ action: "noop", effect: "none" });
      return d;
    }

    beforeAll(async () => {
      tb = await startTestbed({ hosts: 1, init });
      host = tb.hosts[0]!.name;
      conn = await openConnector(host, tb.connection(host));
      cache = new FactCache(conn, REGISTRY);
      if (init === "systemd") {
        // systemd needs a moment before systemctl answers for units
        for (let i = 0; i < 100; i++) {
          const r = await tb.exec(host, "systemctl is-system-running 2>/dev/null || true");
          if (/running|degraded/.test(r.stdout)) break;
          await new Promise((ok) => setTimeout(ok, 100));
        }
      }
    }, TESTBED_START_TIMEOUT_MS);

    afterAll(async () => {
      await conn?.close();
      await tb?.stop();
    });

    it("reads the host's service manager", async () => {
      const os = (await cache.refresh([{ fact: "os", key: "os" }])).get<OsFact>("os", "os");
      expect(os?.serviceManager).toBe(init === "systemd" ? "systemd" : "none");
    });

    it("file: create, update with a diff, owner and mode", async () => {
      await converge(t("dir", "/etc/pgsty-test", { path: "/etc/pgsty-test", owner: "root", group: "root", mode: "0755" }));
      const path = "/etc/pgsty-test/demo.conf";
      const task = (content: string, o: Record<string, unknown> = {}) =>
        t("file", path, { path, content, owner: "postgres", group: "postgres", mode: "0640", sensitive: false, ...o }, { effect: "reload" });
      expect((await converge(task("a = 1\nb = 2\n"))).action).toBe("create");
      expect(await side(`stat -c '%U:%G %a' ${path}; cat ${path}`)).toBe("postgres:postgres 640\na = 1\nb = 2\n");
      const d = await converge(task("a = 1\nb = 3\n"));
      expect(d).toMatchObject({ action: "update", effect: "reload", reason: "content differs" });
      expect(d.diff).toBe("@@ -1,2 +1,2 @@\n a = 1\n-b = 2\n+b = 3");
      expect(await converge(task("a = 1\nb = 3\n", { mode: "0600", owner: "root" }))).toMatchObject({
        action: "update", effect: "none", fields: [{ field: "owner", before: "postgres", after: "root" }, { field: "mode", before: "0640", after: "0600" }],
      });
      expect(await side(`stat -c '%U:%G %a' ${path}`)).toBe("root:postgres 600\n");
      expect(await side("ls -A /etc/pgsty-test")).toBe("demo.conf\n");
    });

    it("file: a validated config is activated; a broken one is refused and the old file stays", async () => {
      const path = "/etc/haproxy/haproxy.cfg";
      const task = (content: string) => t("file", path, { path, content, owner: "root", group: "root", mode: "0644", sensitive: false, validate: "haproxy -c -f {path}" }, { effect: "reload", service: "haproxy" });
      await converge(task(HAPROXY_CFG(15432)));
      const before = await side(`sha256sum ${path}; ls -A /etc/haproxy`);
      const broken = task(BROKEN_CFG);
      const d = await plan(broken);
      expect(d.action).toBe("update");
      const err = await HOST_OPS.get("file")!.apply(ctx(), broken, d).then(() => undefined, (e: unknown) => e as Error);
      expect(err?.message).toMatch(/the new content failed validation \(`haproxy -c -f \{path\}`\); the file was not changed/);
      expect(err?.message).toMatch(/no-such-keyword/);
      // unchanged, no temp file left; .pgsty-prev is the file before the last good write
      expect(await side(`sha256sum ${path}; ls -A /etc/haproxy`)).toBe(before);
      expect(before).toContain("haproxy.cfg.pgsty-prev");
      expect(before).not.toMatch(/\.pgsty\./);
    });

    it("dir and link: created once, a link never replaces a real directory", async () => {
      const dir = "/srv/pgsty-d";
      expect((await converge(t("dir", dir, { path: dir, owner: "postgres", group: "postgres", mode: "2750" }))).action).toBe("create");
      expect(await side(`stat -c '%U:%G %a' ${dir}`)).toBe("postgres:postgres 2750\n");
      expect((await converge(t("dir", dir, { path: dir, owner: "postgres", group: "postgres", mode: "0700" }))).fields).toEqual([{ field: "mode", before: "2750", after: "0700" }]);
      expect(await side(`stat -c '%a' ${dir}`)).toBe("700\n");

      expect((await converge(t("link", "/srv/pgsty-l", { path: "/srv/pgsty-l", target: dir }))).action).toBe("create");
      expect((await converge(t("link", "/srv/pgsty-l", { path: "/srv/pgsty-l", target: "/srv/elsewhere" }))).action).toBe("update");
      expect(await side("readlink /srv/pgsty-l")).toBe("/srv/elsewhere\n");

      await side("mkdir -p /srv/pgsty-real && echo keep > /srv/pgsty-real/data");
      const task = t("link", "/srv/pgsty-real", { path: "/srv/pgsty-real", target: dir });
      const d = await plan(task);
      expect(d).toMatchObject({ action: "unknown", reason: "/srv/pgsty-real is a directory, not a symbolic link: pgsty does not replace it (move it away first)" });
      await expect(HOST_OPS.get("link")!.apply(ctx(), task, d)).rejects.toThrow(/\/srv\/pgsty-real is a directory/);
      // even handed a (stale) create, the guard on the host refuses it
      await expect(HOST_OPS.get("link")!.apply(ctx(), task, { action: "create", effect: "none" })).rejects.toThrow(/\/srv\/pgsty-real exists and is not a symbolic link: not replaced/);
      expect(await side("cat /srv/pgsty-real/data")).toBe("keep\n");
    });

    it("os.user: a new user is created; an existing one with another uid is left alone", async () => {
      const d = await converge(t("os.user", "pgsty-u1", { name: "pgsty-u1", uid: 2345, group: "pgsty-u1", home: "/home/pgsty-u1", shell: "/bin/bash" }));
      expect(d.action).toBe("create");
      expect(await side("getent passwd pgsty-u1; getent group pgsty-u1; stat -c '%U %a' /home/pgsty-u1")).toBe(
        "pgsty-u1:x:2345:2345::/home/pgsty-u1:/bin/bash\npgsty-u1:x:2345:\npgsty-u1 755\n",
      );
      const pw = await side("getent passwd postgres");
      const [, , uid = "", , , home = "", shell = ""] = pw.trim().split(":");
      const other = t("os.user", "postgres", { name: "postgres", uid: Number(uid) + 1000, group: "postgres", home, shell });
      const u = await plan(other);
      expect(u.action).toBe("noop");
      expect(u.reason).toMatch(new RegExp(`^exists with uid ${uid} \\(wanted ${Number(uid) + 1000}\\): adopted as it is`));
      await HOST_OPS.get("os.user")!.apply(ctx(), other, u);
      expect(await side("getent passwd postgres")).toBe(pw);
    });

    it("pkg.installed: installed packages are a noop; Debian's 15/main is disabled, its data kept", async () => {
      expect(await plan(t("pkg.installed", "packages", { names: ["haproxy", "tini"] }))).toEqual({ action: "noop", effect: "none" });
      // the host as Debian's package leaves it, whatever pgsty did on the machine it overlays
      await side("printf 'auto\\n' > /etc/postgresql/15/main/start.conf && chown postgres:postgres /etc/postgresql/15/main/start.conf");
      const d = await converge(t("pkg.installed", "packages", { names: ["haproxy", "postgresql-15"] }));
      expect(d).toMatchObject({ action: "update", fields: [{ field: "cluster 15/main", after: "stopped, start.conf manual" }] });
      expect(await side("cat /etc/postgresql/15/main/start.conf; stat -c '%U' /etc/postgresql/15/main/start.conf")).toBe(`${START_CONF}postgres\n`);
      expect(await side("test -f /var/lib/postgresql/15/main/PG_VERSION && echo kept")).toBe("kept\n");
    });

    if (init === "tini") {
      it("service.running: the direct driver runs etcd and pgbouncer as their users, by pidfile", async () => {
        await side(`set -e; mkdir -p /etc/etcd
cat > /etc/etcd/etcd.conf.yml <<'EOF'
name: t1
data-dir: /var/lib/etcd/t1
listen-client-urls: http://127.0.0.1:12379
advertise-client-urls: http://127.0.0.1:12379
listen-peer-urls: http://127.0.0.1:12380
initial-advertise-peer-urls: http://127.0.0.1:12380
initial-cluster: t1=http://127.0.0.1:12380
EOF
cat > /etc/pgbouncer/pgbouncer.ini <<'EOF'
[databases]
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = 16432
unix_socket_dir =
pidfile = /var/run/postgresql/pgbouncer.pid
logfile = /tmp/pgbouncer-test.log
auth_type = trust
auth_file = /etc/pgbouncer/userlist.txt
EOF
touch /etc/pgbouncer/userlist.txt`);
        const os = (await cache.refresh([{ fact: "os", key: "os" }])).get<OsFact>("os", "os")!;
        const owner = async (pidfile: string) => (await side(`ps -o user= -p "$(cat ${pidfile})"`)).trim();
        for (const unit of ["etcd", "pgbouncer"]) expect((await converge(t("service.running", unit, { unit, enabled: true }))).action).toBe("create");
        expect(await owner("/run/etcd.pid")).toBe("etcd");
        expect(await owner("/var/run/postgresql/pgbouncer.pid")).toBe("postgres");
        const pgb = await side("cat /var/run/postgresql/pgbouncer.pid");
        await reloadService(conn, "pgbouncer", os);
        expect(await side("cat /var/run/postgresql/pgbouncer.pid")).toBe(pgb);
        const etcd = await side("cat /run/etcd.pid");
        await reloadService(conn, "etcd", os); // no reload: a restart
        expect(await side("cat /run/etcd.pid")).not.toBe(etcd);
        expect(await plan(t("service.running", "etcd", { unit: "etcd" }))).toEqual({ action: "noop", effect: "none" });
      }, 60_000);

      it("pkg.installed: a failed install restores policy-rc.d exactly", async () => {
        const before = await side("sha256sum /usr/sbin/policy-rc.d; stat -c '%a %U' /usr/sbin/policy-rc.d");
        const task = t("pkg.installed", "packages", { names: ["pgsty-no-such-package"] });
        const d = await plan(task);
        expect(d).toMatchObject({ action: "create", fields: [{ field: "install", after: ["pgsty-no-such-package"] }] });
        await expect(HOST_OPS.get("pkg.installed")!.apply(ctx(), task, d)).rejects.toThrow(/Unable to locate package pgsty-no-such-package/);
        expect(await side("sha256sum /usr/sbin/policy-rc.d; stat -c '%a %U' /usr/sbin/policy-rc.d")).toBe(before);
        expect(await side("ls /usr/sbin | grep -c pgsty || true")).toBe("0\n");
      }, 120_000);
    }

    it("service.running: haproxy started once; again changes nothing, same PID; reload and restart", async () => {
      const pid = async (): Promise<string> =>
        (await side(init === "systemd" ? "systemctl show -p MainPID --value haproxy" : "cat /run/haproxy.pid")).trim();
      const listening = async (port: number): Promise<boolean> => (await side(`ss -Hltn 'sport = :${port}'`)).trim() !== "";
      const task = t("service.running", "haproxy", { unit: "haproxy", enabled: true });
      const d = await converge(task);
      expect(d.action).toBe("create");
      const first = await pid();
      expect(Number(first)).toBeGreaterThan(1);
      expect(await listening(15432)).toBe(true);
      if (init === "systemd") expect(await side("systemctl is-enabled haproxy")).toBe("enabled\n");
      // a second apply (even handed a stale "create") changes nothing
      await HOST_OPS.get("service.running")!.apply(ctx(), task, d);
      expect(await plan(task)).toEqual({ action: "noop", effect: "none" });
      expect(await pid()).toBe(first);

      const os = (await cache.refresh([{ fact: "os", key: "os" }])).get<OsFact>("os", "os")!;
      if (init === "tini") {
        // the direct driver's reload loads a service file added to the service directory
        await side(`mkdir -p /etc/haproxy/conf.d && printf 'listen extra\\n    bind 127.0.0.1:15433\\n    server s1 127.0.0.1:1\\n' > /etc/haproxy/conf.d/extra.cfg`);
        await reloadService(conn, "haproxy", os);
        for (let i = 0; i < 30 && !(await listening(15433)); i++) await new Promise((ok) => setTimeout(ok, 100));
        expect(await listening(15433)).toBe(true);
        await side("rm /etc/haproxy/conf.d/extra.cfg");
      } else {
        await reloadService(conn, "haproxy", os);
        expect(await pid()).toBe(first); // systemd's haproxy reloads in place (master-worker)
      }
      await restartService(conn, "haproxy", os);
      expect(await pid()).not.toBe(first);
      expect(await plan(task)).toEqual({ action: "noop", effect: "none" });
      expect(await listening(15432)).toBe(true);
      if (init === "tini") expect(await listening(15433)).toBe(false);
    }, 60_000);
  });
}

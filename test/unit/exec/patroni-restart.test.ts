// The `restart` handler of service `patroni` with a fake connector: the exact sequence of
// commands for a replica, for the leader (switchover, then restart), for a single-member
// cluster, and nothing restarted without a pending restart; cluster-wide triggers; and the
// REST API commands themselves (bash /dev/tcp) against a local HTTP server.
import { execFile } from "node:child_process";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Command } from "../../../src/exec/command.js";
import { runHandler, Triggers, type Handler, type HostFacts } from "../../../src/exec/handlers.js";
import { leadingNow, switchoverCandidates } from "../../../src/exec/patroni-restart.js";
import type { FactSet } from "../../../src/facts/fact.js";
import { pendingRestartCommand, restGetCommand, waitRoleCommand, type ClusterMember } from "../../../src/ops/patroni-ctl.js";
import { DEBIAN, DEBIAN_NO_SYSTEMD, factSet, FakeConnector, task, type Reply } from "../ops/fake.js";

const api = (ip: string) => `http://${ip}:8008/patroni`;
const member = (n: number, role: string, extra: Partial<ClusterMember> = {}): ClusterMember => ({ name: `pg-a-${n}`, role, state: "streaming", api_url: api(`10.0.0.${n}`), lag: 0, ...extra });
const status = (role: string, pending: boolean) => JSON.stringify({ state: "running", role, ...(pending ? { pending_restart: true } : {}), patroni: { version: "3.0.2", scope: "pg-a" } });

/** What each command of the handler is, in one line. */
function summary(display: string): string {
  if (display.includes("systemctl reload patroni")) return "reload (systemd)";
  if (display.includes("--signal HUP")) return "reload (HUP)";
  let m = /restart (\S+) (\S+) --force/.exec(display);
  if (m) return `patronictl restart ${m[1]} ${m[2]}`;
  m = /switchover (\S+) --leader (\S+) --candidate (\S+) --force/.exec(display);
  if (m) return `patronictl switchover ${m[1]} ${m[2]} → ${m[3]}`;
  m = /pgsty_get (\S+) (\d+) \/patroni\)[^]*case "\$flat" in \*'"state":"running"'\*\) case "\$flat" in (.*)\) exit/.exec(display);
  if (m) return `wait ${m[1]}:${m[2]} ${m[3]!.replaceAll(/\*'"role":"([a-z_]+)"'\*/g, "$1")}`;
  // a /patroni read: waiting for a pending restart, or once (GET /patroni)
  m = /pgsty_get (\S+) (\d+) \/patroni(?:\)| \|\|)/.exec(display);
  if (m) return `pending? ${m[1]}:${m[2]}`;
  m = /pgsty_get (\S+) (\d+) \/cluster/.exec(display);
  if (m) return `cluster ${m[1]}:${m[2]}`;
  return display;
}

/**
 * A fake cluster seen from one host: `statuses` answers the /patroni reads in turn, `members`
 * (one list, or several answered in turn) the /cluster reads; the last answer repeats.
 */
function host(statuses: string[], members: ClusterMember[] | ClusterMember[][], fail: (cmd: Command) => Reply | undefined = () => undefined) {
  const lists = Array.isArray(members[0]) ? (members as ClusterMember[][]) : [members as ClusterMember[]];
  let i = 0, j = 0;
  return new FakeConnector((cmd) => {
    const f = fail(cmd);
    if (f) return f;
    const s = summary(cmd.display);
    if (s.startsWith("pending?")) return { stdout: statuses[Math.min(i++, statuses.length - 1)]! };
    if (s.startsWith("cluster")) return { stdout: JSON.stringify({ members: lists[Math.min(j++, lists.length - 1)] }) };
    return {};
  });
}

function hostFacts(os: unknown = DEBIAN, active = true): HostFacts {
  const set: FactSet = factSet({ os: { os }, service: { patroni: { manager: "systemd", active, enabled: true, state: active ? "active" : "inactive" } } });
  return { gather: () => Promise.resolve(set), refresh: () => Promise.resolve(set), invalidate: () => {}, roundTrips: 0 };
}

const handler = (ip: string): Handler => ({ service: "patroni", action: "restart", triggers: ["x"], keys: ["/etc/patroni/patroni.yml"], user: "postgres", rest: `${ip}:8008` });
const run = async (conn: FakeConnector, ip: string, os: unknown = DEBIAN) => {
  const out = await runHandler({ connector: conn, facts: hostFacts(os) }, handler(ip));
  return { out, log: conn.log.map(summary) };
};

describe("patroni restart handler: restart PostgreSQL through Patroni", () => {
  const cluster = [member(1, "leader"), member(2, "replica"), member(3, "replica")];

  it("a replica: reload, pending restart, patronictl restart, wait until it runs again", async () => {
    const { out, log } = await run(host([status("replica", true)], cluster), "10.0.0.2");
    expect(out).toEqual({ ran: true });
    expect(log).toEqual(["reload (systemd)", "pending? 10.0.0.2:8008", "cluster 10.0.0.2:8008", "patronictl restart pg-a pg-a-2", "wait 10.0.0.2:8008 replica|standby_leader"]);
  });

  it("the leader: switchover to a replica, wait for both roles, then restart it if still pending", async () => {
    const statuses = [status("master", true), status("replica", false), status("replica", false), status("replica", true)];
    const { out, log } = await run(host(statuses, cluster), "10.0.0.1");
    expect(out).toEqual({ ran: true, reason: "switched over from pg-a-1 to pg-a-2, then restarted" });
    expect(log).toEqual([
      "reload (systemd)", "pending? 10.0.0.1:8008", "cluster 10.0.0.1:8008",
      // the replicas, asked live, took the change: nothing lowered
      "pending? 10.0.0.2:8008", "pending? 10.0.0.3:8008",
      "patronictl switchover pg-a pg-a-1 → pg-a-2",
      "wait 10.0.0.2:8008 master|primary",
      "wait 10.0.0.1:8008 replica",
      "pending? 10.0.0.1:8008",
      "patronictl restart pg-a pg-a-1",
      "wait 10.0.0.1:8008 replica",
    ]);
  });

  it("a lowered value (a restarted replica still pending): the new leader reloads and restarts in place, then the replicas again", async () => {
    const after = [member(1, "replica"), member(2, "leader"), member(3, "replica")];
    const statuses = [
      status("master", true), // pg-a-1 before
      status("replica", true), // pg-a-2, restarted before its leader, still pending: Patroni kept the larger value
      status("replica", true), // pg-a-1 after its demotion: restarted again below
      status("master", true), // pg-a-2, the new leader, after its reload
      status("replica", true), // pg-a-1: pending
      status("replica", true), // pg-a-1 restarted once, before it replayed the new values: again
      status("replica", false), // pg-a-1: done
      status("replica", true), // pg-a-3: pending
      status("replica", false), // pg-a-3 restarted: done
    ];
    const conn = host(statuses, [cluster, after]);
    const { out, log } = await run(conn, "10.0.0.1");
    expect(out).toEqual({
      ran: true,
      reason: "switched over from pg-a-1 to pg-a-2, then restarted; a lowered value needs the primary first: pg-a-2 restarted in place (writes paused meanwhile), then pg-a-1, pg-a-3",
    });
    expect(log.slice(3)).toEqual([
      "pending? 10.0.0.2:8008",
      "patronictl switchover pg-a pg-a-1 → pg-a-2", "wait 10.0.0.2:8008 master|primary", "wait 10.0.0.1:8008 replica",
      "pending? 10.0.0.1:8008", "patronictl restart pg-a pg-a-1", "wait 10.0.0.1:8008 replica",
      "cluster 10.0.0.2:8008", expect.stringContaining("reload pg-a pg-a-2 --force"), "pending? 10.0.0.2:8008",
      "patronictl restart pg-a pg-a-2", "wait 10.0.0.2:8008 master|primary",
      "pending? 10.0.0.1:8008", "patronictl restart pg-a pg-a-1", "wait 10.0.0.1:8008 replica|standby_leader",
      "pending? 10.0.0.1:8008", "patronictl restart pg-a pg-a-1", "wait 10.0.0.1:8008 replica|standby_leader",
      "pending? 10.0.0.1:8008",
      "pending? 10.0.0.3:8008", "patronictl restart pg-a pg-a-3", "wait 10.0.0.3:8008 replica|standby_leader",
      "pending? 10.0.0.3:8008",
    ]);
    // the new leader's pending restart shows after its reload: waited for
    expect(conn.commands.find((c) => c.display.includes("pgsty_get 10.0.0.2 8008 /patroni)") && c.text.includes("SECONDS + 20"))).toBeDefined();
  });

  it("a replica that never takes the lowered value fails the handler after three restarts", async () => {
    const after = [member(1, "replica"), member(2, "leader"), member(3, "replica")];
    const conn = host([status("master", true), status("replica", true), status("replica", false), status("master", true), status("replica", false), status("replica", true)], [cluster, after]);
    await expect(runHandler({ connector: conn, facts: hostFacts() }, handler("10.0.0.1"))).rejects.toThrow(/pg-a-3 still has a restart pending after 3 restarts following its leader pg-a-2's/);
  }, 20_000);

  it("the leader whose demotion already applied the change is not restarted again", async () => {
    const { out, log } = await run(host([status("master", true), status("replica", false)], cluster), "10.0.0.1");
    expect(out).toEqual({ ran: true, reason: "switched over from pg-a-1 to pg-a-2 (the demotion restarted it)" });
    expect(log.filter((l) => l.startsWith("patronictl"))).toEqual(["patronictl switchover pg-a pg-a-1 → pg-a-2"]);
  });

  it("who leads is read live: an inventory replica that leads now is switched over", async () => {
    const live = [member(1, "replica"), member(2, "leader"), member(3, "replica", { pending_restart: true })];
    const { log } = await run(host([status("master", true), status("replica", false)], live), "10.0.0.2");
    // the candidate already restarted (no pending restart) is preferred
    expect(log).toContain("patronictl switchover pg-a pg-a-2 → pg-a-1");
  });

  it("a single-member cluster restarts in place and says so", async () => {
    const { out, log } = await run(host([status("master", true)], [member(1, "leader")]), "10.0.0.1", DEBIAN_NO_SYSTEMD);
    expect(out).toEqual({ ran: true, reason: "pg-a-1 is the only member of pg-a: restarted in place, PostgreSQL was down meanwhile" });
    expect(log).toEqual(["reload (HUP)", "pending? 10.0.0.1:8008", "cluster 10.0.0.1:8008", "patronictl restart pg-a pg-a-1", "wait 10.0.0.1:8008 master|primary|standby_leader"]);
  });

  it("no pending restart: nothing is restarted", async () => {
    const { out, log } = await run(host([status("master", false)], cluster), "10.0.0.1");
    expect(out).toEqual({ ran: false, reason: "PostgreSQL has no pending restart: the change took effect with the reload" });
    expect(log).toEqual(["reload (systemd)", "pending? 10.0.0.1:8008"]);
  });

  it("Patroni not running: nothing at all (its launch step starts it)", async () => {
    const conn = host([], cluster);
    const out = await runHandler({ connector: conn, facts: hostFacts(DEBIAN, false) }, handler("10.0.0.1"));
    expect(out.ran).toBe(false);
    expect(conn.log).toEqual([]);
  });

  it("a leader without a healthy replica is not restarted: a clear error", async () => {
    const sick = [member(1, "leader"), member(2, "replica", { state: "stopped" }), member(3, "replica", { tags: { nofailover: true } })];
    await expect(run(host([status("master", true)], sick), "10.0.0.1")).rejects.toThrow(/cannot restart leader pg-a-1 of pg-a without downtime: no healthy replica to switch over to \(pg-a-1 leader streaming, pg-a-2 replica stopped, pg-a-3 replica streaming\)/);
  });

  it("a failed patronictl restart fails the handler (with its message)", async () => {
    const conn = host([status("replica", true)], cluster, (cmd) => (summary(cmd.display).startsWith("patronictl restart") ? { code: 1, stderr: "patronictl restart of pg-a-2 failed" } : undefined));
    await expect(run(conn, "10.0.0.2")).rejects.toThrow(/patronictl restart of pg-a-2 failed/);
  });

  it("no REST API address: a clear error, nothing run but the facts", async () => {
    const conn = host([], cluster);
    const { rest: _, ...h } = handler("10.0.0.1");
    await expect(runHandler({ connector: conn, facts: hostFacts() }, h)).rejects.toThrow(/names no REST API address/);
    expect(conn.log).toEqual([]);
  });

  it("no argv carries a secret: patronictl reads the credentials from patroni.yml", async () => {
    const conn = host([status("master", true), status("replica", false), status("replica", false), status("replica", true)], cluster);
    await run(conn, "10.0.0.1");
    for (const c of conn.commands.filter((x) => x.display.includes("patronictl"))) expect(c.text).toMatch(/^out=\$\(patronictl -c \/etc\/patroni\/patroni\.yml (restart|switchover) pg-a /);
  });

  it("who leads now, asked of each member: an unanswered or failed read leaves it out", async () => {
    const answer = (r: Reply) => new FakeConnector(() => r);
    const leading = await leadingNow([
      { conn: answer({ stdout: status("replica", false) }), rest: "10.0.0.1:8008" },
      { conn: answer({ stdout: status("master", false) }), rest: "10.0.0.2:8008" },
      { conn: answer({ stdout: status("standby_leader", false) }), rest: "10.0.0.3:8008" },
      { conn: answer({ code: 1, stderr: "no answer" }), rest: "10.0.0.4:8008" },
      { conn: answer({ stdout: "not json" }), rest: "10.0.0.5:8008" },
    ]);
    expect([...leading].sort()).toEqual(["10.0.0.2:8008", "10.0.0.3:8008"]);
  });

  it("candidates: healthy, failover allowed, synchronous first, then already restarted, then least lag", () => {
    const ms = [
      member(1, "leader"), member(2, "replica", { lag: 5 }), member(3, "replica", { lag: 1, pending_restart: true }),
      member(4, "sync_standby", { pending_restart: true }), member(5, "replica", { state: "starting" }), member(6, "replica", { lag: 9 }),
    ];
    expect(switchoverCandidates(ms, "pg-a-1").map((m) => m.name)).toEqual(["pg-a-4", "pg-a-2", "pg-a-6", "pg-a-3"]);
  });
});

describe("triggers of Patroni's DCS configuration", () => {
  it("a patroni.config change triggers a cluster-wide patroni restart", () => {
    const t = new Triggers();
    t.add(task("patroni.config", "pg-a", {}), "10.0.0.1/pgsql.config/patroni.config[pg-a]", "restart");
    expect(t.handlers(() => ({ user: "postgres", rest: "10.0.0.1:8008" }))).toEqual([
      { service: "patroni", action: "restart", triggers: ["10.0.0.1/pgsql.config/patroni.config[pg-a]"], keys: ["pg-a"], user: "postgres", rest: "10.0.0.1:8008", clusterWide: true },
    ]);
  });
  it("a file of service patroni is the host's own", () => {
    const t = new Triggers();
    t.add(task("file", "/etc/patroni/patroni.yml", {}, { service: "patroni" }), "a", "restart");
    expect(t.handlers(() => ({}))[0]).not.toHaveProperty("clusterWide");
  });
});

describe("the REST API commands (bash /dev/tcp) against a local HTTP server", () => {
  let server: Server;
  let address = "";
  let pending = false;
  beforeAll(async () => {
    server = createServer((req, res) => {
      res.setHeader("Content-Type", "application/json");
      if (req.url === "/patroni") res.end(status("replica", pending));
      else if (req.url === "/cluster") res.end(JSON.stringify({ members: [member(1, "leader")] }));
      else res.writeHead(503).end("{}");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    address = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const bash = (cmd: Command) => new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile("bash", ["-c", cmd.text], (err, stdout, stderr) => resolve({ code: err ? Number((err as { code?: unknown }).code ?? 1) : 0, stdout, stderr }));
  });

  it("GET /cluster prints the body", async () => {
    const r = await bash(restGetCommand(address, "/cluster"));
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ members: [member(1, "leader")] });
  });
  it("pending restart: answers at once when pending, after the settle time when not", async () => {
    pending = true;
    let t0 = Date.now();
    let r = await bash(pendingRestartCommand(address, 5));
    expect(JSON.parse(r.stdout)).toMatchObject({ pending_restart: true });
    expect(Date.now() - t0).toBeLessThan(3000);
    pending = false;
    t0 = Date.now();
    r = await bash(pendingRestartCommand(address, 1));
    expect(JSON.parse(r.stdout)).not.toHaveProperty("pending_restart");
    // bash's SECONDS counts whole seconds: a 1 s deadline may come a little early
    expect(Date.now() - t0).toBeGreaterThanOrEqual(400);
  });
  it("waits for a role: succeeds on the right one, fails with the last answer on a wrong one", async () => {
    expect((await bash(waitRoleCommand(address, ["replica"], 5, "x"))).code).toBe(0);
    const r = await bash(waitRoleCommand(address, ["master", "primary"], 1, "pg-a-1 leading"));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/pg-a-1 leading: not so after 1s; http:\/\/127\.0\.0\.1:\d+\/patroni answered: \{"state":"running","role":"replica"/);
  });
  it("no server: a clear error", async () => {
    const r = await bash(restGetCommand("127.0.0.1:1", "/cluster"));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("no answer 200 from http://127.0.0.1:1/cluster");
  });
});

/**
 * Host facts against real hosts: this machine (`local`), a tini and a systemd test-bed host (ssh).
 * Each gather must cost exactly one exec. The host's state is set up and observed through a side
 * channel that does not use the connector (child_process here, nsenter into test hosts).
 * PGSTY_RECORD_FACTS=1 also writes each fragment's raw output to test/fixtures/facts/<target>/.
 */
import { spawnSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { quote } from "../../src/exec/command.js";
import { openConnector, type Connector, type ExecResult } from "../../src/exec/connector.js";
import { LocalConnector } from "../../src/exec/local.js";
import type { Fact, FactRequest } from "../../src/facts/fact.js";
import { FactCache, factScript, gatherFacts, newNonce, splitFactOutput, type GatheredFacts } from "../../src/facts/gather.js";
import { HOST_FACTS, type FileContentFact, type FileFact, type OsFact, type PkgFact, type ServiceFact, type UserFact } from "../../src/facts/index.js";
import type { FsFact } from "../../src/facts/fs.js";
import { startTestbed, TESTBED_START_TIMEOUT_MS, testbedSkipReason, type Testbed } from "./testbed/testbed.js";
import { patroniUp, PATRONI_UP_TIMEOUT_MS } from "./facts-patroni.js";

type Side = (cmd: string) => Promise<{ code: number; stdout: string; stderr: string }>;

interface Target {
  readonly name: "local" | "tini" | "systemd";
  conn(): Connector;
  readonly side: Side;
  /** A scratch directory on the host (created by the setup). */
  readonly dir: string;
  readonly manager: "systemd" | "pidfile";
  /** Units running / stopped / unknown to the host after `prepare`. */
  readonly running: readonly string[];
  readonly stopped: readonly string[];
  readonly unknown: readonly string[];
  /** Starts the running units (side channel). */
  prepare(): Promise<void>;
}

const ODD = ["with space", `quo'te"d`, "new\nline", "$(echo pwned)*?[x]", "-dash", "tab\there", "ünïcødé.conf", "back\\slash", "evil\n@find\n", "@find", "\n@@pgsty-0123456789abcdef end file 0@@\n"];
const BINARY = Buffer.from([0xff, 0xfe, 0x00, 0x80, 0x70, 0x67, 0x0a]);
const MARKER_TEXT = "\n@@pgsty-0123456789abcdef0123456789abcdef end file.content 0@@\n";
const sha = (b: string | Buffer) => createHash("sha256").update(b).digest("hex");

function setupScript(dir: string): string {
  const octal = [...BINARY].map((b) => `\\${b.toString(8).padStart(3, "0")}`).join("");
  return [
    `rm -rf ${quote(dir)}; mkdir -p ${quote(dir)} && cd ${quote(dir)} || exit 1`,
    ...ODD.map((n) => `printf '%s\\n' ${quote(n)} > ./${quote(n)}`),
    `printf '${octal}' > binary.bin`,
    `printf '%s' ${quote(MARKER_TEXT)} > marker.txt`,
    "chmod 0640 -- './with space'",
    "ln -s 'with space' link",
    "install -d -m 2750 -o postgres -g postgres 'sub dir'",
  ].join("\n");
}

/** Every host fact, for the keys the suite knows about. */
function requests(t: Target): FactRequest[] {
  const f = (fact: string, keys: readonly string[]) => keys.map((key) => ({ fact, key }));
  const d = (n: string) => `${t.dir}/${n}`;
  return [
    ...f("os", ["os"]),
    ...f("fs", [d("missing/deeper"), "/"]),
    ...f("file", [...ODD, "binary.bin", "link", "sub dir", "missing"].map(d)),
    ...f("file.content", ["binary.bin", "marker.txt", "ünïcødé.conf", "missing", "sub dir"].map(d)),
    ...f("pkg", ["bash", "postgresql-15", "pgsty-no-such-package"]),
    ...f("user", ["postgres", "root", "pgsty-no-such-user"]),
    ...f("service", [...t.running, ...t.stopped, ...t.unknown]),
    ...f("patroni", ["127.0.0.1:9"]),
  ];
}

/** Gathers through a connector that counts its execs; records the raw sections when asked. */
async function gather(conn: Connector, reqs: FactRequest[], record?: string, registry = HOST_FACTS): Promise<{ facts: GatheredFacts; execs: number; trips: number }> {
  let execs = 0;
  let last: ExecResult | undefined;
  const counting: Connector = {
    host: conn.host,
    exec: async (cmd, o) => ((execs += 1), (last = await conn.exec(cmd, o))),
    put: (p, c, o) => conn.put(p, c, o),
    close: () => conn.close(),
  };
  const nonce = newNonce();
  let trips = 0;
  const facts = await gatherFacts(counting, reqs, registry, { nonce, onRoundTrip: () => (trips += 1) });
  if (record && process.env["PGSTY_RECORD_FACTS"] && last) {
    const dir = new URL(`../fixtures/facts/${record}/`, import.meta.url).pathname;
    mkdirSync(dir, { recursive: true });
    const sections = splitFactOutput(last.stdout, last.stderr, nonce);
    for (const { fact, keys } of factScript(reqs, registry, nonce).groups) {
      const s = sections.get(fact);
      writeFileSync(`${dir}${fact}.json`, `${JSON.stringify({ keys, stdout: s?.stdout, status: s?.status }, null, 1)}\n`);
    }
  }
  return { facts, execs, trips };
}

function suite(t: Target): void {
  beforeAll(async () => {
    const r = await t.side(setupScript(t.dir));
    expect(r.stderr).toBe("");
    await t.prepare();
  });

  it("gathers every host fact in one exec", async () => {
    const { facts, execs, trips } = await gather(t.conn(), requests(t), t.name);
    expect({ execs, trips }).toEqual({ execs: 1, trips: 1 });
    for (const fact of HOST_FACTS.keys()) expect(facts.failed(fact), fact).toBeUndefined();
    const d = (n: string) => `${t.dir}/${n}`;

    const os = facts.get<OsFact>("os", "os");
    expect(os).toMatchObject({ id: "debian", family: "debian", versionId: "12", codename: "bookworm" });
    expect(os?.serviceManager).toBe(t.manager === "systemd" ? "systemd" : "none");
    expect(os?.cpu).toBeGreaterThan(0);
    expect(os?.memMb).toBeGreaterThan(100);
    expect(os?.hostname).toBe((await t.side("uname -n")).stdout.trim());

    expect(facts.get<FsFact>("fs", d("missing/deeper"))?.path).toBe(t.dir);
    expect(facts.get<FsFact>("fs", "/")?.sizeBytes).toBeGreaterThan(0);

    for (const n of ODD) {
      expect(facts.get<FileFact>("file", d(n)), JSON.stringify(n)).toEqual({
        type: "file", mode: n === "with space" ? "0640" : "0644", owner: "root", group: "root",
        size: Buffer.byteLength(`${n}\n`), sha256: sha(`${n}\n`),
      });
    }
    expect(facts.get<FileFact>("file", d("binary.bin"))?.sha256).toBe(sha(BINARY));
    expect(facts.get<FileFact>("file", d("link"))).toMatchObject({ type: "link", linkTarget: "with space" });
    expect(facts.get<FileFact>("file", d("sub dir"))).toMatchObject({ type: "dir", mode: "2750", owner: "postgres", group: "postgres" });
    expect(facts.has("file", d("missing"))).toBe(false);

    const bin = facts.get<FileContentFact>("file.content", d("binary.bin"));
    expect(Buffer.from(bin?.bytes ?? []).equals(BINARY)).toBe(true);
    expect(bin?.text).toBeUndefined();
    expect(facts.get<FileContentFact>("file.content", d("marker.txt"))?.text).toBe(MARKER_TEXT);
    expect(facts.get<FileContentFact>("file.content", d("ünïcødé.conf"))?.text).toBe("ünïcødé.conf\n");
    expect(facts.has("file.content", d("missing")) || facts.has("file.content", d("sub dir"))).toBe(false);

    const bashVersion = (await t.side("dpkg-query -W -f '${Version}' bash")).stdout;
    expect(facts.get<PkgFact>("pkg", "bash")).toEqual({ version: bashVersion, status: "installed", arch: "amd64", manager: "dpkg" });
    expect(facts.get<PkgFact>("pkg", "postgresql-15")?.status).toBe("installed");
    expect(facts.has("pkg", "pgsty-no-such-package")).toBe(false);

    const uid = Number((await t.side("id -u postgres")).stdout);
    expect(facts.get<UserFact>("user", "postgres")).toMatchObject({ uid, group: "postgres", home: "/var/lib/postgresql", shell: "/bin/bash" });
    expect(facts.get<UserFact>("user", "root")).toMatchObject({ uid: 0, gid: 0, group: "root", home: "/root" });
    expect(facts.has("user", "pgsty-no-such-user")).toBe(false);

    for (const u of t.running) {
      const s = facts.get<ServiceFact>("service", u);
      expect(s, u).toMatchObject({ manager: t.manager, active: true });
      const pid = (await t.side(`kill -0 ${s?.pid ?? 0} && echo alive`)).stdout;
      expect(pid, `${u} pid ${s?.pid}`).toBe("alive\n");
    }
    for (const u of t.stopped) expect(facts.get<ServiceFact>("service", u), u).toMatchObject({ manager: t.manager, active: false });
    for (const u of t.unknown) expect(facts.has("service", u), u).toBe(false);
    if (t.manager === "systemd") {
      expect(facts.get<ServiceFact>("service", "ssh")?.enabled).toBe(true);
      expect(facts.get<ServiceFact>("service", "pgbouncer")?.enabled).toBe(false);
    }

    expect(facts.has("patroni", "127.0.0.1:9")).toBe(false);
  });

  it("caches per host: a second round trip only for what is missing, none when all is cached", async () => {
    const cache = new FactCache(t.conn(), HOST_FACTS);
    const first: FactRequest[] = [{ fact: "file", key: `${t.dir}/marker.txt` }, { fact: "pkg", key: "bash" }];
    const content: FactRequest = { fact: "file.content", key: `${t.dir}/marker.txt` };
    expect((await cache.gather(first)).roundTrips).toBe(1);
    const second = await cache.gather([...first, content]);
    expect(second.roundTrips).toBe(1);
    expect(second.get<FileContentFact>("file.content", content.key)?.text).toBe(MARKER_TEXT);
    expect((await cache.gather([...first, content])).roundTrips).toBe(0);
    await t.side(`printf changed > ${quote(`${t.dir}/marker.txt`)}`);
    const stale = await cache.gather([content]);
    expect(stale.get<FileContentFact>("file.content", content.key)?.text).toBe(MARKER_TEXT);
    const fresh = await cache.refresh([first[0] as FactRequest, content]);
    expect(fresh.roundTrips).toBe(1);
    expect(fresh.get<FileFact>("file", content.key)?.sha256).toBe(sha("changed"));
    expect(fresh.get<FileContentFact>("file.content", content.key)?.text).toBe("changed");
    expect(cache.roundTrips).toBe(3);
  });

  it("a failing fragment fails only its fact, in the same single exec", async () => {
    const broken: Fact<string> = { name: "broken", script: () => "echo partial; echo oops >&2; exit 3", parse: () => new Map() };
    const unparsable: Fact<string> = { name: "unparsable", script: () => "echo garbage", parse: () => { throw new Error("bad line"); } };
    const registry = new Map<string, Fact<unknown>>([...HOST_FACTS, ["broken", broken], ["unparsable", unparsable]]);
    const reqs = [{ fact: "broken", key: "x" }, { fact: "unparsable", key: "x" }, { fact: "pkg", key: "bash" }, { fact: "user", key: "root" }];
    const { facts, execs } = await gather(t.conn(), reqs, undefined, registry);
    expect(execs).toBe(1);
    expect(facts.failed("broken")).toBe("exited 3: oops");
    expect(facts.failed("unparsable")).toBe("cannot parse the output: bad line");
    expect(facts.get<PkgFact>("pkg", "bash")?.status).toBe("installed");
    expect(facts.get<UserFact>("user", "root")?.uid).toBe(0);
  });
}

const token = randomBytes(4).toString("hex");

describe("host facts: local", () => {
  const dir = `/tmp/pgsty-facts-${token}`;
  const live = `pgsty-facttest-live-${token}`;
  const stale = `pgsty-facttest-stale-${token}`;
  const conn = new LocalConnector();
  const side: Side = async (cmd) => {
    const r = spawnSync("bash", ["-c", cmd], { encoding: "utf8" });
    return { code: r.status ?? 1, stdout: r.stdout, stderr: r.stderr };
  };
  afterAll(async () => {
    await side(`rm -rf ${quote(dir)} /run/${live}.pid /run/${stale}.pid`);
    await conn.close();
  });
  describe.skipIf(process.getuid?.() !== 0)(`as root${process.getuid?.() === 0 ? "" : " (skipped: needs root)"}`, () => {
    suite({
      name: "local", conn: () => conn, side, dir, manager: "pidfile", running: [live], stopped: [stale], unknown: [],
      // this process stands in for a daemon; a pid that has exited for a stale pidfile
      prepare: async () => void (await side(`echo ${process.pid} > /run/${live}.pid; sh -c 'echo $$' > /run/${stale}.pid`)),
    });
  });
});

const skip = testbedSkipReason();

for (const init of ["tini", "systemd"] as const) {
  describe.skipIf(!!skip)(`host facts: ${init} test host over ssh${skip ? ` (skipped: ${skip})` : ""}`, () => {
    let tb: Testbed | undefined;
    let conn: Connector | undefined;
    beforeAll(async () => {
      tb = await startTestbed({ hosts: 1, init });
      const h = tb.hosts[0];
      if (!h) throw new Error("no host");
      conn = await openConnector(h.name, tb.connection(h));
    }, TESTBED_START_TIMEOUT_MS);
    afterAll(async () => {
      await conn?.close();
      await tb?.stop();
    });
    const side: Side = (cmd) => (tb as Testbed).exec((tb as Testbed).hosts[0] as { name: string; ip: string }, cmd);
    const start = init === "systemd" ? "systemctl start haproxy" : "install -d /run/haproxy && haproxy -D -f /etc/haproxy/haproxy.cfg -p /run/haproxy.pid";
    suite({
      name: init, conn: () => conn as Connector, side, dir: "/tmp/pgsty-facts", manager: init === "systemd" ? "systemd" : "pidfile",
      running: ["haproxy", init === "systemd" ? "ssh" : "sshd"], stopped: ["pgbouncer", "etcd"], unknown: init === "systemd" ? ["pgsty-no-such-unit"] : [],
      prepare: async () => expect((await side(start)).code).toBe(0),
    });
    if (init === "tini") {
      it("reads Patroni's REST API (a one-member cluster on etcd)", async () => {
        const ip = (tb as Testbed).hosts[0]?.ip ?? "";
        await patroniUp(side, ip);
        const { facts, execs } = await gather(conn as Connector, [{ fact: "patroni", key: `${ip}:8008` }, { fact: "service", key: "patroni" }], "tini-patroni");
        expect(execs).toBe(1);
        expect(facts.get("patroni", `${ip}:8008`)).toMatchObject({ state: "running", role: "primary", timeline: 1, pause: false, pendingRestart: false, members: [{ role: "leader", state: "running", host: ip, port: 5432 }] });
        expect(facts.get<ServiceFact>("service", "patroni")).toMatchObject({ manager: "pidfile", active: true });
      }, PATRONI_UP_TIMEOUT_MS + 20_000);
    }
  });
}

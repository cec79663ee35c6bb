/**
 * Connector contract: the same suite against `local` (this machine) and
 * against `ssh` to a real sshd on a test-bed host.  Every observation of the
 * host's state goes through a side channel that does not use the connector
 * under test (child_process here, nsenter into the test host).
 */
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { asUser, secret, sh } from "../../src/exec/command.js";
import { ExecError, execChecked, openConnector, type Connector } from "../../src/exec/connector.js";
import { LocalConnector } from "../../src/exec/local.js";
import { startTestbed, TESTBED_START_TIMEOUT_MS, testbedSkipReason, type Testbed } from "./testbed/testbed.js";

interface SideResult {
  readonly code: number;
  readonly stdout: string;
}

/** What each run of the contract needs. */
interface Target {
  conn(): Connector;
  /** Runs a shell command on the same host, not through the connector. */
  side(cmd: string): Promise<SideResult>;
  /** A scratch directory on the host. */
  dir(): string;
  /** A user (not root) to become, with a group of the same name or `group`. */
  readonly user: string;
  readonly group: string;
  /** Unique per target: processes of both targets are visible from this machine. */
  readonly token: string;
}

async function waitFor(check: () => Promise<boolean>, ms: number): Promise<boolean> {
  const end = performance.now() + ms;
  for (;;) {
    if (await check()) return true;
    if (performance.now() > end) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function rejection(p: Promise<unknown>): Promise<ExecError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(ExecError);
    return e as ExecError;
  }
  throw new Error("expected a rejection");
}

function contract(t: Target): void {
  it("returns exit codes, stdout and stderr", async () => {
    const c = t.conn();
    expect((await c.exec(sh`true`)).code).toBe(0);
    expect((await c.exec(sh`exit 3`)).code).toBe(3);
    const r = await c.exec(sh`echo out; echo err >&2; exit 7`);
    expect(r).toMatchObject({ code: 7, stdout: "out\n", stderr: "err\n" });
    expect(r.durationMs).toBeGreaterThan(0);
    const killed = await c.exec(sh`kill -KILL $$`);
    expect(killed).toMatchObject({ code: 137, signal: "SIGKILL" });
  });

  it("runs bash from /", async () => {
    const r = await t.conn().exec(sh`echo "$BASH_VERSION"; pwd; [[ a == a ]] && echo bash`);
    expect(r.stdout).toMatch(/^5\.\d.*\n\/\nbash\n$/);
  });

  it("round-trips 1 MB of binary stdin", async () => {
    const data = randomBytes(1 << 20);
    const r = await t.conn().exec(sh`cat`, { stdin: data });
    expect(r.code).toBe(0);
    expect(Buffer.compare(Buffer.from(r.stdoutBytes), data)).toBe(0);
    const s = await t.conn().exec(sh`cat`, { stdin: "ünïcødé\n" });
    expect(s.stdout).toBe("ünïcødé\n");
    // a command that does not read its stdin is not an error
    expect((await t.conn().exec(sh`true`, { stdin: data })).code).toBe(0);
  });

  it("returns 10 MB of output", async () => {
    const r = await t.conn().exec(sh`yes 0123456789abcde | head -c 10485760; echo tail >&2`);
    expect(r.code).toBe(0);
    expect(r.stdoutBytes.length).toBe(10 * 1024 * 1024);
    expect(r.stdout.slice(0, 32)).toBe("0123456789abcde\n0123456789abcde\n");
    expect(r.stderr).toBe("tail\n");
  });

  it("keeps non-UTF-8 output bytes and decodes them with U+FFFD", async () => {
    const r = await t.conn().exec(sh`printf '\xff\xfe\x80ok\x00end'; printf '\xc3' >&2`);
    expect([...r.stdoutBytes]).toEqual([0xff, 0xfe, 0x80, 0x6f, 0x6b, 0x00, 0x65, 0x6e, 0x64]);
    expect(r.stdout).toBe("\uFFFD\uFFFD\uFFFDok\0end");
    expect([...r.stderrBytes]).toEqual([0xc3]);
    expect(r.stderr).toBe("\uFFFD");
  });

  it("becomes another user only when asked", async () => {
    const c = t.conn();
    expect((await c.exec(sh`id -un`)).stdout).toBe("root\n");
    expect((await c.exec(asUser(sh`id -un`, t.user))).stdout).toBe(`${t.user}\n`);
    expect((await c.exec(asUser(sh`id -un`, "root"))).stdout).toBe("root\n");
    // stdin and the exit code pass through become
    const r = await c.exec(asUser(sh`cat; exit 4`, t.user), { stdin: "via become" });
    expect(r).toMatchObject({ code: 4, stdout: "via become" });
  });

  it("keeps secret command text out of argv, and stdin still arrives", async () => {
    const word = `zq${t.token}-secret`;
    const r = await t.conn().exec(sh`x=${secret(word)}; ps -eo args; cat; printf '[%s]' "$x"`, { stdin: "INPUT" });
    expect(r.code).toBe(0);
    expect(r.stdout.endsWith(`INPUT[${word}]`)).toBe(true);
    const psOutput = r.stdout.slice(0, -`INPUT[${word}]`.length);
    expect(psOutput).toContain("__pgsty_cmd");
    expect(psOutput).not.toContain(word);
    // and as another user
    const b = await t.conn().exec(asUser(sh`printf %s ${secret(word)}`, t.user));
    expect(b.stdout).toBe(word);
  });

  it("puts a file atomically with mode and owner", async () => {
    const c = t.conn();
    const path = `${t.dir()}/conf/app.conf`;
    await t.side(`mkdir -p ${t.dir()}/conf`);
    await c.put(path, "first\n", { mode: "0640", owner: t.user, group: t.group });
    expect((await t.side(`stat -c '%a %U %G %s' ${path}; cat ${path}`)).stdout).toBe(`640 ${t.user} ${t.group} 6\nfirst\n`);
    // replacing keeps mode and owner unless given
    await c.put(path, "second\n");
    expect((await t.side(`stat -c '%a %U %G' ${path}; cat ${path}`)).stdout).toBe(`640 ${t.user} ${t.group}\nsecond\n`);
    await c.put(path, "third\n", { mode: "600", owner: "root" });
    expect((await t.side(`stat -c '%a %U' ${path}`)).stdout).toBe("600 root\n");
    // a new file without options: 0644, the connector's user
    await c.put(`${t.dir()}/conf/new`, "");
    expect((await t.side(`stat -c '%a %U %s' ${t.dir()}/conf/new`)).stdout).toBe("644 root 0\n");
    // no temporary file left behind
    expect((await t.side(`ls -A ${t.dir()}/conf`)).stdout).toBe("app.conf\nnew\n");
  });

  it("puts content with quotes, newlines, NULs and invalid UTF-8 byte for byte", async () => {
    const content = Buffer.concat([
      Buffer.from(`it's "quoted" $(id) \`id\` \\ \n\nline\r\n`),
      Buffer.from([0, 1, 2, 0, 0xff, 0xfe]),
      randomBytes(70_000),
    ]);
    const path = `${t.dir()}/bytes.bin`;
    await t.conn().put(path, content, { mode: "0600" });
    const b64 = (await t.side(`base64 -w0 ${path}`)).stdout;
    expect(Buffer.compare(Buffer.from(b64, "base64"), content)).toBe(0);
  });

  it("fails a put cleanly, leaving no temporary file", async () => {
    const c = t.conn();
    await t.side(`mkdir -p ${t.dir()}/fail && echo keep > ${t.dir()}/fail/existing`);
    const bad = await rejection(c.put(`${t.dir()}/fail/existing`, "new", { owner: "no_such_user_pgsty" }));
    expect(bad.kind).toBe("failed");
    expect(bad.message).toMatch(/put .*existing.*exited 1.*no_such_user_pgsty/);
    expect((await t.side(`ls -A ${t.dir()}/fail; cat ${t.dir()}/fail/existing`)).stdout).toBe("existing\nkeep\n");
    const dir = await rejection(c.put(`${t.dir()}/fail`, "x"));
    expect(dir.kind).toBe("failed");
    expect((await t.side(`ls -A ${t.dir()}/fail`)).stdout).toBe("existing\n");
    const missing = await rejection(c.put(`${t.dir()}/no/such/dir/f`, "x"));
    expect(missing.kind).toBe("failed");
    await expect(c.put("relative/path", "x")).rejects.toThrow(/absolute/);
    await expect(c.put(`${t.dir()}/f`, "x", { mode: "rw-r--r--" })).rejects.toThrow(/octal/);
  });

  it("times out: kills the whole command quickly, nothing left behind", async () => {
    const marker = `10.${t.token}`; // `sleep 10.<token>`: unique among this machine's processes
    const running = async () => (await t.side(`pgrep -f 'sleep 10[.]${t.token}' || true`)).stdout.trim() !== "";
    for (const cmd of [sh`sleep ${marker}; echo after`, asUser(sh`sleep ${marker}; echo after`, t.user)]) {
      const t0 = performance.now();
      const e = await rejection(t.conn().exec(cmd, { timeoutMs: 500 }));
      const took = performance.now() - t0;
      expect(e.kind).toBe("timeout");
      expect(e.message).toMatch(/timed out after 500 ms/);
      expect(took).toBeGreaterThanOrEqual(450);
      expect(took).toBeLessThan(1500);
      expect(await waitFor(async () => !(await running()), 1000)).toBe(true);
    }
  });

  it("aborts on an AbortSignal", async () => {
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 200);
    const t0 = performance.now();
    const e = await rejection(t.conn().exec(sh`sleep 5`, { signal: ac.signal }));
    expect(e.kind).toBe("aborted");
    expect(performance.now() - t0).toBeLessThan(1500);
    const pre = await rejection(t.conn().exec(sh`true`, { signal: AbortSignal.abort() }));
    expect(pre.kind).toBe("aborted");
  });

  it("runs 50 commands in parallel", async () => {
    const c = t.conn();
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => c.exec(sh`sleep 0.05; echo ${i}; cat`, { stdin: `in${i}` })),
    );
    results.forEach((r, i) => expect(r).toMatchObject({ code: 0, stdout: `${i}\nin${i}` }));
  });

  it("execChecked throws on a non-zero exit with the masked command", async () => {
    const e = await rejection(execChecked(t.conn(), sh`echo boom >&2; exit 2 # ${secret("hidden-pw")}`));
    expect(e.kind).toBe("failed");
    expect(e.result?.code).toBe(2);
    expect(e.message).toContain("boom");
    expect(e.message).toContain("(sensitive)");
    expect(e.message).not.toContain("hidden-pw");
  });
}

// ---------------------------------------------------------------------------

describe("connector contract: local", () => {
  const conn = new LocalConnector();
  let dir = "";
  const root = process.getuid?.() === 0;
  beforeAll(() => {
    dir = mkdtempSync("/tmp/pgsty-contract-");
  });
  afterAll(async () => {
    await conn.close();
    rmSync(dir, { recursive: true, force: true });
  });
  describe.skipIf(!root)(`as root${root ? "" : " (skipped: needs root to become and chown)"}`, () => {
    contract({
      conn: () => conn,
      side: async (cmd) => {
        try {
          return { code: 0, stdout: execFileSync("bash", ["-c", cmd], { encoding: "utf8" }) };
        } catch (e) {
          const err = e as { status?: number; stdout?: string };
          return { code: err.status ?? 1, stdout: err.stdout ?? "" };
        }
      },
      dir: () => dir,
      user: "nobody",
      group: "nogroup",
      token: "4321",
    });
  });
});

const skip = testbedSkipReason();
describe.skipIf(!!skip)(`connector contract: ssh${skip ? ` (skipped: ${skip})` : ""}`, () => {
  let tb: Testbed;
  let conn: Connector;
  let host = "";

  beforeAll(async () => {
    tb = await startTestbed({ hosts: 1, init: "tini" });
    const h = tb.hosts[0];
    if (!h) throw new Error("no host");
    host = h.name;
    const setup = await tb.exec(
      host,
      `useradd -m -s /bin/bash pgsty_t && echo 'pgsty_t:Pgsty.T.pw1' | chpasswd &&
       echo 'pgsty_t ALL=(ALL) NOPASSWD: ALL' > /etc/sudoers.d/pgsty_t && chmod 440 /etc/sudoers.d/pgsty_t &&
       mkdir -p /srv/contract`,
    );
    expect(setup).toMatchObject({ code: 0 });
    conn = await openConnector(host, tb.connection(host));
  }, TESTBED_START_TIMEOUT_MS);

  afterAll(async () => {
    await conn?.close();
    await tb?.stop();
    if (tb) console.log(`[testbed] 1 tini host up in ${tb.upMs.toFixed(0)} ms, teardown ${tb.downMs?.toFixed(0)} ms`);
  });

  contract({
    conn: () => conn,
    side: (cmd) => tb.exec(host, cmd),
    dir: () => "/srv/contract",
    user: "pgsty_t",
    group: "pgsty_t",
    token: "4322",
  });

  it("reuses one connection: latency of a small command", async () => {
    await conn.exec(sh`true`);
    const times: number[] = [];
    for (let i = 0; i < 30; i++) {
      const t0 = performance.now();
      await conn.exec(sh`true`);
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    const median = times[15] ?? 0;
    console.log(`[ssh] exec latency over a reused connection: median ${median.toFixed(1)} ms, max ${times.at(-1)?.toFixed(1)} ms`);
    const sessions = await tb.exec(host, "pgrep -c -P $(cat /run/sshd.pid)");
    expect(sessions.stdout.trim()).toBe("1");
  });

  it("reports a dropped connection clearly, and the next exec reconnects", async () => {
    // handle the rejection at once: it arrives while we are busy killing sshd
    const pending = rejection(conn.exec(sh`sleep 3; echo done`));
    await new Promise((r) => setTimeout(r, 300));
    // kill every sshd session process on the host (all sshd but the listener)
    const kill = await tb.exec(host, "pgrep -x sshd | grep -vx \"$(cat /run/sshd.pid)\" | xargs -r kill -KILL");
    expect(kill.code).toBe(0);
    const t0 = performance.now();
    const e = await pending;
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(e.kind).toBe("connection");
    expect(e.message).toMatch(/connection to root@10\.211\.\d+\.\d+:22 lost .* while running: sleep 3; echo done/);
    const again = await conn.exec(sh`echo reconnected`);
    expect(again.stdout).toBe("reconnected\n");
  });

  it("logs in as a non-root user with a password and becomes root with sudo -n", async () => {
    const c = await openConnector(host, {
      ansible_host: tb.hosts[0]?.ip,
      ansible_user: "pgsty_t",
      ansible_password: "Pgsty.T.pw1",
    });
    try {
      expect((await c.exec(sh`id -un`)).stdout).toBe("pgsty_t\n");
      expect((await c.exec(asUser(sh`id -un`, "root"))).stdout).toBe("root\n");
      const e = await rejection(c.exec(asUser(sh`sleep 10.4323`, "root"), { timeoutMs: 500 }));
      expect(e.kind).toBe("timeout");
      expect(
        await waitFor(async () => (await tb.exec(host, "pgrep -f 'sleep 10[.]4323' || true")).stdout.trim() === "", 1000),
      ).toBe(true);
      await c.put("/srv/contract/by-sudo", "x", { mode: "0600" }).then(
        () => {
          throw new Error("put as pgsty_t into a root directory should fail without become");
        },
        (err: unknown) => expect((err as ExecError).kind).toBe("failed"),
      );
    } finally {
      await c.close();
    }
    // ansible_become: every command (and put) as root
    const b = await openConnector(host, {
      ansible_host: tb.hosts[0]?.ip,
      ansible_user: "pgsty_t",
      ansible_password: "Pgsty.T.pw1",
      ansible_become: true,
    });
    try {
      expect((await b.exec(sh`id -un`)).stdout).toBe("root\n");
      await b.put("/srv/contract/by-sudo", "x", { mode: "0600" });
      expect((await tb.exec(host, "stat -c '%a %U' /srv/contract/by-sudo")).stdout).toBe("600 root\n");
    } finally {
      await b.close();
    }
  });

  it("retries channels that sshd refuses past its MaxSessions (10)", async () => {
    const c = await openConnector(host, tb.connection(host), { maxChannels: 25 });
    try {
      const results = await Promise.all(Array.from({ length: 25 }, (_, i) => c.exec(sh`sleep 0.2; echo ${i}`)));
      results.forEach((r, i) => expect(r.stdout).toBe(`${i}\n`));
    } finally {
      await c.close();
    }
  });

  it("fails clearly when the host cannot be reached, and after close", async () => {
    const c = await openConnector(host, { ...tb.connection(host), ansible_port: 2222 }, { connectTimeoutMs: 2000 });
    const e = await rejection(c.exec(sh`true`));
    expect(e.kind).toBe("connection");
    expect(e.message).toMatch(/cannot connect to root@10\.211\.\d+\.\d+:2222: .*ECONNREFUSED/);
    await c.close();
    const closed = await rejection(c.exec(sh`true`));
    expect(closed.message).toMatch(/closed/);
  });
});

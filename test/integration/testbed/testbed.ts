/**
 * Test bed API: real test hosts (namespaces on this machine, see up.sh) for
 * integration tests.
 *
 *   const skip = testbedSkipReason();
 *   describe.skipIf(skip)(`… ${skip ? `(skipped: ${skip})` : ""}`, () => {
 *     let tb: Testbed;
 *     beforeAll(async () => { tb = await startTestbed({ hosts: 3 }); }, TESTBED_START_TIMEOUT_MS);
 *     afterAll(() => tb?.stop());
 *   });
 *
 * Several test files may run at once: each test bed takes a free slot k
 * (BASE /tmp/pgsty-testbed/k, subnet 10.211.k.0/24, bridge pgstybrk, hosts
 * pgstyk-1…), held by a flock for the life of the process.  Slots left behind
 * by a dead run are torn down before use.  Teardown is guaranteed by stop()
 * and, should a test forget it or the process be interrupted, by exit,
 * SIGINT and SIGTERM handlers.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import type { ConnectionParams } from "../../../src/exec/connector.js";

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = "/tmp/pgsty-testbed";
const SLOTS = 8;
const HOST_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/** Generous: the first run on a fresh machine installs the packages (prepare.sh). */
export const TESTBED_START_TIMEOUT_MS = 300_000;

export type HostInit = "tini" | "systemd";

export interface TestbedHost {
  /** Host name: in /etc/hosts of every host and in the ssh config. */
  readonly name: string;
  readonly ip: string;
}

export interface TestbedExecResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface Testbed {
  readonly hosts: readonly TestbedHost[];
  readonly init: HostInit;
  /** State directory (tmpfs) of this test bed. */
  readonly base: string;
  /** Client key root@every host accepts. */
  readonly sshKeyFile: string;
  /** `ssh -F sshConfigFile <name>` logs in as root. */
  readonly sshConfigFile: string;
  /** How long up.sh took, until every sshd answered (ms). */
  readonly upMs: number;
  /** How long the teardown took (ms), once stopped. */
  readonly downMs: number | undefined;
  /**
   * Runs `cmd` with bash on the host, as root, entering its namespaces
   * directly (no ssh: independent of the connectors under test).
   */
  exec(host: string | TestbedHost, cmd: string, options?: { stdin?: string; timeoutMs?: number }): Promise<TestbedExecResult>;
  /** Connection parameters (Ansible names) for root over ssh. */
  connection(host: string | TestbedHost): ConnectionParams;
  /** PID (in this machine's pid namespace) of the host's init. */
  initPid(host: string | TestbedHost): number;
  /** Tears the test bed down; idempotent. */
  stop(): Promise<void>;
}

let skipReason: string | null | undefined;

/**
 * Why the test bed cannot run here, or undefined.  In CI (CI set) it never
 * skips: a test bed that cannot start must fail the run, not hide.
 * PGSTY_SKIP_TESTBED=1 skips deliberately.
 */
export function testbedSkipReason(): string | undefined {
  if (process.env["PGSTY_SKIP_TESTBED"]) return "PGSTY_SKIP_TESTBED is set";
  if (skipReason === undefined) skipReason = probe() ?? null;
  if (skipReason && process.env["CI"]) return undefined;
  return skipReason ?? undefined;
}

function probe(): string | undefined {
  if (process.platform !== "linux") return "test hosts need Linux namespaces";
  if (process.getuid?.() !== 0) return "test hosts need root (network, pid and mount namespaces)";
  for (const tool of ["unshare", "nsenter", "ip", "flock"]) {
    if (spawnSync("sh", ["-c", `command -v ${tool}`]).status !== 0) return `${tool} is not installed`;
  }
  const r = spawnSync("unshare", ["--net", "--pid", "--mount", "--uts", "--ipc", "--fork", "true"], { encoding: "utf8" });
  if (r.status !== 0) return `namespaces are unavailable: ${(r.stderr || r.error?.message || "").trim()}`;
  return undefined;
}

// ---------------------------------------------------------------------------

const live = new Set<TestbedImpl>();
let handlersInstalled = false;
let prepared: Promise<void> | undefined;

/** Starts `hosts` test hosts with `init` as PID 1; resolves once every sshd answers. */
export async function startTestbed(o: { hosts: number; init?: HostInit; share?: readonly string[] }): Promise<Testbed> {
  const init = o.init ?? "tini";
  installHandlers();
  mkdirSync(ROOT, { recursive: true, mode: 0o755 });
  prepared ??= run("flock", [join(ROOT, "prepare.lock"), join(HERE, "prepare.sh")], {}, 900_000).then(() => undefined);
  await prepared;
  const { slot, lock } = await claimSlot();
  const tb = new TestbedImpl(slot, lock, init);
  live.add(tb);
  try {
    await tb.up(o.hosts, o.share ?? []);
  } catch (e) {
    await tb.stop();
    throw e;
  }
  return tb;
}

class TestbedImpl implements Testbed {
  readonly base: string;
  readonly sshKeyFile: string;
  readonly sshConfigFile: string;
  hosts: readonly TestbedHost[] = [];
  upMs = 0;
  downMs: number | undefined;
  #stopping: Promise<void> | undefined;
  readonly #pids = new Map<string, number>();

  constructor(
    readonly slot: number,
    readonly lock: ChildProcess,
    readonly init: HostInit,
  ) {
    this.base = join(ROOT, String(slot));
    this.sshKeyFile = join(this.base, "id_ed25519");
    this.sshConfigFile = join(this.base, "ssh_config");
  }

  get env(): Record<string, string> {
    return { BASE: this.base, NET: `10.211.${this.slot}`, BRIDGE: `pgstybr${this.slot}`, PREFIX: `pgsty${this.slot}-` };
  }

  async up(n: number, share: readonly string[]): Promise<void> {
    const t0 = performance.now();
    await run(join(HERE, "up.sh"), [], { ...this.env, N: String(n), HOST_INIT: this.init, TESTBED_SHARE: share.join(" ") }, 120_000);
    this.upMs = performance.now() - t0;
    this.hosts = readFileSync(join(this.base, "hosts.list"), "utf8")
      .trim()
      .split("\n")
      .map((line) => {
        const [name = "", ip = ""] = line.split(" ");
        return { name, ip };
      });
    for (const h of this.hosts) {
      this.#pids.set(h.name, Number(readFileSync(join(this.base, h.name, "init.pid"), "utf8").trim()));
    }
  }

  #host(host: string | TestbedHost): TestbedHost {
    const name = typeof host === "string" ? host : host.name;
    const h = this.hosts.find((x) => x.name === name || x.ip === name);
    if (!h) throw new Error(`testbed: no host ${name} (have ${this.hosts.map((x) => x.name).join(", ")})`);
    return h;
  }

  initPid(host: string | TestbedHost): number {
    const pid = this.#pids.get(this.#host(host).name);
    if (!pid) throw new Error(`testbed: no init pid for ${this.#host(host).name}`);
    return pid;
  }

  connection(host: string | TestbedHost): ConnectionParams {
    return { ansible_host: this.#host(host).ip, ansible_user: "root", ansible_ssh_private_key_file: this.sshKeyFile };
  }

  exec(host: string | TestbedHost, cmd: string, options: { stdin?: string; timeoutMs?: number } = {}): Promise<TestbedExecResult> {
    const pid = this.initPid(host);
    const args = ["-t", String(pid), "-a", "--", "env", "-i", `PATH=${HOST_PATH}`, "HOME=/root", "LANG=C.UTF-8", "bash", "-c", cmd];
    return new Promise((resolve, reject) => {
      const child = spawn("nsenter", args, { stdio: ["pipe", "pipe", "pipe"] });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 60_000);
      child.stdout.on("data", (c: Buffer) => out.push(c));
      child.stderr.on("data", (c: Buffer) => err.push(c));
      child.stdin.on("error", () => {});
      child.on("error", (e) => {
        clearTimeout(timer);
        reject(e);
      });
      child.on("close", (code, signal) => {
        clearTimeout(timer);
        resolve({
          code: code ?? 128 + (signal === "SIGKILL" ? 9 : 15),
          stdout: Buffer.concat(out).toString("utf8"),
          stderr: Buffer.concat(err).toString("utf8"),
        });
      });
      child.stdin.end(options.stdin ?? "");
    });
  }

  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      const t0 = performance.now();
      try {
        await run(join(HERE, "down.sh"), [], this.env, 60_000);
      } finally {
        this.downMs = performance.now() - t0;
        live.delete(this);
        releaseLock(this.lock);
      }
    })();
    return this.#stopping;
  }

  /** Synchronous teardown for exit and signal handlers. */
  stopSync(): void {
    if (this.#stopping) return;
    try {
      execFileSync(join(HERE, "down.sh"), [], { env: { ...process.env, ...this.env }, stdio: "ignore", timeout: 60_000 });
    } catch {
      // best effort while the process dies; the next run cleans this slot
    }
    live.delete(this);
    releaseLock(this.lock);
  }
}

// --- slots ---------------------------------------------------------------------

/** Takes the first free slot; tears down every free slot that a dead run left behind. */
async function claimSlot(): Promise<{ slot: number; lock: ChildProcess }> {
  let claimed: { slot: number; lock: ChildProcess } | undefined;
  for (let slot = 0; slot < SLOTS; slot++) {
    const lock = await tryLock(slot);
    if (!lock) continue; // in use by a running test
    if (leftovers(slot)) {
      await run(join(HERE, "down.sh"), [], { BASE: join(ROOT, String(slot)), BRIDGE: `pgstybr${slot}`, PREFIX: `pgsty${slot}-` }, 60_000);
    }
    if (claimed) releaseLock(lock);
    else claimed = { slot, lock };
  }
  if (!claimed) throw new Error(`testbed: all ${SLOTS} slots under ${ROOT} are in use`);
  return claimed;
}

function leftovers(slot: number): boolean {
  if (existsSync(join(ROOT, String(slot))) || existsSync(`/sys/class/net/pgstybr${slot}`)) return true;
  try {
    return readdirSync("/run/netns").some((n) => n.startsWith(`pgsty${slot}-`));
  } catch {
    return false;
  }
}

/**
 * A flock on ROOT/<slot>.lock held by a child (`cat` reading our pipe): the
 * kernel releases it when this process dies, however it dies.
 */
function tryLock(slot: number): Promise<ChildProcess | undefined> {
  return new Promise((resolve) => {
    const child = spawn("flock", ["-n", "-E", "75", join(ROOT, `${slot}.lock`), "sh", "-c", "echo locked; exec cat >/dev/null"], {
      stdio: ["pipe", "pipe", "ignore"],
    });
    let done = false;
    child.stdout.once("data", () => {
      done = true;
      child.stdout.destroy();
      child.unref();
      (child.stdin as unknown as { unref?: () => void }).unref?.();
      resolve(child);
    });
    child.on("exit", () => {
      if (!done) resolve(undefined);
    });
    child.on("error", () => {
      if (!done) resolve(undefined);
    });
  });
}

function releaseLock(lock: ChildProcess): void {
  lock.stdin?.end();
}

// --- helpers ---------------------------------------------------------------------

function run(file: string, args: string[], env: Record<string, string>, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (c: Buffer) => (output += c.toString()));
    child.stderr.on("data", (c: Buffer) => (output += c.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(output);
      else reject(new Error(`testbed: ${file} exited ${code}:\n${output}`));
    });
  });
}

function installHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  const stopAll = (): void => {
    for (const tb of [...live]) tb.stopSync();
  };
  process.on("exit", stopAll);
  for (const sig of ["SIGINT", "SIGTERM"] as const) {
    const onSignal = (): void => {
      stopAll();
      process.off(sig, onSignal);
      // re-raise for the default action unless someone else handles the signal
      if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
    };
    process.on(sig, onSignal);
  }
}

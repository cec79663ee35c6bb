/**
 * The `ssh` connector (node-ssh over ssh2): one connection per host, reused for
 * every command of a run.
 *
 * - Auth: key file, else password, else the ssh agent ($SSH_AUTH_SOCK), else
 *   the first of ~/.ssh/id_ed25519, id_ecdsa, id_rsa.
 * - At most `maxChannels` commands run at once on the connection (sshd refuses
 *   channels past its MaxSessions, 10 by default); the rest wait in a queue.
 *   When sshd refuses a channel anyway, the limit drops by one and the command
 *   queues up again.
 * - A lost connection fails the commands running on it with ExecError
 *   "connection"; the next exec connects again (once: if that fails, it fails).
 * - Timeouts are enforced on the host (`timeout -s KILL` kills the command's
 *   process group) and by a local timer; abort is best effort (a KILL signal
 *   to the session process, then the channel is closed).
 * - Host keys are not verified yet.
 *
 * Must not import from plan/, ops/, modules/ or cli/.  Prints nothing.
 */
import { existsSync } from "node:fs";
import { homedir, userInfo } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { NodeSSH } from "node-ssh";
import type { Command } from "./command.js";
import {
  argvToShell,
  buildInvocation,
  ExecError,
  makeResult,
  putViaExec,
  stdinBytes,
  type Connector,
  type ConnectorOptions,
  type ExecOptions,
  type ExecResult,
  type PutOptions,
} from "./connector.js";

export interface SshConnectorOptions extends ConnectorOptions {
  /** Name of the host in the inventory (used in messages). */
  readonly host: string;
  /** Address to connect to. */
  readonly address: string;
  readonly port?: number;
  /** Login user; default: the local user. */
  readonly user?: string;
  readonly privateKeyFile?: string;
  readonly password?: string;
  /** Default user for commands that name none (Ansible's become_user). */
  readonly become?: string;
}

// The parts of ssh2's client and channel used here (ssh2 ships no types).
interface Ssh2Channel {
  on(event: "data", listener: (chunk: Buffer) => void): this;
  on(event: "exit", listener: (code: number | null, signal?: string) => void): this;
  on(event: "close", listener: () => void): this;
  readonly stderr: { on(event: "data", listener: (chunk: Buffer) => void): unknown };
  end(data?: Buffer): void;
  close(): void;
  signal(name: string): void;
}
interface Ssh2Client {
  exec(command: string, callback: (err: Error | undefined, channel: Ssh2Channel) => void): boolean;
  on(event: "error", listener: (err: Error) => void): this;
  on(event: "close" | "end", listener: () => void): this;
  end(): void;
  setNoDelay?(noDelay: boolean): void;
}
interface Live {
  readonly ssh: NodeSSH;
  readonly client: Ssh2Client;
  /** Fails every command running on this connection. */
  readonly running: Set<(err: ExecError) => void>;
}

const CHANNEL_RETRIES = 20;
/** Time a timed-out command gets to be killed on the host before we stop waiting. */
const KILL_GRACE_MS = 2000;

/** Runs commands on a host over one reused ssh connection. */
export class SshConnector implements Connector {
  readonly host: string;
  readonly #o: SshConnectorOptions;
  readonly #user: string;
  /** Channels allowed at once: maxChannels, lowered to what sshd accepted when it refuses one. */
  #limit: number;
  #live: Live | undefined;
  #connecting: Promise<Live> | undefined;
  /** Commands holding a slot (opening or running a channel). */
  #active = 0;
  readonly #waiting: Array<() => void> = [];
  #closed = false;

  constructor(options: SshConnectorOptions) {
    this.host = options.host;
    this.#o = options;
    this.#user = options.user ?? userInfo().username;
    this.#limit = Math.max(1, options.maxChannels ?? 8);
  }

  /** `user@address:port`, for messages. */
  get target(): string {
    return `${this.#user}@${this.#o.address}:${this.#o.port ?? 22}`;
  }

  async exec(cmd: Command, options: ExecOptions = {}): Promise<ExecResult> {
    const started = performance.now();
    if (options.signal?.aborted) throw this.#error("aborted", cmd, "aborted before start");
    await this.#acquire();
    try {
      for (let attempt = 1; ; attempt++) {
        const live = await this.#connection(cmd);
        try {
          return await this.#run(live, cmd, options, started);
        } catch (e) {
          // sshd refused the channel: its MaxSessions is below our limit.  Each
          // refusal means one slot fewer (a burst of k refusals lowers the limit
          // by k, to what sshd accepts); queue up again.
          if (e instanceof ChannelRefused && attempt < CHANNEL_RETRIES) {
            this.#limit = Math.max(1, this.#limit - 1);
            this.#release();
            await new Promise((r) => setTimeout(r, 10 * attempt));
            await this.#acquire();
            continue;
          }
          if (e instanceof ChannelRefused) throw this.#error("connection", cmd, `cannot open a channel: ${e.message}`, e);
          throw e;
        }
      }
    } finally {
      this.#release();
    }
  }

  put(path: string, content: string | Uint8Array, options?: PutOptions): Promise<void> {
    return putViaExec(this, path, content, options);
  }

  async close(): Promise<void> {
    this.#closed = true;
    const live = this.#live ?? (await this.#connecting?.catch(() => undefined));
    this.#live = undefined;
    if (!live) return;
    this.#failAll(live, new ExecError("connection", this.host, "", `${this.host}: connector closed while a command was running`));
    live.ssh.dispose();
  }

  // --- connection -------------------------------------------------------------

  #connection(cmd: Command): Promise<Live> {
    if (this.#closed) return Promise.reject(this.#error("connection", cmd, "connector is closed"));
    if (this.#live) return Promise.resolve(this.#live);
    this.#connecting ??= this.#connect(cmd).finally(() => {
      this.#connecting = undefined;
    });
    return this.#connecting;
  }

  async #connect(cmd: Command): Promise<Live> {
    const o = this.#o;
    const ssh = new NodeSSH();
    const config: Record<string, unknown> = {
      host: o.address,
      port: o.port ?? 22,
      username: this.#user,
      readyTimeout: o.connectTimeoutMs ?? 10_000,
      keepaliveInterval: o.keepaliveIntervalMs ?? 10_000,
      keepaliveCountMax: 3,
    };
    if (o.privateKeyFile) config["privateKeyPath"] = o.privateKeyFile;
    if (o.password !== undefined) config["password"] = o.password;
    if (!o.privateKeyFile && o.password === undefined) {
      if (process.env["SSH_AUTH_SOCK"]) config["agent"] = process.env["SSH_AUTH_SOCK"];
      else {
        const key = ["id_ed25519", "id_ecdsa", "id_rsa"].map((k) => join(homedir(), ".ssh", k)).find((f) => existsSync(f));
        if (key) config["privateKeyPath"] = key;
      }
    }
    try {
      await ssh.connect(config);
    } catch (e) {
      ssh.dispose();
      throw this.#error("connection", cmd, `cannot connect to ${this.target}: ${describe(e)}`, e);
    }
    const client = ssh.connection as unknown as Ssh2Client | null;
    if (!client) throw this.#error("connection", cmd, `cannot connect to ${this.target}: no connection`);
    // many small request/response round trips: without TCP_NODELAY, Nagle's
    // algorithm against delayed ACKs adds ~40 ms to every command
    client.setNoDelay?.(true);
    const live: Live = { ssh, client, running: new Set() };
    const lost = (why: string) => {
      if (this.#live === live) this.#live = undefined;
      this.#failAll(live, new ExecError("connection", this.host, "", `${this.host}: connection to ${this.target} lost (${why})`));
    };
    client.on("error", (e) => lost(describe(e)));
    client.on("end", () => lost("closed by the server"));
    client.on("close", () => lost("closed"));
    if (this.#closed) {
      ssh.dispose();
      throw this.#error("connection", cmd, "connector is closed");
    }
    this.#live = live;
    return live;
  }

  #failAll(live: Live, err: ExecError): void {
    for (const fail of [...live.running]) fail(err);
  }

  // --- one command ----------------------------------------------------------------

  #run(live: Live, cmd: Command, options: ExecOptions, started: number): Promise<ExecResult> {
    // aborted while waiting for a channel
    if (options.signal?.aborted) return Promise.reject(this.#error("aborted", cmd, "aborted before start"));
    const { timeoutMs } = options;
    const inv = buildInvocation(cmd, { loginUser: this.#user, defaultBecome: this.#o.become, timeoutMs, remote: true });
    return new Promise<ExecResult>((resolve, reject) => {
      let channel: Ssh2Channel | undefined;
      let settled = false;
      let failure: ExecError | undefined;
      let exit: { code: number | null; signal: string | undefined } | undefined;
      const timers: NodeJS.Timeout[] = [];
      const out: Buffer[] = [];
      const err: Buffer[] = [];

      const settle = (fn: () => void): void => {
        if (settled) return;
        settled = true;
        timers.forEach(clearTimeout);
        options.signal?.removeEventListener("abort", onAbort);
        live.running.delete(fail);
        fn();
      };
      // the connection died (or the connector was closed): the command's fate is unknown
      const fail = (e: ExecError): void => {
        settle(() =>
          reject(new ExecError(e.kind, this.host, cmd.display, `${e.message} while running: ${cmd.display}`, undefined, { cause: e })),
        );
      };
      const onAbort = (): void => {
        failure ??= this.#error("aborted", cmd, "aborted");
        try {
          channel?.signal("KILL");
          channel?.close();
        } catch {
          // the channel is already gone
        }
        settle(() => reject(failure));
      };
      live.running.add(fail);
      options.signal?.addEventListener("abort", onAbort, { once: true });
      if (timeoutMs !== undefined) {
        // started before the exec request, so it fires before `timeout` on the host
        timers.push(
          setTimeout(() => {
            failure ??= this.#error("timeout", cmd, `timed out after ${timeoutMs} ms`);
            // `timeout` on the host kills the command now; give its exit a moment to arrive
            timers.push(
              setTimeout(() => {
                try {
                  channel?.close();
                } catch {
                  // already closed
                }
                settle(() => reject(failure));
              }, KILL_GRACE_MS),
            );
          }, timeoutMs),
        );
      }

      try {
        live.client.exec(argvToShell(inv.argv), (e, ch) => {
          if (settled) {
            // aborted or connection lost while the channel was opening
            if (!e) ch.close();
            return;
          }
          if (e) {
            if (/open failed|channel open failure/i.test(e.message)) settle(() => reject(new ChannelRefused(e.message)));
            else settle(() => reject(this.#error("connection", cmd, describe(e), e)));
            return;
          }
          channel = ch;
          ch.on("data", (chunk) => out.push(chunk));
          ch.stderr.on("data", (chunk) => err.push(chunk));
          ch.on("exit", (code, signal) => {
            exit = { code, signal };
          });
          ch.on("close", () => {
            if (failure) return settle(() => reject(failure));
            if (!exit) {
              // normally the connection was lost and `fail` reports it at once
              timers.push(
                setTimeout(() => settle(() => reject(this.#error("connection", cmd, "channel closed without an exit status"))), 1000),
              );
              return;
            }
            const { code, signal } = exit;
            settle(() => resolve(makeResult(code, signal, out, err, performance.now() - started)));
          });
          ch.end(stdinBytes(inv, options.stdin));
        });
      } catch (e) {
        settle(() => reject(this.#error("connection", cmd, describe(e), e)));
      }
    });
  }

  // --- channel queue --------------------------------------------------------------

  #acquire(): Promise<void> {
    if (this.#active < this.#limit) {
      this.#active++;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  #release(): void {
    this.#active--;
    while (this.#active < this.#limit) {
      const next = this.#waiting.shift();
      if (!next) break;
      this.#active++;
      next();
    }
  }

  #error(kind: ExecError["kind"], cmd: Command, what: string, cause?: unknown): ExecError {
    return new ExecError(kind, this.host, cmd.display, `${this.host}: ${what}: ${cmd.display}`, undefined, { cause });
  }
}

class ChannelRefused extends Error {}

function describe(e: unknown): string {
  if (e instanceof Error) {
    const code = (e as { code?: unknown }).code;
    return typeof code === "string" && !e.message.includes(code) ? `${e.message} (${code})` : e.message;
  }
  return String(e);
}

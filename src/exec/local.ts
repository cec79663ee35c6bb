/**
 * The `local` connector: runs commands on this machine with child_process.
 *
 * Each command is `bash -c TEXT` in a process group of its own (detached), from
 * `/`, with stdin piped.  A timeout or abort kills the whole group.  Become:
 * nothing when already that user, `runuser` when running as root, else `sudo -n`.
 *
 * Must not import from plan/, ops/, modules/ or cli/.  Prints nothing.
 */
import { spawn } from "node:child_process";
import { userInfo } from "node:os";
import { performance } from "node:perf_hooks";
import type { Command } from "./command.js";
import {
  buildInvocation,
  ExecError,
  makeResult,
  putViaExec,
  stdinBytes,
  type Connector,
  type ExecOptions,
  type ExecResult,
  type PutOptions,
} from "./connector.js";

export interface LocalConnectorOptions {
  /** Name of this host in the inventory; default "localhost". */
  readonly host?: string;
  /** Default user for commands that name none (Ansible's become_user). */
  readonly become?: string;
}

/** Runs commands on this machine. */
export class LocalConnector implements Connector {
  readonly host: string;
  readonly #become: string | undefined;
  readonly #user = userInfo().username;
  readonly #running = new Set<(reason: ExecError) => void>();
  #closed = false;

  constructor(options: LocalConnectorOptions = {}) {
    this.host = options.host ?? "localhost";
    this.#become = options.become;
  }

  exec(cmd: Command, options: ExecOptions = {}): Promise<ExecResult> {
    const { host } = this;
    if (this.#closed) return Promise.reject(new ExecError("connection", host, cmd.display, `${host}: connector is closed`));
    if (options.signal?.aborted) {
      return Promise.reject(new ExecError("aborted", host, cmd.display, `${host}: aborted before start: ${cmd.display}`));
    }
    const inv = buildInvocation(cmd, {
      loginUser: this.#user,
      defaultBecome: this.#become,
      timeoutMs: options.timeoutMs,
      remote: false,
    });
    const started = performance.now();
    return new Promise<ExecResult>((resolve, reject) => {
      const [file, ...args] = inv.argv as [string, ...string[]];
      // detached: a new session and process group, so the group can be killed whole
      const child = spawn(file, args, { cwd: "/", detached: true, stdio: ["pipe", "pipe", "pipe"] });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      let failure: ExecError | undefined;
      let settled = false;
      let timer: NodeJS.Timeout | undefined;

      const finish = (result?: ExecResult): void => {
        if (settled) return;
        settled = true;
        if (timer) clearTimeout(timer);
        options.signal?.removeEventListener("abort", onAbort);
        this.#running.delete(stop);
        if (failure) {
          child.stdout.destroy();
          child.stderr.destroy();
          reject(failure);
        } else if (result) resolve(result);
      };
      const kill = (): void => {
        if (child.pid === undefined) return;
        try {
          process.kill(-child.pid, "SIGKILL");
        } catch {
          // the group is already gone
        }
      };
      const stop = (reason: ExecError): void => {
        failure ??= reason;
        kill();
        // already exited, only a process outside the group holds the pipes: stop waiting
        if (child.exitCode !== null || child.signalCode !== null) finish();
      };
      const onAbort = (): void => stop(new ExecError("aborted", host, cmd.display, `${host}: aborted: ${cmd.display}`));
      this.#running.add(stop);
      options.signal?.addEventListener("abort", onAbort, { once: true });
      if (options.timeoutMs !== undefined) {
        const ms = options.timeoutMs;
        timer = setTimeout(() => stop(new ExecError("timeout", host, cmd.display, `${host}: timed out after ${ms} ms: ${cmd.display}`)), ms);
      }

      child.stdout.on("data", (chunk: Buffer) => out.push(chunk));
      child.stderr.on("data", (chunk: Buffer) => err.push(chunk));
      // EPIPE when the command exits without reading all of its stdin: not an error
      child.stdin.on("error", () => {});
      child.on("error", (e) => {
        failure ??= new ExecError("spawn", host, cmd.display, `${host}: cannot start ${file}: ${e.message}`, undefined, {
          cause: e,
        });
        finish();
      });
      // after a kill, a grandchild outside the group may still hold the pipes open:
      // do not wait for them
      child.on("exit", () => {
        if (failure) finish();
      });
      child.on("close", (code, signal) => {
        finish(makeResult(code, signal, out, err, performance.now() - started));
      });
      child.stdin.end(stdinBytes(inv, options.stdin));
    });
  }

  put(path: string, content: string | Uint8Array, options?: PutOptions): Promise<void> {
    return putViaExec(this, path, content, options);
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const stop of this.#running) {
      stop(new ExecError("connection", this.host, "", `${this.host}: connector closed while a command was running`));
    }
  }
}

/**
 * Connectors: how pgsty runs commands and writes files on a host.
 *
 * This module holds the contract (`Connector`, `ExecResult`, `ExecError`), the
 * connection parameters under their Ansible names, and what both transports
 * share: how a Command becomes the argv that runs it (become, timeout, secret
 * text kept out of argv), and the atomic `put` script.  `local.ts` and `ssh.ts`
 * implement the transport; `openConnector` picks one.
 *
 * Must not import from plan/, ops/, modules/ or cli/.  Prints nothing.
 */
import { hasSecret, quote, raw, sh, type Command } from "./command.js";

/** Options of one `exec`. */
export interface ExecOptions {
  /** Bytes fed to the command's standard input (then EOF). Default: empty. */
  readonly stdin?: string | Uint8Array;
  /** Kill the command (its whole process group) after this many ms: ExecError "timeout". */
  readonly timeoutMs?: number;
  /** Aborting kills the command: ExecError "aborted". */
  readonly signal?: AbortSignal;
}

/** What a command did. A non-zero exit is a result, not an error. */
export interface ExecResult {
  /** Exit status; 128 + signal number when the command was killed by a signal. */
  readonly code: number;
  /** The signal that killed the command, e.g. "SIGKILL". */
  readonly signal?: string;
  /** Standard output decoded as UTF-8 (invalid bytes become U+FFFD). */
  readonly stdout: string;
  /** Standard error decoded as UTF-8 (invalid bytes become U+FFFD). */
  readonly stderr: string;
  /** Standard output exactly as the command wrote it. */
  readonly stdoutBytes: Uint8Array;
  /** Standard error exactly as the command wrote it. */
  readonly stderrBytes: Uint8Array;
  /** Wall time of the call, in ms (includes waiting for a free ssh channel). */
  readonly durationMs: number;
}

/** Attributes of a file written by `put`. Absent: kept from the file it replaces, else 0644 and the connector's user. */
export interface PutOptions {
  /** Octal mode, e.g. "0640". */
  readonly mode?: string;
  readonly owner?: string;
  readonly group?: string;
}

/** A transport to one host. */
export interface Connector {
  /** The host as the inventory names it (IP or name). */
  readonly host: string;
  /** Runs `cmd` with bash; resolves for any exit code, rejects with ExecError otherwise. */
  exec(cmd: Command, options?: ExecOptions): Promise<ExecResult>;
  /**
   * Writes `content` to the absolute `path` atomically: a temporary file in the
   * same directory, fsync, rename.  The content travels on stdin, never in argv;
   * the temporary file is removed if any step fails.
   */
  put(path: string, content: string | Uint8Array, options?: PutOptions): Promise<void>;
  /** Closes the connection; pending commands fail. */
  close(): Promise<void>;
}

/** Connection parameters under the names Ansible inventories use. */
export interface ConnectionParams {
  /** Address to connect to; default: the host's inventory name. */
  readonly ansible_host?: string;
  readonly ansible_port?: number;
  /** Login user; default: the user running pgsty. */
  readonly ansible_user?: string;
  readonly ansible_ssh_private_key_file?: string;
  /** Login password (sensitive). Become uses `sudo -n`, so it needs NOPASSWD. */
  readonly ansible_password?: string;
  readonly ansible_connection?: "ssh" | "local";
  /** Run every command as `ansible_become_user` unless the command says otherwise. */
  readonly ansible_become?: boolean;
  /** Default "root". */
  readonly ansible_become_user?: string;
}

/** Transport tuning that is not an inventory parameter. */
export interface ConnectorOptions {
  /** TCP connect + ssh handshake limit (ms). Default 10000. */
  readonly connectTimeoutMs?: number;
  /** ssh keepalive interval (ms); the connection is declared lost after 3 unanswered. Default 10000. */
  readonly keepaliveIntervalMs?: number;
  /** Concurrent channels on one ssh connection; must stay below sshd's MaxSessions (10). Default 8. */
  readonly maxChannels?: number;
}

/** Why an exec or put failed. */
export type ExecErrorKind = "timeout" | "aborted" | "connection" | "spawn" | "failed";

/** A command that did not run to completion, or a put/checked exec that failed. Messages carry `display`, never `text`. */
export class ExecError extends Error {
  override readonly name = "ExecError";
  constructor(
    readonly kind: ExecErrorKind,
    /** The host (inventory name). */
    readonly host: string,
    /** The command as it may be shown (secrets masked). */
    readonly command: string,
    message: string,
    /** For "failed": what the command did. */
    readonly result?: ExecResult,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Opens a connector for `host` (its inventory name) from its connection parameters. */
export async function openConnector(
  host: string,
  params: ConnectionParams = {},
  options: ConnectorOptions = {},
): Promise<Connector> {
  const become = params.ansible_become ? (params.ansible_become_user ?? "root") : undefined;
  if (params.ansible_connection === "local") {
    const { LocalConnector } = await import("./local.js");
    return new LocalConnector({ host, become });
  }
  const { SshConnector } = await import("./ssh.js");
  return new SshConnector({
    host,
    address: params.ansible_host ?? host,
    port: params.ansible_port ?? 22,
    user: params.ansible_user,
    privateKeyFile: params.ansible_ssh_private_key_file,
    password: params.ansible_password,
    become,
    ...options,
  });
}

/** Runs `cmd` and throws ExecError "failed" unless it exits 0. */
export async function execChecked(conn: Connector, cmd: Command, options?: ExecOptions): Promise<ExecResult> {
  const result = await conn.exec(cmd, options);
  if (result.code !== 0) {
    throw new ExecError("failed", conn.host, cmd.display, failureMessage(conn.host, cmd.display, result), result);
  }
  return result;
}

// ---------------------------------------------------------------------------
// Shared by the transports

/** How to start a command: argv, and bytes to send before the caller's stdin. */
export interface Invocation {
  readonly argv: readonly string[];
  /** The command text, when it holds a secret: read by the shell from stdin instead of argv. */
  readonly stdinPrefix?: Uint8Array;
}

/**
 * Builds the argv that runs `cmd` as `become` (or the login user) with bash.
 *
 * - become: nothing when already that user; `runuser -u U --` when root
 *   (no sudo needed, stays in the caller's process group); else `sudo -n -u U --`.
 * - timeout: `timeout -s KILL` inside the become, so the kill has the command's
 *   own rights and reaches its whole process group (used over ssh, where the
 *   client cannot signal a process group, and under sudo, whose processes a
 *   non-root caller cannot signal).
 * - secrets: a command whose text holds a secret is not put in argv (visible in
 *   `ps` to every user of the host): bash reads exactly its byte length from
 *   stdin and evals it; the caller's stdin follows unread.
 */
export function buildInvocation(
  cmd: Command,
  o: { readonly loginUser: string; readonly defaultBecome?: string; readonly timeoutMs?: number; readonly remote: boolean },
): Invocation {
  const target = cmd.become ?? o.defaultBecome;
  let prefix: string[] = [];
  let viaSudo = false;
  if (target && target !== o.loginUser) {
    if (o.loginUser === "root") prefix = ["runuser", "-u", target, "--"];
    else {
      prefix = ["sudo", "-n", "-u", target, "--"];
      viaSudo = true;
    }
  }
  if (o.timeoutMs !== undefined && (o.remote || viaSudo)) {
    prefix.push("timeout", "-s", "KILL", (Math.max(o.timeoutMs, 1) / 1000).toFixed(3));
  }
  if (!hasSecret(cmd)) return { argv: [...prefix, "bash", "-c", cmd.text] };
  const bytes = Buffer.from(cmd.text, "utf8");
  return {
    argv: [...prefix, "bash", "-c", `__pgsty_cmd=$(head -c ${bytes.length}) && eval "$__pgsty_cmd"`],
    stdinPrefix: bytes,
  };
}

/** One shell line that runs `argv` from `/` (what an ssh exec request carries). */
export function argvToShell(argv: readonly string[]): string {
  return `cd / && exec ${argv.map(quote).join(" ")}`;
}

/** The stdin a command receives: the secret text (if any), then the caller's bytes. */
export function stdinBytes(inv: Invocation, stdin: string | Uint8Array | undefined): Buffer {
  const data = stdin === undefined ? Buffer.alloc(0) : typeof stdin === "string" ? Buffer.from(stdin, "utf8") : Buffer.from(stdin);
  return inv.stdinPrefix ? Buffer.concat([inv.stdinPrefix, data]) : data;
}

/** Assembles an ExecResult from collected output. */
export function makeResult(
  code: number | null,
  signal: string | null | undefined,
  stdout: readonly Buffer[],
  stderr: readonly Buffer[],
  durationMs: number,
): ExecResult {
  const out = Buffer.concat(stdout);
  const err = Buffer.concat(stderr);
  const sig = signal ? (signal.startsWith("SIG") ? signal : `SIG${signal}`) : undefined;
  return {
    code: code ?? 128 + signalNumber(sig),
    ...(sig ? { signal: sig } : {}),
    stdout: out.toString("utf8"),
    stderr: err.toString("utf8"),
    stdoutBytes: out,
    stderrBytes: err,
    durationMs,
  };
}

function signalNumber(sig: string | undefined): number {
  const numbers: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGABRT: 6, SIGKILL: 9, SIGSEGV: 11, SIGPIPE: 13, SIGTERM: 15 };
  return (sig && numbers[sig]) || 0;
}

/** "host: command exited 3: <last stderr line>" */
export function failureMessage(host: string, display: string, result: ExecResult): string {
  const tail = result.stderr.trim().split("\n").slice(-3).join(" | ");
  return `${host}: \`${display}\` exited ${result.code}${tail ? `: ${tail}` : ""}`;
}

// The put script.  Runs with `dest`, `mode` and `chown_spec` set; reads the
// content from stdin.  `set -e` + the EXIT trap: any failing step removes the
// temporary file; after the rename there is nothing left to remove.
const PUT_SCRIPT = `set -euo pipefail
dir=$(dirname -- "$dest")
tmp=$(mktemp -- "$dir/.$(basename -- "$dest").pgsty.XXXXXX")
trap 'rm -f -- "$tmp"' EXIT
cat > "$tmp"
if [ -e "$dest" ]; then
  chmod --reference="$dest" -- "$tmp"
  chown --reference="$dest" -- "$tmp" 2>/dev/null || true
else
  chmod 0644 -- "$tmp"
fi
if [ -n "$mode" ]; then chmod -- "$mode" "$tmp"; fi
if [ -n "$chown_spec" ]; then chown -- "$chown_spec" "$tmp"; fi
sync -- "$tmp"
mv -fT -- "$tmp" "$dest"
sync -- "$dir" 2>/dev/null || true`;

/** The Command that writes a file atomically (content on stdin); validates its arguments. */
export function putCommand(path: string, size: number, o: PutOptions = {}): Command {
  if (!path.startsWith("/") || path.endsWith("/")) throw new TypeError(`put: path must be an absolute file path: ${path}`);
  if (o.mode !== undefined && !/^[0-7]{3,4}$/.test(o.mode)) throw new TypeError(`put: mode must be octal like "0640": ${o.mode}`);
  const chownSpec = o.owner && o.group ? `${o.owner}:${o.group}` : o.owner ? o.owner : o.group ? `:${o.group}` : "";
  const script = sh`dest=${path} mode=${o.mode ?? ""} chown_spec=${chownSpec}
${raw(PUT_SCRIPT)}`;
  const attrs = [o.mode && `mode=${o.mode}`, chownSpec && `owner=${chownSpec}`].filter(Boolean).join(" ");
  return { text: script.text, display: `put ${quote(path)} (${size} bytes${attrs ? `, ${attrs}` : ""})` };
}

/** put() for any connector: the put script through exec, content on stdin. */
export async function putViaExec(
  conn: Pick<Connector, "host" | "exec">,
  path: string,
  content: string | Uint8Array,
  o?: PutOptions,
): Promise<void> {
  const bytes = typeof content === "string" ? Buffer.from(content, "utf8") : content;
  const cmd = putCommand(path, bytes.length, o);
  const result = await conn.exec(cmd, { stdin: bytes });
  if (result.code !== 0) {
    throw new ExecError("failed", conn.host, cmd.display, failureMessage(conn.host, cmd.display, result), result);
  }
}

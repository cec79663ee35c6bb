// Test doubles for the host ops: a connector that records the masked display of every command
// and every put (and answers from a script), hand-built fact sets, and task specs.
import type { Command } from "../../../src/exec/command.js";
import type { Connector, ExecOptions, ExecResult, PutOptions } from "../../../src/exec/connector.js";
import type { FactRequest, FactSet } from "../../../src/facts/fact.js";
import type { ApplyContext } from "../../../src/ops/op.js";
import type { TaskSpec } from "../../../src/plan/types.js";

export interface Reply {
  readonly code?: number;
  readonly stdout?: string;
  readonly stderr?: string;
}

export interface Recorded {
  readonly display: string;
  /** The real text: only for asserting secrets never reach `display`; never printed. */
  readonly text: string;
  readonly become?: string;
  readonly stdin?: string;
}

export interface RecordedPut {
  readonly path: string;
  readonly content: string;
  readonly options?: PutOptions;
}

/** Records commands and puts; `reply` decides each command's result (default: exit 0). */
export class FakeConnector implements Connector {
  readonly host = "fake-1";
  readonly commands: Recorded[] = [];
  readonly puts: RecordedPut[] = [];
  /** Every action in order: the command's display, or `put PATH`. */
  readonly log: string[] = [];
  constructor(private readonly reply: (cmd: Command) => Reply = () => ({})) {}

  async exec(cmd: Command, options: ExecOptions = {}): Promise<ExecResult> {
    const stdin = options.stdin === undefined ? undefined : Buffer.from(options.stdin).toString("utf8");
    this.commands.push({ display: cmd.display, text: cmd.text, ...(cmd.become ? { become: cmd.become } : {}), ...(stdin !== undefined ? { stdin } : {}) });
    this.log.push(cmd.become ? `[${cmd.become}] ${cmd.display}` : cmd.display);
    const r = this.reply(cmd);
    const stdout = r.stdout ?? "";
    const stderr = r.stderr ?? "";
    return { code: r.code ?? 0, stdout, stderr, stdoutBytes: Buffer.from(stdout), stderrBytes: Buffer.from(stderr), durationMs: 1 };
  }

  async put(path: string, content: string | Uint8Array, options?: PutOptions): Promise<void> {
    this.puts.push({ path, content: Buffer.from(content).toString("utf8"), ...(options ? { options } : {}) });
    this.log.push(`put ${path}`);
  }

  async close(): Promise<void> {}
}

/** A FactSet from `{ fact: { key: value } }`, with `failed` facts. */
export function factSet(values: Record<string, Record<string, unknown>>, failed: Record<string, string> = {}): FactSet {
  return {
    get<T>(fact: string, key: string): T | undefined {
      return values[fact]?.[key] as T | undefined;
    },
    failed(fact: string): string | undefined {
      return failed[fact];
    },
  };
}

/** An apply context whose refresh answers from `facts` and records what was asked. */
export function applyContext(connector: Connector, facts: FactSet = factSet({})): ApplyContext & { refreshed: FactRequest[][] } {
  const refreshed: FactRequest[][] = [];
  return {
    connector,
    refreshed,
    refresh: async (requests) => {
      refreshed.push([...requests]);
      return facts;
    },
  };
}

export function task(op: string, key: string, args: Record<string, unknown>, extra: Partial<TaskSpec> = {}): TaskSpec {
  return { step: "test.step", op, key, args, ...extra };
}

export const DEBIAN = { id: "debian", idLike: [], family: "debian", versionId: "12", arch: "x86_64", cpu: 2, memMb: 2048, serviceManager: "systemd", hostname: "h" } as const;
export const DEBIAN_NO_SYSTEMD = { ...DEBIAN, serviceManager: "none" } as const;
export const ROCKY = { id: "rocky", idLike: ["rhel", "centos", "fedora"], family: "el", versionId: "9.4", arch: "x86_64", cpu: 2, memMb: 2048, serviceManager: "systemd", hostname: "h" } as const;

/** A `file` fact of a regular file. */
export function fileFact(sha256: string, o: { owner?: string; group?: string; mode?: string; size?: number } = {}) {
  return { type: "file" as const, sha256, size: o.size ?? 10, mode: o.mode ?? "0644", owner: o.owner ?? "root", group: o.group ?? "root" };
}

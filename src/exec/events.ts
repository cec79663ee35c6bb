/**
 * What apply reports while it runs: events (one per task start and finish, per handler, per
 * step, per probe left for the end of the apply; `--json` prints each as one NDJSON line) and the per-host recap. Every text an event
 * carries that may come from a host or an error is masked first: the task's secret values
 * (args at its sensitive paths, deferred verifiers materialized), SCRAM/MD5 verifiers and
 * deferred-secret tokens. Pure types and helpers; prints nothing.
 */
import { MASK } from "../model/secrets.js";
import { materializeSecrets, maskDeferredSecrets } from "../modules/deferred-secret.js";
import { maskOutput } from "../ops/file.js";
import { isSensitivePath } from "../plan/compare.js";
import type { Action, Effect, TaskSpec } from "../plan/types.js";
import type { HandlerAction } from "./handlers.js";

export type TaskStatus = "ok" | "changed" | "failed" | "skipped";

interface TaskRef {
  readonly host: string;
  readonly step: string;
  readonly address: string;
  readonly op: string;
  readonly key: string;
}

export type ApplyEvent =
  | { readonly type: "apply_start"; readonly hosts: readonly string[]; readonly steps: readonly string[] }
  | { readonly type: "step_start"; readonly step: string; readonly waves: readonly (readonly string[])[] }
  | ({ readonly type: "task_start" } & TaskRef)
  | ({
      readonly type: "task_finish";
      readonly status: TaskStatus;
      readonly action?: Action;
      readonly effect?: Effect;
      readonly reason?: string;
      readonly error?: string;
      readonly ms: number;
    } & TaskRef)
  | { readonly type: "handler_start"; readonly host: string; readonly step: string; readonly service: string; readonly action: HandlerAction; readonly triggers: readonly string[] }
  | {
      readonly type: "handler_finish";
      readonly host: string;
      readonly step: string;
      readonly service: string;
      readonly action: HandlerAction;
      readonly status: "changed" | "skipped" | "failed";
      readonly reason?: string;
      readonly error?: string;
      readonly ms: number;
    }
  | { readonly type: "host_stopped"; readonly host: string; readonly reason: string }
  | { readonly type: "settle_start"; readonly hosts: readonly string[] }
  | ({
      readonly type: "settle_finish";
      readonly what: string;
      readonly status: "ok" | "failed" | "skipped";
      readonly reason?: string;
      readonly error?: string;
      readonly ms: number;
    } & TaskRef)
  | { readonly type: "step_finish"; readonly step: string; readonly ms: number }
  | { readonly type: "recap"; readonly hosts: readonly HostRecap[]; readonly ok: boolean; readonly aborted: boolean; readonly ms: number };

/** What apply did on one host. */
export interface HostRecap {
  readonly host: string;
  /** Tasks checked that needed nothing. */
  readonly ok: number;
  /** Tasks that changed the host. */
  readonly changed: number;
  /** Tasks and handlers that failed (a host stops at its first failure). */
  readonly failed: number;
  /** Tasks not run: the host stopped, its primary failed, or apply was interrupted. */
  readonly skipped: number;
  /** Reloads and restarts run. */
  readonly handlers: number;
  /** Fact scripts apply ran on the host (re-checks). */
  readonly roundTrips: number;
  readonly ms: number;
  /** Why the host stopped early, if it did. */
  readonly stopped?: string;
}

/** Secret strings of a task: values at its sensitive paths (materialized), longest first. */
export function secretValues(task: TaskSpec): string[] {
  const out = new Set<string>();
  const walk = (v: unknown, path: string[]): void => {
    if (typeof v === "string") {
      if (isSensitivePath(task.sensitive, path) && path[0] !== "content") {
        for (const s of [v, materializeSecrets(v)]) if (s.length >= 4) out.add(s);
      }
      return;
    }
    if (Array.isArray(v)) v.forEach((x, i) => walk(x, [...path, String(i)]));
    else if (typeof v === "object" && v !== null) for (const [k, x] of Object.entries(v)) walk(x, [...path, k]);
  };
  walk(task.args, []);
  return [...out].sort((a, b) => b.length - a.length);
}

const VERIFIER = /SCRAM-SHA-256\$[^\s"',]+|md5[0-9a-f]{32}/g;

/** A function that masks the task's secrets in any text about it (errors, reasons). */
export function maskerFor(task: TaskSpec | undefined): (text: string) => string {
  const secrets = task ? secretValues(task) : [];
  const content = task?.op === "file" && (task.sensitive === true || task.args.sensitive === true || (Array.isArray(task.sensitive) && task.sensitive.includes("content")))
    ? String(task.args.content ?? "")
    : undefined;
  return (text) => {
    let s = text;
    for (const v of secrets) s = s.split(v).join(MASK);
    s = maskDeferredSecrets(s, MASK).replace(VERIFIER, MASK);
    return content !== undefined ? maskOutput(s, content) : s;
  };
}

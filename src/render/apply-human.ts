/**
 * The human view of an apply: the plan's lines in past tense as tasks finish (changes,
 * failures, handlers; checked-and-unchanged tasks are only counted), a progress line per host
 * for terminals, and the per-host recap. The JSON view is the events themselves (NDJSON).
 * Pure: returns text; the CLI writes it.
 */
import pc from "picocolors";

type Colors = ReturnType<typeof pc.createColors>;
import type { ApplyEvent, HostRecap } from "../exec/events.js";
import type { Action } from "../plan/types.js";

export interface ApplyHumanOptions {
  readonly color: boolean;
  readonly label?: (host: string) => string;
}

const DONE: Record<Action, [string, string]> = {
  create: ["+", "created"], update: ["~", "updated"], delete: ["-", "deleted"], run: [">", "ran"], unknown: ["?", "checked"], noop: [" ", "unchanged"],
};

const secs = (ms: number): string => `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)}s`;

/** Turns events into log lines; remembers the step so its name is printed once, before its first line. */
export class ApplyLog {
  #step: string | undefined;
  #printed: string | undefined;
  readonly #c: Colors;
  readonly #label: (h: string) => string;

  constructor(o: ApplyHumanOptions) {
    this.#c = pc.createColors(o.color);
    this.#label = o.label ?? ((h) => h);
  }

  /** The lines an event adds to the log (often none). */
  lines(e: ApplyEvent): string[] {
    const c = this.#c;
    if (e.type === "step_start") this.#step = e.step;
    if (e.type === "settle_start") this.#step = "settle";
    const body = this.#body(e);
    if (body.length === 0) return [];
    const head = this.#step !== undefined && this.#printed !== this.#step ? [c.bold(this.#step)] : [];
    this.#printed = this.#step;
    return [...head, ...body];
  }

  #body(e: ApplyEvent): string[] {
    const c = this.#c;
    const host = (h: string) => c.dim(this.#label(h));
    switch (e.type) {
      case "task_finish": {
        if (e.status === "changed") {
          const [sym, verb] = DONE[e.action ?? "update"];
          const effect = e.effect && e.effect !== "none" ? c.magenta(`  [${e.effect}]`) : "";
          return [`  ${c.green(`${sym} ${e.op.padEnd(14)}`)} ${e.key.padEnd(34)} ${host(e.host)}  ${verb} in ${secs(e.ms)}${effect}`];
        }
        if (e.status === "failed") return [`  ${c.red(`✗ ${e.op.padEnd(14)}`)} ${e.key.padEnd(34)} ${host(e.host)}  ${c.red("failed")}`, ...indent(e.error ?? e.reason ?? "")];
        return [];
      }
      case "handler_finish": {
        const what = `${e.action} ${e.service}`;
        if (e.status === "changed") return [`  ${c.magenta(`↻ ${what.padEnd(49)}`)} ${host(e.host)}  done in ${secs(e.ms)}`];
        if (e.status === "failed") return [`  ${c.red(`✗ ${what.padEnd(49)}`)} ${host(e.host)}  ${c.red("failed")}`, ...indent(e.error ?? "")];
        return [`  ${c.dim(`· ${what.padEnd(49)}`)} ${host(e.host)}  ${c.dim(`not needed: ${e.reason ?? ""}`)}`];
      }
      case "settle_finish": {
        const task = `${e.op.padEnd(14)} ${e.key.padEnd(34)} ${host(e.host)}`;
        if (e.status === "ok") return [`  ${c.green("✓")} ${task}  ${e.what} after ${secs(e.ms)}`];
        if (e.status === "failed") return [`  ${c.red("✗")} ${task}  ${c.red(`failed: ${e.what}`)}`, ...indent(e.error ?? "")];
        return [`  ${c.dim("·")} ${task}  ${c.dim(`not awaited (${e.what}): ${e.reason ?? ""}`)}`];
      }
      case "host_stopped":
        return [`  ${c.red("!")} ${this.#label(e.host)} stopped: ${e.reason}`];
      default:
        return [];
    }
  }
}

function indent(text: string): string[] {
  return text.trim() === "" ? [] : text.trim().split("\n").map((l) => `      ${l}`);
}

/** One host's progress for a terminal's status block. */
export interface HostProgress {
  readonly host: string;
  step?: string;
  task?: string;
  done: number;
  changed: number;
  failed: boolean;
  finished: boolean;
}

export function progressLine(p: HostProgress, o: ApplyHumanOptions, width: number): string {
  const c = pc.createColors(o.color);
  const label = (o.label ?? ((h: string) => h))(p.host);
  const state = p.failed ? c.red("failed") : p.finished ? c.green("done") : `${p.step ?? ""} ${p.task ?? ""}`.trim();
  const line = `  ${label.padEnd(16)} ${String(p.done).padStart(4)} tasks, ${p.changed} changed  ${state}`;
  return line.length > width ? `${line.slice(0, width - 1)}…` : line;
}

export function renderRecap(recap: readonly HostRecap[], o: ApplyHumanOptions & { readonly ms: number; readonly aborted: boolean }): string {
  const c = pc.createColors(o.color);
  const label = o.label ?? ((h: string) => h);
  const width = Math.max(4, ...recap.map((r) => label(r.host).length));
  const lines = [c.bold("Recap")];
  for (const r of recap) {
    const counts = `ok=${r.ok} changed=${r.changed} failed=${r.failed} skipped=${r.skipped} handlers=${r.handlers}`;
    const paint = r.failed ? c.red : r.changed ? c.yellow : c.green;
    lines.push(`  ${paint(label(r.host).padEnd(width))}  ${counts}  ${secs(r.ms)}${r.stopped ? c.red(`  stopped: ${r.stopped}`) : ""}`);
  }
  const sum = (k: "changed" | "failed" | "handlers") => recap.reduce((n, r) => n + r[k], 0);
  const failedHosts = recap.filter((r) => r.failed > 0).length;
  const verdict = o.aborted ? c.yellow("Apply interrupted") : failedHosts ? c.red("Apply failed") : c.green("Apply complete");
  lines.push("", `${verdict}: ${sum("changed")} changed, ${sum("handlers")} reloads/restarts, ${sum("failed")} failed on ${recap.length} host${recap.length === 1 ? "" : "s"} in ${secs(o.ms)}.`);
  return lines.join("\n");
}

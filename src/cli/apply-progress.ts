/**
 * The progress block of `pgsty apply` on a terminal: one line per host (what it is doing, how
 * many tasks it has done and changed), redrawn in place at the bottom of stderr while the log
 * lines scroll above it. Only used when stderr is a terminal and --json is off.
 */
import type { ApplyEvent } from "../exec/events.js";
import { progressLine, type ApplyHumanOptions, type HostProgress } from "../render/apply-human.js";

const MAX_LINES = 20;
const REDRAW_MS = 100;

export class ApplyProgress {
  readonly #hosts: HostProgress[];
  readonly #byHost = new Map<string, HostProgress>();
  #drawn = 0;
  #last = 0;

  constructor(hosts: readonly string[], private readonly o: ApplyHumanOptions, private readonly stream: NodeJS.WriteStream = process.stderr) {
    this.#hosts = hosts.map((host) => ({ host, done: 0, changed: 0, failed: false, finished: false }));
    for (const h of this.#hosts) this.#byHost.set(h.host, h);
  }

  /** Applies an event; prints `lines` above the block (they go to stdout). */
  update(e: ApplyEvent, lines: readonly string[]): void {
    this.#track(e);
    const now = Date.now();
    if (lines.length === 0 && now - this.#last < REDRAW_MS && e.type !== "recap") return;
    this.#last = now;
    this.#clear();
    if (lines.length) process.stdout.write(`${lines.join("\n")}\n`);
    this.#draw();
  }

  /** Removes the block (before the recap is printed). */
  close(): void {
    this.#clear();
  }

  #track(e: ApplyEvent): void {
    if (e.type === "task_start") {
      const p = this.#byHost.get(e.host);
      if (p) {
        p.step = e.step;
        p.task = `${e.op} ${e.key}`;
      }
    } else if (e.type === "task_finish") {
      const p = this.#byHost.get(e.host);
      if (p && e.status !== "skipped") p.done++;
      if (p && e.status === "changed") p.changed++;
      if (p && e.status === "failed") p.failed = true;
    } else if (e.type === "settle_start") {
      for (const h of e.hosts) {
        const p = this.#byHost.get(h);
        if (p) {
          p.step = "settle";
          p.task = undefined;
        }
      }
    } else if (e.type === "settle_finish") {
      const p = this.#byHost.get(e.host);
      if (p && e.status === "failed") p.failed = true;
    } else if (e.type === "host_stopped") {
      const p = this.#byHost.get(e.host);
      if (p) p.failed = true;
    } else if (e.type === "recap") {
      for (const p of this.#hosts) p.finished = true;
    }
  }

  #clear(): void {
    if (this.#drawn === 0) return;
    this.stream.write(`\x1b[${this.#drawn}A\x1b[J`);
    this.#drawn = 0;
  }

  #draw(): void {
    const width = Math.max(40, this.stream.columns ?? 100);
    const shown = this.#hosts.slice(0, MAX_LINES);
    const lines = shown.map((p) => progressLine(p, this.o, width));
    if (this.#hosts.length > shown.length) lines.push(`  … and ${this.#hosts.length - shown.length} more hosts`);
    this.stream.write(`${lines.join("\n")}\n`);
    this.#drawn = lines.length;
  }
}

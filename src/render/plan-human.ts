/**
 * The human view of a plan (ARCHITECTURE §6a): steps in order, one line per change with identical
 * changes across hosts collapsed onto one line, diffs and field changes indented below, and a
 * summary line. Rendered from the same data as `--json`. Pure: returns text.
 */
import pc from "picocolors";
import { MASK } from "../model/secrets.js";
import { CreatedChange, createdRuns } from "../plan/created-change.js";
import type { Action, Change, Plan, PlanStep } from "../plan/types.js";

const SYMBOL: Record<Action, string> = { create: "+", update: "~", delete: "-", run: ">", unknown: "?", noop: " " };

export interface HumanOptions {
  readonly color: boolean;
  /** How to name a host: its instance name (pg-test-1) where it has one. */
  readonly label?: (host: string) => string;
  /** Cap on diff lines shown per change (the JSON has all of them). */
  readonly maxDiffLines?: number;
}

export function renderPlanHuman(plan: Plan, o: HumanOptions): string {
  const pieces: string[] = [];
  writePlanHuman(plan, o, (t) => pieces.push(t));
  return pieces.join("").slice(0, -1);
}

/**
 * The human view in pieces of whole lines, each line ending in a line break, about 1 MiB each:
 * the plan of 3,000 hosts is 7 MB of text, and its lines need not all be kept until the last.
 */
export function writePlanHuman(plan: Plan, o: HumanOptions, write: (text: string) => void, pieceSize = 1 << 20): void {
  const c = pc.createColors(o.color);
  const label = o.label ?? ((h: string) => h);
  const paint = (a: Action, s: string) => (a === "create" ? c.green(s) : a === "delete" ? c.red(s) : a === "update" ? c.yellow(s) : a === "run" ? c.cyan(s) : s);
  const out = new Lines(write, pieceSize);
  for (const step of plan.steps) {
    const groups = collapse(step);
    if (groups.length === 0) continue;
    out.push(c.bold(step.step));
    for (const group of groups) {
      const ch = group.change;
      const effect = ch.effect === "none" ? "" : `  [${ch.effect}]`;
      const hosts = group.hosts.map(label).join(" ");
      out.push(`  ${paint(ch.action, `${SYMBOL[ch.action]} ${ch.op.padEnd(14)}`)} ${ch.key.padEnd(34)} ${c.dim(hosts)}${c.magenta(effect)}`);
      if (ch.summary && ch.action !== "update") out.push(`      ${c.dim(ch.summary)}`);
      if (ch.reason) out.push(`      ${ch.reason}`);
      // a create lists its wanted state in the summary already
      for (const f of ch.action === "create" ? [] : ch.fields ?? []) {
        if (f.before === undefined && f.after === undefined) out.push(`      ${f.field}: changed`);
        else if (f.before === MASK && f.after === MASK) out.push(`      ${f.field}: changed (sensitive)`);
        else out.push(`      ${f.field}: ${fmt(f.before)} → ${fmt(f.after)}`);
      }
      if (ch.diff) {
        const lines = ch.diff.split("\n");
        const max = o.maxDiffLines ?? 40;
        for (const l of lines.slice(0, max)) out.push(`      ${l.startsWith("+") ? c.green(l) : l.startsWith("-") ? c.red(l) : l.startsWith("@@") ? c.cyan(l) : l}`);
        if (lines.length > max) out.push(c.dim(`      … ${lines.length - max} more diff lines (see --json)`));
      }
    }
  }
  const s = plan.summary;
  if (out.count === 0) {
    out.push(`No changes. ${plan.hosts.length} ${plan.hosts.length === 1 ? "host matches" : "hosts match"} ${plan.inventory.join(", ")}${plan.mode === "base" ? ` (compared with ${plan.base?.join(", ")})` : ""}.`);
  } else {
    out.push("");
    out.push(`Plan: ${s.create} to create, ${s.update} to update, ${s.delete} to delete${s.run ? `, ${s.run} to run` : ""}${s.unknown ? `, ${s.unknown} unknown` : ""}; ${s.restarts} restart${s.restarts === 1 ? "" : "s"}, ${s.reloads} reload${s.reloads === 1 ? "" : "s"}; ${s.unchanged} unchanged.`);
  }
  out.end();
}

/** Lines collected and written in pieces of about `pieceSize` characters, each line followed by a line break. */
class Lines {
  #lines: string[] = [];
  #size = 0;
  /** Lines pushed so far. */
  count = 0;

  constructor(
    private readonly write: (text: string) => void,
    private readonly pieceSize: number,
  ) {}

  push(line: string): void {
    this.#lines.push(line);
    this.count++;
    this.#size += line.length;
    if (this.#size > this.pieceSize) this.end();
  }

  /** Writes what is left. */
  end(): void {
    if (this.#lines.length === 0) return;
    this.#lines.push("");
    this.write(this.#lines.join("\n"));
    this.#lines = [];
    this.#size = 0;
  }
}

interface Group {
  readonly change: Change;
  readonly hosts: string[];
}

/**
 * The changes of a step other than no-ops, identical ones on several hosts as one group listing
 * the hosts. Changes are looked up by op, key and summary (strings the hosts mostly share, so
 * their hashes are cached), then compared field by field: no key string per change (400,000 of
 * them on 3,000 hosts).
 */
function collapse(step: PlanStep): Group[] {
  const groups: Group[] = [];
  const byOp = new Map<string, Map<string, Map<string | undefined, Group[]>>>();
  // Created changes of one shared task (plan/created-change.ts) show the same on every host: the
  // group of the first one is the group of all (an earlier group matching a later one would have
  // matched the first), so they skip the lookup — and a step made of runs makes no change object
  // for them at all.
  const byPart = new Map<object, Group>();
  const runs = createdRuns(step);
  if (runs) {
    for (const r of runs) {
      for (const part of r.parts) {
        if (part.action === "noop") continue;
        const g = byPart.get(part);
        if (g) g.hosts.push(r.host);
        else add(new CreatedChange(r.prefix, r.host, part), part);
      }
    }
  } else {
    for (const ch of step.changes) {
      if (ch.action === "noop") continue;
      const part = ch instanceof CreatedChange ? ch.part : undefined;
      const g = part && byPart.get(part);
      if (g) g.hosts.push(ch.host);
      else add(ch, part);
    }
  }
  return groups;

  /** A change whose part (if any) has no group yet: into the group of an identical change, or a new one. */
  function add(ch: Change, part: object | undefined): void {
    let byKey = byOp.get(ch.op);
    if (!byKey) byOp.set(ch.op, (byKey = new Map()));
    let bySummary = byKey.get(ch.key);
    if (!bySummary) byKey.set(ch.key, (bySummary = new Map()));
    let list = bySummary.get(ch.summary);
    if (!list) bySummary.set(ch.summary, (list = []));
    let g = list.find((x) => sameChange(x.change, ch));
    if (g) g.hosts.push(ch.host);
    else {
      g = { change: ch, hosts: [ch.host] };
      list.push(g);
      groups.push(g);
    }
    if (part) byPart.set(part, g);
  }
}

/** Whether two changes of the same op, key and summary show the same (the host aside). */
function sameChange(a: Change, b: Change): boolean {
  return a.action === b.action && a.effect === b.effect && a.diff === b.diff && a.reason === b.reason &&
    (a.fields === b.fields || (a.fields !== undefined && b.fields !== undefined && JSON.stringify(a.fields) === JSON.stringify(b.fields)));
}

function fmt(v: unknown): string {
  if (v === undefined) return "(none)";
  const s = typeof v === "string" ? v : JSON.stringify(v);
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

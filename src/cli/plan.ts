/**
 * `pgsty plan` and `pgsty render`: expand the playbook for the selected hosts and show what would
 * change (`--offline`: every host treated as empty; `--base OLD`: against another inventory's
 * desired state, for pull requests), or write every host's files and objects to a directory.
 */
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { error, hasErrors, type Diagnostic } from "../diagnostics.js";
import type { Model } from "../model/model.js";
import { STEP_DEFS, refineEffect } from "../modules/index.js";
import { basePlan, offlinePlan } from "../plan/desired.js";
import { hasChanges } from "../plan/summary.js";
import { expandPlaybook, type Expansion } from "../plan/expand.js";
import { runPreflight } from "../plan/preflight.js";
import { knownTags, loadPlaybook } from "../plan/playbook.js";
import { maskArgs, maskSecretsInText } from "../plan/compare.js";
import type { TaskSpec } from "../plan/types.js";
import { materializeSecrets } from "../modules/deferred-secret.js";
import { diagnosticJson, formatDiagnostics } from "../render/diagnostics.js";
import { writePlanHuman } from "../render/plan-human.js";
import { writeJsonPlan } from "../render/plan-json.js";
import { runFront, type FrontOptions } from "./front.js";
import type { Output } from "./output.js";
import { RenderWriter, type FileWrite } from "./render-writer.js";
import { phaseTimer } from "../timing.js";

export interface PlanOptions extends FrontOptions {
  readonly playbook: string;
  readonly tags: readonly string[];
  readonly offline: boolean;
  readonly base: readonly string[];
  readonly json: boolean;
  readonly detailedExitcode: boolean;
  /** Live plans: hosts read at once (default 10). */
  readonly forks?: number;
}

/** `checks`: run the playbook's preflight (not for a base inventory, which is never applied). */
function expand(model: Model, playbookName: string, hosts: readonly string[], tags: readonly string[], out: Diagnostic[], checks = true): Expansion | undefined {
  const stepNames = new Set(STEP_DEFS.keys());
  const pb = loadPlaybook(playbookName, stepNames);
  const known = knownTags(pb);
  const unknown = tags.filter((t) => !known.has(t));
  if (unknown.length) {
    out.push(error("plan.tags", `unknown tag${unknown.length > 1 ? "s" : ""} ${unknown.map((t) => `\`${t}\``).join(", ")}`, {
      hint: `tags of playbook ${pb.name}: ${[...known].sort().join(", ")}`,
    }));
    return undefined;
  }
  if (checks) {
    out.push(...runPreflight(pb, STEP_DEFS, model, hosts));
    if (hasErrors(out)) return undefined;
  }
  return expandPlaybook(model, pb, STEP_DEFS, { hosts, tags });
}


export function planCommand(o: PlanOptions, out: Output): number | Promise<number> {
  const timing = phaseTimer();
  // a live plan reads the hosts (cli/apply.ts); loaded only then, so --offline stays fast
  if (!o.offline) return import("./apply.js").then((m) => m.livePlanCommand(o, out));
  const front = runFront(o);
  const diagnostics = [...front.diagnostics];
  let base: ReturnType<typeof runFront> | undefined;
  if (o.base.length) {
    base = runFront({ inventory: o.base, extraVars: o.extraVars, limit: o.limit });
    diagnostics.push(...base.diagnostics.filter((d) => d.severity === "error").map((d) => ({ ...d, summary: `(base) ${d.summary}` })));
  }
  if (!front.model || hasErrors(diagnostics) || (base && !base.model)) return fail(diagnostics, o, out);
  const hosts = front.selected;
  timing("front end");
  const exp = expand(front.model, o.playbook, hosts, o.tags, diagnostics);
  if (!exp) return fail(diagnostics, o, out);
  timing("expand");
  const meta = { inventory: front.files, hosts, tags: o.tags, diagnostics: diagnostics.filter((d) => d.severity === "warning") };
  let plan;
  if (base?.model) {
    const gone = base.selected.filter((h) => !front.model!.hosts.has(h));
    for (const h of gone) meta.diagnostics.push({ severity: "warning", code: "plan.host-removed", summary: `host ${h} is no longer in the inventory: nothing is removed from it by apply`, hint: "remove it with bin/pgsql-rm before taking it out of the inventory" });
    const baseHosts = hosts.filter((h) => base!.model!.hosts.has(h));
    const baseExp = expand(base.model, o.playbook, baseHosts, o.tags, diagnostics, false)!;
    plan = basePlan(baseExp, exp, { ...meta, base: base.files }, refineEffect);
  } else plan = offlinePlan(exp, meta);
  timing("plan");
  if (o.json) writeJsonPlan({ ...plan, diagnostics: plan.diagnostics.map(diagnosticJson) }, (t) => out.stdout(t));
  else {
    if (plan.diagnostics.length) out.stderr(formatDiagnostics(plan.diagnostics, { color: out.color }));
    const model = front.model;
    writePlanHuman(plan, { color: out.color, label: (h) => model.instances.get(h)?.name ?? h }, (t) => out.stdout(t));
  }
  timing("output");
  return o.detailedExitcode && hasChanges(plan) ? 2 : 0;
}

function fail(diagnostics: Diagnostic[], o: { json: boolean }, out: Output): number {
  if (o.json) out.stdout(JSON.stringify({ format_version: "1", error: true, diagnostics: diagnostics.map(diagnosticJson) }, null, 2));
  else out.stderr(formatDiagnostics(diagnostics, { color: out.color }));
  return 1;
}

export interface RenderOptions extends FrontOptions {
  readonly out: string;
  /** Write real secrets (files 0600); by default they are masked so the output is safe to keep. */
  readonly withSecrets: boolean;
  readonly playbook: string;
  readonly tags: readonly string[];
}

/** Writes DIR/<host>/<absolute path> for every file and DIR/<host>/objects.json (secrets masked). */
export async function renderCommand(o: RenderOptions, out: Output): Promise<number> {
  const front = runFront(o);
  const diagnostics = [...front.diagnostics];
  if (!front.model || hasErrors(diagnostics)) return fail(diagnostics, { json: false }, out);
  const exp = expand(front.model, o.playbook, front.selected, o.tags, diagnostics);
  if (!exp) return fail(diagnostics, { json: false }, out);
  let counts: { files: number; sensitive: number };
  try {
    counts = await writeRendered(exp, front.selected, o);
  } catch (e) {
    // a file where a directory should be, no permission, a full disk: the user's to fix
    return fail([error("render.write", `cannot write the rendered files: ${(e as Error).message}`, {
      hint: `choose an --out directory you can write to (${o.out} was given)`,
    })], { json: false }, out);
  }
  out.stderr(`rendered ${counts.files} files for ${front.selected.length} hosts into ${o.out}: ${counts.sensitive} hold secrets (mode 0600), ${o.withSecrets ? "written in full" : "masked as (sensitive); --with-secrets writes them"}`);
  return 0;
}

async function writeRendered(exp: Expansion, hosts: readonly string[], o: RenderOptions): Promise<{ files: number; sensitive: number }> {
  mkdirSync(o.out, { recursive: true, mode: 0o700 });
  const writer = new RenderWriter(dirname(join(o.out, "_"))); // --out, normalised as join() writes it
  let files = 0, sensitive = 0;
  // what hosts share is written as they share it: a file's text once per (frozen) task, and
  // objects.json once for hosts whose objects come from the same (frozen) lists — a cluster's members
  const texts = new WeakMap<object, string>();
  let last: { lists: readonly (readonly TaskSpec[])[]; text: string } | undefined;
  try {
    for (const host of hosts) {
      const batch: FileWrite[] = [];
      const objectLists: (readonly TaskSpec[])[] = [];
      for (const tasks of exp.tasksOf(host).values()) {
        let objects = false;
        for (const t of tasks) {
          if (t.op === "file") {
            let text = texts.get(t.args);
            if (text === undefined) {
              const content = String(t.args.content);
              text = o.withSecrets ? materializeSecrets(content) : maskSecretsInText(content);
              if (Object.isFrozen(t.args)) texts.set(t.args, text);
            }
            // files with secrets are as private here as on the host
            const secret = Boolean(t.args.sensitive);
            batch.push([join(o.out, host, String(t.args.path)), text, secret]);
            if (secret) sensitive++;
            files++;
          } else if (t.op.startsWith("pg.")) objects = true;
        }
        if (objects) objectLists.push(tasks);
      }
      if (objectLists.length > 0) {
        const same = last && last.lists.length === objectLists.length && objectLists.every((l, i) => Object.isFrozen(l) && l === last!.lists[i]);
        if (!same) last = { lists: objectLists, text: objectsJson(objectLists) };
        batch.push([join(o.out, host, "objects.json"), last!.text, false]);
      }
      writer.write(batch);
    }
  } finally {
    // rejects with the first write error, which then replaces the loop's "writing stopped"
    await writer.finish();
  }
  return { files, sensitive };
}

/**
 * objects.json: the database objects of the lists, by op, secrets masked, keys sorted. Where they
 * live (`target`: the instance's port, socket directory, dbsu and system users) is written once,
 * at the top level: every object of a host is in its own instance, and repeating it in each
 * entry made half of the file (33 KB of 66 KB per host on the bench inventory). An entry whose
 * target differs from the first entry's keeps its own.
 */
function objectsJson(lists: readonly (readonly TaskSpec[])[]): string {
  const objects: Record<string, unknown[]> = {};
  let target: ShownEntry | undefined;
  for (const tasks of lists) {
    for (const t of tasks) {
      if (!t.op.startsWith("pg.")) continue;
      const e = shownEntry(t);
      target ??= e;
      (objects[t.op] ??= []).push(e.targetJson === target.targetJson ? e.rest : e.whole);
    }
  }
  // each entry is sorted already (sortKeysDeep of the whole, done in parts)
  const sorted: Record<string, unknown> = Object.fromEntries(Object.keys(objects).sort().map((op) => [op, objects[op]]));
  // after the ops: "target" sorts after every "pg.…"
  if (target?.whole.target !== undefined) sorted.target = target.whole.target;
  return `${JSON.stringify(sorted, null, 2)}\n`;
}

/** A task's args as shown (masked, keys sorted): whole, without its target, and that target's JSON. */
interface ShownEntry {
  readonly whole: Readonly<Record<string, unknown>>;
  readonly rest: Readonly<Record<string, unknown>>;
  readonly targetJson: string | undefined;
}

/** Once for a task that clusters share (frozen: modules/intern.ts). */
const shown = new WeakMap<TaskSpec, ShownEntry>();

function shownEntry(t: TaskSpec): ShownEntry {
  let e = shown.get(t);
  if (e === undefined) {
    const whole = sortKeysDeep(maskArgs(t.args, t.sensitive)) as Record<string, unknown>;
    const { target, ...rest } = whole;
    e = { whole, rest, targetJson: targetJson(t.args.target, target) };
    if (Object.isFrozen(t)) shown.set(t, e);
  }
  return e;
}

const targetTexts = new WeakMap<object, string>();

/** The JSON of a target as shown (`sorted`), once per target object: the tasks of a cluster share one. */
function targetJson(raw: unknown, sorted: unknown): string | undefined {
  if (raw === null || typeof raw !== "object") return JSON.stringify(sorted);
  let text = targetTexts.get(raw);
  if (text === undefined) targetTexts.set(raw, (text = JSON.stringify(sorted)));
  return text;
}

function sortKeysDeep(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeysDeep);
  if (v === null || typeof v !== "object") return v;
  return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeysDeep((v as Record<string, unknown>)[k])]));
}

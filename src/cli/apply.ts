/**
 * `pgsty plan` (live) and `pgsty apply`: read the selected hosts, plan against what they are,
 * print the plan; apply then asks (unless --yes), converges the hosts (exec/apply.ts) and
 * prints the recap, or NDJSON events with --json. Exit codes: plan 0 / 2 (changes, with
 * --detailed-exitcode) / 1 (errors: unreachable hosts, preflight refusals); apply 0 ok / 1 refused
 * (any error in the plan: nothing is changed on any host), failed or interrupted.
 * Connections are opened once per host for the whole command and closed at its end.
 */
import { createInterface } from "node:readline/promises";
import { hasErrors, type Diagnostic } from "../diagnostics.js";
import { applyPlan } from "../exec/apply.js";
import { openConnector, type ConnectionParams } from "../exec/connector.js";
import type { ApplyEvent } from "../exec/events.js";
import type { HostRole } from "../exec/waves.js";
import type { Model } from "../model/model.js";
import { STEP_DEFS, refineEffect } from "../modules/index.js";
import { buildLivePlan, ConnectorPool, type LivePlan } from "../plan/build.js";
import { knownTags, loadPlaybook } from "../plan/playbook.js";
import { runPreflight } from "../plan/preflight.js";
import { preflightScope } from "../plan/preflight-host.js";
import { hasChanges } from "../plan/summary.js";
import type { Plan } from "../plan/types.js";
import { diagnosticJson, formatDiagnostics } from "../render/diagnostics.js";
import { renderPlanHuman } from "../render/plan-human.js";
import { ApplyLog, renderRecap } from "../render/apply-human.js";
import { renderConnectHints } from "../render/connect-hints.js";
import { ApplyProgress } from "./apply-progress.js";
import { runFront, type FrontOptions } from "./front.js";
import { processOutput, type Output } from "./output.js";
import { timingNote } from "../timing.js";

export interface LiveOptions extends FrontOptions {
  readonly playbook: string;
  readonly tags: readonly string[];
  readonly json: boolean;
  /** Hosts read (and applied) at once; default 10. */
  readonly forks?: number;
}

export interface LiveRun {
  readonly live: LivePlan;
  readonly model: Model;
  readonly pool: ConnectorPool;
}

/** The connection vars of a host, Ansible names (become defaults to true, as pgsty's playbooks need root). */
export function connectionParams(vars: Readonly<Record<string, unknown>>): ConnectionParams {
  const str = (k: string) => (typeof vars[k] === "string" && vars[k] !== "" ? (vars[k] as string) : undefined);
  const port = vars.ansible_port;
  const conn = str("ansible_connection");
  return {
    ...(str("ansible_host") ? { ansible_host: str("ansible_host") } : {}),
    ...(typeof port === "number" ? { ansible_port: port } : {}),
    ...(str("ansible_user") ? { ansible_user: str("ansible_user") } : {}),
    ...(str("ansible_ssh_private_key_file") ? { ansible_ssh_private_key_file: str("ansible_ssh_private_key_file") } : {}),
    ...(str("ansible_password") ? { ansible_password: str("ansible_password") } : {}),
    ...(conn === "local" || conn === "ssh" ? { ansible_connection: conn } : {}),
    ansible_become: vars.ansible_become !== false,
    ...(str("ansible_become_user") ? { ansible_become_user: str("ansible_become_user") } : {}),
  };
}

/** The cluster and primary of each PostgreSQL host, for waves. */
export function hostRoles(model: Model): Map<string, HostRole> {
  const out = new Map<string, HostRole>();
  for (const [host, inst] of model.instances) out.set(host, { cluster: inst.cluster, primary: model.clusters.get(inst.cluster)?.primary?.host.name === host });
  return out;
}

/** Front end → live plan. Returns diagnostics instead when the inventory or the selection is wrong. */
export async function runLivePlan(o: LiveOptions, pool?: ConnectorPool): Promise<LiveRun | { diagnostics: Diagnostic[] }> {
  const front = runFront(o);
  const diagnostics = [...front.diagnostics];
  if (!front.model || hasErrors(diagnostics)) return { diagnostics };
  const model = front.model;
  const playbook = loadPlaybook(o.playbook, new Set(STEP_DEFS.keys()));
  const known = knownTags(playbook);
  const unknown = o.tags.filter((t) => !known.has(t));
  if (unknown.length) {
    diagnostics.push({ severity: "error", code: "plan.tags", summary: `unknown tag${unknown.length > 1 ? "s" : ""} ${unknown.map((t) => `\`${t}\``).join(", ")}`, hint: `tags of playbook ${playbook.name}: ${[...known].sort().join(", ")}` });
    return { diagnostics };
  }
  // a removal's safeguards: refused before any host is read
  diagnostics.push(...runPreflight(playbook, STEP_DEFS, model, front.selected));
  if (hasErrors(diagnostics)) return { diagnostics };
  const usePool = pool ?? new ConnectorPool((h) => openConnector(h, connectionParams(model.hosts.get(h)?.vars ?? {})));
  const t0 = performance.now();
  const live = await buildLivePlan(
    { model, playbook, stepDefs: STEP_DEFS, meta: { inventory: front.files, hosts: front.selected, tags: o.tags, diagnostics: diagnostics.filter((d) => d.severity === "warning") } },
    { pool: usePool, forks: o.forks ?? 10, refine: refineEffect, preflight: preflightScope(playbook) },
  );
  for (const s of live.sessions.values()) timingNote(`live plan ${s.host}: ${s.roundTrips} round trips, ${s.ms.toFixed(0)} ms${s.error ? ` (${s.error})` : ""}`);
  timingNote(`live plan ${(performance.now() - t0).toFixed(0)} ms`);
  return { live, model, pool: usePool };
}

const label = (model: Model) => (h: string) => model.instances.get(h)?.name ?? h;

function fail(diagnostics: Diagnostic[], o: { json: boolean }, out: Output): number {
  if (o.json) out.stdout(JSON.stringify({ format_version: "1", error: true, diagnostics: diagnostics.map(diagnosticJson) }, null, 2));
  else out.stderr(formatDiagnostics(diagnostics, { color: out.color }));
  return 1;
}

const planJson = (plan: Plan) => ({ ...plan, diagnostics: plan.diagnostics.map(diagnosticJson) });

function printPlan(plan: Plan, model: Model, out: Output): void {
  if (plan.diagnostics.length) out.stderr(formatDiagnostics(plan.diagnostics, { color: out.color }));
  out.stdout(renderPlanHuman(plan, { color: out.color, label: label(model) }));
}

/** `pgsty plan` without --offline. */
export async function livePlanCommand(o: LiveOptions & { readonly detailedExitcode: boolean }, out: Output): Promise<number> {
  const run = await runLivePlan(o);
  if (!("live" in run)) return fail(run.diagnostics, o, out);
  try {
    const { plan } = run.live;
    if (o.json) out.stdout(JSON.stringify(planJson(plan), null, 2));
    else printPlan(plan, run.model, out);
    if (hasErrors(plan.diagnostics)) return 1;
    return o.detailedExitcode && hasChanges(plan) ? 2 : 0;
  } finally {
    await run.pool.closeAll();
  }
}

export interface ApplyOptionsCli extends LiveOptions {
  readonly yes: boolean;
}

export interface ApplyIo {
  /** Asks the question; undefined when no one can answer (stdin is not a terminal). */
  readonly confirm?: (question: string) => Promise<boolean | undefined>;
  /** Draw a progress line per host (stderr is a terminal). */
  readonly tty?: boolean;
  readonly signal?: AbortSignal;
}

async function askOnTerminal(question: string): Promise<boolean | undefined> {
  if (!process.stdin.isTTY) return undefined;
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}

/** `pgsty apply`. */
export async function applyCommand(o: ApplyOptionsCli, out: Output, io: ApplyIo = {}): Promise<number> {
  const run = await runLivePlan(o);
  if (!("live" in run)) return fail(run.diagnostics, o, out);
  const { live, model, pool } = run;
  const ndjson = (x: unknown) => out.stdout(JSON.stringify(x));
  const sigint = interruptHandler(io, out);
  try {
    if (o.json) ndjson({ type: "plan", ...planJson(live.plan) });
    else printPlan(live.plan, model, out);
    // a refusal on any host (unreachable, unsupported, a port taken…) stops the whole run before
    // its first change: converging the other hosts could leave a cluster half-built
    if (hasErrors(live.plan.diagnostics)) {
      out.stderr("\nApply refused: the errors above must be fixed first. Nothing was changed on any host.");
      return 1;
    }
    if (!hasChanges(live.plan)) return 0;
    if (!o.yes) {
      const answer = await (io.confirm ?? askOnTerminal)("\nApply these changes? Only 'y' or 'yes' goes on [y/N]: ");
      if (answer === undefined) {
        out.stderr("error: apply asks for confirmation and nobody can answer (stdin is not a terminal): review the plan, then run again with --yes");
        return 1;
      }
      if (!answer) {
        out.stderr("Apply cancelled: nothing was changed.");
        return 1;
      }
    }
    const log = new ApplyLog({ color: out.color, label: label(model) });
    const tty = !o.json && (io.tty ?? (Boolean(process.stderr.isTTY) && out === processOutput));
    const progress = tty ? new ApplyProgress(live.plan.hosts, { color: out.color, label: label(model) }) : undefined;
    const onEvent = (e: ApplyEvent): void => {
      if (o.json) return ndjson(e);
      const lines = log.lines(e);
      if (progress) progress.update(e, lines);
      else if (lines.length) out.stdout(lines.join("\n"));
    };
    const result = await applyPlan(
      { steps: live.expansion.steps, hosts: live.plan.hosts, tasksOf: live.expansion.tasksOf, plan: live.plan, sessions: live.sessions, roles: hostRoles(model) },
      { forks: o.forks ?? 10, onEvent, ...(sigint.signal ? { signal: sigint.signal } : {}) },
    );
    progress?.close();
    if (!o.json) {
      out.stdout(`\n${renderRecap(result.recap, { color: out.color, label: label(model), ms: result.ms, aborted: result.aborted })}`);
      const hints = result.ok && o.playbook === "pgsql" ? renderConnectHints(model, live.plan.hosts) : "";
      if (hints) out.stdout(`\n${hints}`);
    }
    return result.ok ? 0 : 1;
  } finally {
    sigint.dispose();
    await pool.closeAll();
  }
}

/** First Ctrl-C: running tasks finish, nothing new starts. Second: the default (quit now). */
function interruptHandler(io: ApplyIo, out: Output): { signal?: AbortSignal; dispose(): void } {
  if (io.signal) return { signal: io.signal, dispose: () => {} };
  const ac = new AbortController();
  const onSigint = (): void => {
    if (ac.signal.aborted) {
      process.off("SIGINT", onSigint);
      process.kill(process.pid, "SIGINT");
      return;
    }
    ac.abort();
    out.stderr("\ninterrupted: running tasks finish, nothing new starts (Ctrl-C again to quit at once)");
  };
  process.on("SIGINT", onSigint);
  return { signal: ac.signal, dispose: () => process.off("SIGINT", onSigint) };
}

/**
 * pgsty's command line: argv → command → exit code. The only place that calls process.exit
 * (through process.exitCode); every other module returns data. Unexpected exceptions become one
 * line on stderr (the stack only with PGSTY_DEBUG=1), never a raw stack trace.
 */
import { writeFileSync } from "node:fs";
import { Command, InvalidArgumentError, Option } from "commander";
import { processOutput, type Output } from "./output.js";
import { timingNote } from "../timing.js";

// Commands are imported when run: `validate` should not pay for loading the docs generator.

const collect = (v: string, prev: string[]) => [...prev, v];

function frontOptions(cmd: Command, limit = true): Command {
  cmd
    .option("-i, --inventory <file>", "inventory file (repeatable; default: $PGSTY_INVENTORY, ./pigsty.yml, conf/pgsql.yml)", collect, [])
    .option("-e, --extra-vars <vars>", "extra vars: key=value, JSON/YAML map, or @file.yml (repeatable; highest precedence)", collect, []);
  if (limit) cmd.option("-l, --limit <pattern>", "host pattern: group, host, a,b, a:b, !x, &y, pg-*");
  return cmd;
}

export function buildProgram(out: Output, setExit: (code: number) => void): Command {
  const program = new Command("pgsty")
    .description("Declarative PostgreSQL clusters: validate, plan and apply an Ansible-shaped inventory")
    .showHelpAfterError()
    .configureOutput({ writeOut: (s) => out.stdout(s.trimEnd()), writeErr: (s) => out.stderr(s.trimEnd()) });

  frontOptions(program.command("validate").description("check the inventory; exit 0 valid, 1 invalid"))
    .option("--json", "machine-readable result", false)
    .action(async (o) => {
      const { validateCommand } = await import("./validate.js");
      setExit(validateCommand({ inventory: o.inventory, extraVars: o.extraVars, limit: o.limit, json: o.json }, out));
    });

  frontOptions(program.command("inventory").description("show the resolved inventory (secrets masked)"))
    .addOption(new Option("--list", "all groups and hosts, as ansible-inventory --list").conflicts(["host", "explain"]))
    .option("--host <host>", "one host's vars")
    .option("--explain <host_and_var...>", "HOST VAR: the value, the layer that set it, and where")
    .option("--defaults", "include every parameter's default value", false)
    .action(async (o) => {
      if (!o.list && o.host === undefined && !o.explain) {
        out.stderr("error: give --list, --host HOST or --explain HOST VAR");
        return setExit(1);
      }
      if (o.explain && o.explain.length !== 2) {
        out.stderr("error: --explain takes a host and a variable name: --explain 10.10.10.11 pg_version");
        return setExit(1);
      }
      const { inventoryCommand } = await import("./inventory.js");
      setExit(inventoryCommand({ inventory: o.inventory, extraVars: o.extraVars, limit: o.limit, list: Boolean(o.list), host: o.host, explain: o.explain, defaults: o.defaults }, out));
    });

  const tagList = (v: string, prev: string[]) => [...prev, ...v.split(",").map((t) => t.trim()).filter(Boolean)];
  const forks = (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError("must be a whole number of at least 1");
    return n;
  };

  frontOptions(program.command("plan").description("show what would change; exit 0 (2 with --detailed-exitcode when something changes), 1 on error"))
    .option("-t, --tags <tags>", "only the steps with these tags (comma-separated, repeatable)", tagList, [])
    .option("--playbook <name>", "playbook of playbooks/ to plan", "pgsql")
    .option("--offline", "read no host: every selected host is treated as empty (or compared with --base)", false)
    .option("--base <file>", "compare with the desired state of this (older) inventory instead (repeatable)", collect, [])
    .option("--json", "the plan as versioned JSON", false)
    .option("--detailed-exitcode", "exit 2 when the plan has changes", false)
    .option("--forks <n>", "hosts read at once (live plan)", forks, 10)
    .action(async (o) => {
      const { planCommand } = await import("./plan.js");
      setExit(await planCommand({ inventory: o.inventory, extraVars: o.extraVars, limit: o.limit, tags: o.tags, playbook: o.playbook, offline: o.offline || o.base.length > 0, base: o.base, json: o.json, detailedExitcode: o.detailedExitcode, forks: o.forks }, out));
    });

  frontOptions(program.command("apply").description("plan against the hosts, confirm, converge them; exit 0 ok, 1 failed"))
    .option("-t, --tags <tags>", "only the steps with these tags (comma-separated, repeatable)", tagList, [])
    .option("--playbook <name>", "playbook of playbooks/ to apply", "pgsql")
    .option("-y, --yes", "apply without asking (needed when stdin is not a terminal)", false)
    .option("--forks <n>", "hosts changed at once within a wave", forks, 10)
    .option("--json", "the plan, then one JSON event per line (NDJSON), secrets masked", false)
    .action(async (o) => {
      const { applyCommand } = await import("./apply.js");
      setExit(await applyCommand({ inventory: o.inventory, extraVars: o.extraVars, limit: o.limit, tags: o.tags, playbook: o.playbook, yes: o.yes, forks: o.forks, json: o.json }, out));
    });

  frontOptions(program.command("render").description("write every file pgsty would put on each host to DIR/<host>/<path>, and DIR/<host>/objects.json"))
    .requiredOption("--out <dir>", "output directory")
    .option("-t, --tags <tags>", "only the steps with these tags", tagList, [])
    .option("--playbook <name>", "playbook of playbooks/ to render", "pgsql")
    .option("--with-secrets", "write passwords and verifiers in full (default: masked, safe to keep as a CI artefact)", false)
    .action(async (o) => {
      const { renderCommand } = await import("./plan.js");
      setExit(await renderCommand({ inventory: o.inventory, extraVars: o.extraVars, limit: o.limit, out: o.out, tags: o.tags, playbook: o.playbook, withSecrets: o.withSecrets }, out));
    });

  program.command("schema").description("JSON Schema of the inventory, for editors (yaml-language-server)")
    .action(async () => {
      const { inventoryJsonSchema } = await import("../model/schema/json-schema.js");
      out.stdout(JSON.stringify(inventoryJsonSchema(), null, 2));
      setExit(0);
    });

  program.command("docs").description("write the parameter reference (Markdown) generated from the schema")
    .option("--out <file>", "write to this file instead of stdout")
    .action(async (o) => {
      const { renderParameterDocs } = await import("../model/schema/docs.js");
      const md = renderParameterDocs();
      if (o.out) writeFileSync(o.out, md);
      else out.stdout(md);
      setExit(0);
    });
  return program;
}

export async function main(argv: readonly string[]): Promise<number> {
  let code = 0;
  const program = buildProgram(processOutput, (c) => (code = c));
  program.exitOverride();
  try {
    await program.parseAsync([...argv], { from: "user" });
  } catch (e) {
    const ce = e as { code?: string; exitCode?: number };
    if (typeof ce.code === "string" && ce.code.startsWith("commander.")) {
      return ce.code === "commander.helpDisplayed" || ce.code === "commander.version" ? 0 : 1;
    }
    process.stderr.write(`pgsty: internal error: ${(e as Error).message}\n`);
    if (process.env.PGSTY_DEBUG) process.stderr.write(`${(e as Error).stack}\n`);
    else process.stderr.write("(run with PGSTY_DEBUG=1 for details, and please report it)\n");
    return 1;
  }
  return code;
}

/**
 * bin/pgsty starts node without NODE_EXTRA_CA_CERTS (node would parse those certificates as it
 * starts, and pgsty makes no TLS connection of its own) and passes it on in
 * PGSTY_NODE_EXTRA_CA_CERTS: put back, the programs pgsty runs see the environment it was given.
 */
export function restoreEnvironment(env: NodeJS.ProcessEnv): void {
  const ca = env.PGSTY_NODE_EXTRA_CA_CERTS;
  if (ca === undefined) return;
  env.NODE_EXTRA_CA_CERTS = ca;
  delete env.PGSTY_NODE_EXTRA_CA_CERTS;
}

/**
 * pgsty as a process: blocking standard streams, a reader that went away tolerated, the exit
 * code set. Called by both entry points: this module run as a script, and the startup snapshot.
 */
export async function run(argv: readonly string[]): Promise<void> {
  restoreEnvironment(process.env);
  const from = process.execArgv.some((a) => a.startsWith("--snapshot-blob")) ? "the startup snapshot" : "the bundle";
  timingNote(`process up to the CLI ${performance.now().toFixed(0)} ms, from ${from}`);
  // A pipe is written asynchronously: a plan of 400,000 changes piped to a slower reader queued
  // ~350 MB of pending writes. Blocking writes keep memory to what is being written.
  for (const stream of [process.stdout, process.stderr]) (stream as unknown as { _handle?: { setBlocking?: (b: boolean) => void } })._handle?.setBlocking?.(true);
  // `pgsty schema | head`: the reader went away. Output is dropped, the command still ends as
  // it would have (an apply is never cut short because nobody reads its log).
  process.stdout.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code !== "EPIPE") throw e;
  });
  process.exitCode = await main(argv);
}

// run when executed (bin/pgsty runs the bundle, dist/main.mjs), not when imported by tests
if (process.argv[1] && /(dist\/main\.mjs|cli\/main\.[jt]s)$/.test(process.argv[1])) void run(process.argv.slice(2));

/**
 * `pgsty ARGV…` in this process (the same code bin/pgsty bundles), for the unit and integration
 * tests: what it printed on each stream and its exit code. An exception that is not Commander's
 * own (those are already printed) is added to stderr, so a crash shows in the assertion.
 */
import { CommanderError } from "commander";
import { buildProgram } from "../src/cli/main.js";
import { endLine } from "../src/cli/output.js";

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export async function runCli(...argv: string[]): Promise<CliResult> {
  let stdout = "", stderr = "", code = -1;
  // each write ends in a line break, as processOutput writes it
  const program = buildProgram({ stdout: (t) => void (stdout += endLine(t)), stderr: (t) => void (stderr += endLine(t)), color: false }, (c) => (code = c));
  program.exitOverride();
  try {
    await program.parseAsync(argv, { from: "user" });
  } catch (e) {
    if (!(e instanceof CommanderError)) stderr += String(e);
    code = code === -1 ? 1 : code;
  }
  return { code, stdout, stderr };
}

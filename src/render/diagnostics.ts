/**
 * Diagnostics → text for people (`FILE:LINE:COL: error: message`, editor-parsable, then detail
 * and hint) or JSON for machines. Pure: returns strings; the CLI prints them.
 */
import pc from "picocolors";
import type { Diagnostic } from "../diagnostics.js";

export interface TextOptions {
  readonly color: boolean;
}

export function formatDiagnostic(d: Diagnostic, o: TextOptions): string {
  const c = pc.createColors(o.color);
  const where = d.source ? `${d.source.file}:${d.source.line}:${d.source.column}: ` : "";
  const sev = d.severity === "error" ? c.red(c.bold("error")) : c.yellow(c.bold("warning"));
  const lines = [`${c.bold(where)}${sev}: ${d.summary}`];
  if (d.detail) lines.push(...d.detail.split("\n").map((l) => `    ${l}`));
  for (const r of d.related ?? []) lines.push(`    ${c.dim(`see also ${r.file}:${r.line}:${r.column}`)}`);
  if (d.hint) lines.push(`    ${c.cyan("hint:")} ${d.hint}`);
  return lines.join("\n");
}

export function summaryLine(ds: readonly Diagnostic[]): string {
  const e = ds.filter((d) => d.severity === "error").length;
  const w = ds.length - e;
  return `${e} error${e === 1 ? "" : "s"}, ${w} warning${w === 1 ? "" : "s"}`;
}

export function formatDiagnostics(ds: readonly Diagnostic[], o: TextOptions): string {
  return ds.map((d) => formatDiagnostic(d, o)).join("\n");
}

/** The JSON form of a diagnostic (stable field order). */
export function diagnosticJson(d: Diagnostic): Record<string, unknown> {
  return {
    severity: d.severity,
    code: d.code,
    summary: d.summary,
    ...(d.detail ? { detail: d.detail } : {}),
    ...(d.hint ? { hint: d.hint } : {}),
    ...(d.source ? { source: d.source } : {}),
    ...(d.related?.length ? { related: d.related } : {}),
    ...(d.address ? { address: d.address } : {}),
  };
}

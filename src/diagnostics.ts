/**
 * Diagnostics: errors and warnings as data (ARCHITECTURE §1.6).
 * Every stage returns diagnostics instead of throwing; only the CLI turns them into text, JSON and
 * an exit code (src/render/diagnostics.ts). Pure: must not import I/O modules.
 */

/** A position in a written file; line and column count from 1. */
export interface SourcePos {
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

export type Severity = "error" | "warning";

export interface Diagnostic {
  readonly severity: Severity;
  /** One line, says what is wrong. */
  readonly summary: string;
  /** What was found, in more words (may span lines). */
  readonly detail?: string;
  /** How to fix it. */
  readonly hint?: string;
  /** Where in the inventory (or other input) the problem is. */
  readonly source?: SourcePos;
  /** Other places involved (e.g. the second definition of a conflicting var). */
  readonly related?: readonly SourcePos[];
  /** Stable machine code, e.g. "yaml.syntax", "rule.one-primary". */
  readonly code: string;
  /** Task or host address when the problem is about one, e.g. "10.10.10.11" or "10.10.10.11/pgsql.hba/file.template[/pg/data/pg_hba.conf]". */
  readonly address?: string;
}

export function error(code: string, summary: string, more: Omit<Diagnostic, "severity" | "summary" | "code"> = {}): Diagnostic {
  return { severity: "error", code, summary, ...more };
}

export function warning(code: string, summary: string, more: Omit<Diagnostic, "severity" | "summary" | "code"> = {}): Diagnostic {
  return { severity: "warning", code, summary, ...more };
}

export function hasErrors(ds: readonly Diagnostic[]): boolean {
  return ds.some((d) => d.severity === "error");
}

/** Sort by file, line, column, then severity (errors first) and summary: stable output for golden files. */
export function sortDiagnostics(ds: readonly Diagnostic[]): Diagnostic[] {
  const key = (d: Diagnostic) => d.source ?? { file: "", line: 0, column: 0 };
  return [...ds].sort((a, b) => {
    const x = key(a), y = key(b);
    return (
      x.file.localeCompare(y.file) || x.line - y.line || x.column - y.column ||
      (a.severity === b.severity ? 0 : a.severity === "error" ? -1 : 1) || a.summary.localeCompare(b.summary)
    );
  });
}

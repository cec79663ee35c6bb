/**
 * Facts: read-only probes of a host, each a bash fragment plus a pure parser. A plan gathers every
 * fact its tasks need on one host in ONE round trip: the engine concatenates the fragments of all
 * requested facts into a single script, each fragment's output framed by markers, runs it, and
 * hands each parser its own section. Parsers are pure and tested against recorded outputs.
 * Must not import exec/ (the engine runs the script).
 */

/** One fact: how to read it (for many keys at once) and how to parse what was printed. */
export interface Fact<T> {
  /** Stable name, e.g. "file", "pkg", "pg.roles". */
  readonly name: string;
  /**
   * A bash fragment that reads the fact for all `keys` (e.g. file paths) and prints to stdout.
   * It runs as root (or through become) with `set -u`, no `set -e`: it must not fail the script;
   * report errors in its own output. Values in it must be quoted with `quote()` from exec/command.
   */
  script(keys: readonly string[]): string;
  /** Pure: the fragment's stdout → the fact per key (a key missing from the map: not present). */
  parse(stdout: string, keys: readonly string[]): ReadonlyMap<string, T>;
  /**
   * The fragment may run alongside the others, its output held in a private temporary file
   * until printed. Only for facts whose output never holds a secret (a file's content may) and
   * that are slow enough to gain from it (the PostgreSQL facts: one psql per database).
   */
  readonly concurrent?: true;
}

/** What a task needs read before it can be checked: a fact and a key (a path, a package, a role…). */
export interface FactRequest {
  readonly fact: string;
  readonly key: string;
}

/** The facts of one host, after the round trip: look up what a request asked for. */
export interface FactSet {
  /** The fact's value for `key`; `undefined` when the host does not have it (file absent…). */
  get<T>(fact: string, key: string): T | undefined;
  /** Facts that could not be read (the fragment failed): their tasks are `unknown`, not changed. */
  failed(fact: string): string | undefined;
}

/**
 * Source references: where a written value came from, as a file and a path from its document's
 * root. Turned into file:line:col only when a diagnostic needs it (see PositionIndex): computing
 * 10⁵ positions up front would cost more than validating. Pure.
 */
import type { SourcePos } from "../diagnostics.js";
import type { PositionIndex } from "./yaml.js";

/** A place in an input: a path inside a parsed YAML file, or a fixed position (command line). */
export interface SourceRef {
  readonly file: string;
  /** Path of the value from the document root, e.g. ["all", "children", "pg-test", "vars", "pg_users"]. */
  readonly path?: readonly PropertyKey[];
  /** Resolves paths of this file to positions. */
  readonly index?: PositionIndex;
  /** Fixed position, for inputs that are not YAML files (`-e key=value`). */
  readonly pos?: SourcePos;
}

/** A value as written in one layer of the inventory, with where it was written. */
export interface Written {
  readonly value: unknown;
  readonly ref: SourceRef;
}

/** Position of the value, or of the element at `sub` inside it (closest node that exists). */
export function positionOf(ref: SourceRef, sub: readonly PropertyKey[] = []): SourcePos {
  if (ref.index && ref.path) return ref.index.position([...ref.path, ...sub]);
  return ref.pos ?? { file: ref.file, line: 1, column: 1 };
}

/** Position of the key that names the value (for "unknown key" warnings), else of the value. */
export function keyPositionOf(ref: SourceRef): SourcePos {
  if (ref.index && ref.path) return ref.index.position(ref.path, true);
  return positionOf(ref);
}

/** `file:line:col`, as editors parse it. */
export function formatPos(p: SourcePos): string {
  return `${p.file}:${p.line}:${p.column}`;
}

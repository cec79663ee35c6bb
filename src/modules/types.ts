/**
 * What modules produce for a host: files with their owner, mode and what a change needs, and
 * desired database objects as data. Shared by every renderer. Pure types.
 */

/** What applying a change needs: nothing, a reload (SIGHUP / reload API) or a restart. */
export type Effect = "none" | "reload" | "restart";

/** A file pgsty puts on a host. */
export interface RenderedFile {
  /** Absolute path on the host. */
  readonly path: string;
  readonly content: string;
  readonly owner: string;
  readonly group: string;
  /** Octal, four digits: "0640". */
  readonly mode: string;
  /** Holds secrets (passwords, verifiers, keys): plans show "content changed (sensitive)", never a diff. */
  readonly sensitive: boolean;
  /** What a change to this file needs from `service`. */
  readonly effect: Effect;
  /** The service the effect applies to: "patroni", "postgres", "pgbouncer", "haproxy", "etcd", "cron"… */
  readonly service?: string;
  /**
   * A command that checks the new file before it replaces the old one; `{path}` is the new file's
   * temporary path (e.g. "haproxy -c -f {path}").
   */
  readonly validate?: string;
}

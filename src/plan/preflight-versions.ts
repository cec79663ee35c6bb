/**
 * Preflight, versions of what is installed (the `pkg` fact) and of the data already on the host:
 * - PostgreSQL: an installed server package, and a data directory already initialised
 *   (pg_data/PG_VERSION), must be of pg_version's major — pgsty does not upgrade majors, and
 *   Patroni would start old data with new binaries (refused);
 * - Patroni older than 3.0.3 can lose acknowledged writes after a leader freeze (upstream PR
 *   #2689) — Debian 12 ships 3.0.2: a warning, the cluster works otherwise;
 * - pgBackRest older than 2.46 refuses every backup while block incremental is set: refused where
 *   the renderer keeps `block: y` (it already drops it on Debian 12, whose 2.45 is known).
 * Anything else installed is the package manager's business. Pure; must not import exec/.
 */
import { error, warning, type Diagnostic } from "../diagnostics.js";
import type { FactSet } from "../facts/fact.js";
import type { FileContentFact } from "../facts/file-content.js";
import type { PkgFact } from "../facts/pkg.js";
import { varPosition } from "../model/resolve.js";
import type { HostContext } from "../modules/context.js";
import { selectedRepo } from "../modules/pgbackrest/pgbackrest.js";
import { isPgHost } from "../modules/steps-node.js";

/** The upstream part of a package version ("1:3.0.2-1" → [3, 0, 2]); undefined when not numeric. */
export function upstreamVersion(version: string): number[] | undefined {
  const m = /^(?:\d+:)?(\d+(?:\.\d+)*)/.exec(version);
  return m?.[1] ? m[1].split(".").map(Number) : undefined;
}

/** a < b, component by component (missing components are 0). */
export function versionBelow(a: readonly number[], b: readonly number[]): boolean {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i] ?? 0, y = b[i] ?? 0;
    if (x !== y) return x < y;
  }
  return false;
}

const PATRONI_SAFE = [3, 0, 3];
const PGBACKREST_BLOCK = [2, 46];

/** The package holding PostgreSQL's server binaries, per platform family. */
const SERVER_PACKAGES = { debian: (v: string) => `postgresql-${v}`, el: (v: string) => `postgresql${v}-server` };

export function serverPackage(ctx: HostContext): string {
  return SERVER_PACKAGES[ctx.platform.family](String(ctx.vars.pg_version));
}

const pgVersionFile = (ctx: HostContext): string => `${String(ctx.vars.pg_data).replace(/\/+$/, "")}/PG_VERSION`;

/** What the version checks read (added to the host's one fact script). */
export function versionRequests(ctx: HostContext): { fact: string; key: string }[] {
  if (!isPgHost(ctx)) return [];
  // both families' names: the requests are made before the platform is known, and a name the
  // package database does not know is simply absent
  const v = String(ctx.vars.pg_version);
  const out = [SERVER_PACKAGES.debian(v), SERVER_PACKAGES.el(v)].map((key) => ({ fact: "pkg", key }));
  out.push({ fact: "file.content", key: pgVersionFile(ctx) });
  if (ctx.vars.patroni_enabled !== false) out.push({ fact: "pkg", key: "patroni" });
  if (ctx.vars.pgbackrest_enabled !== false) out.push({ fact: "pkg", key: "pgbackrest" });
  return out;
}

const installed = (facts: FactSet, name: string): PkgFact | undefined => {
  const p = facts.get<PkgFact>("pkg", name);
  return p?.status === "installed" ? p : undefined;
};

export function versionChecks(ctx: HostContext, facts: FactSet): Diagnostic[] {
  if (!isPgHost(ctx)) return [];
  const host = ctx.host.name;
  const want = Number(ctx.vars.pg_version);
  const out: Diagnostic[] = [];
  const at = { address: host, source: varPosition(ctx.host, "pg_version") };

  const server = installed(facts, serverPackage(ctx));
  const major = server && upstreamVersion(server.version)?.[0];
  if (server && major !== undefined && major !== want) {
    out.push(error("preflight.version", `${host}: ${serverPackage(ctx)} ${server.version} is installed, pg_version is ${want}`, {
      ...at,
      hint: `install PostgreSQL ${want}'s server package, or set pg_version to ${major}`,
    }));
  }
  const text = facts.get<FileContentFact>("file.content", pgVersionFile(ctx))?.text?.trim();
  if (text && /^\d+$/.test(text) && Number(text) !== want) {
    out.push(error("preflight.version", `${host}: ${pgVersionFile(ctx)} says PostgreSQL ${text}, pg_version is ${want}`, {
      ...at,
      detail: "the data directory was initialised by another major version: pgsty does not upgrade majors, and starting it with other binaries fails",
      hint: `set pg_version to ${text}, or remove the instance first (bin/pgsql-rm) if its data may go`,
    }));
  }

  const patroni = ctx.vars.patroni_enabled !== false ? installed(facts, "patroni") : undefined;
  const pv = patroni && upstreamVersion(patroni.version);
  if (patroni && pv && versionBelow(pv, PATRONI_SAFE)) {
    out.push(warning("preflight.patroni-version", `${host}: Patroni ${patroni.version} can lose acknowledged writes after a leader freeze (fixed in 3.0.3)`, {
      address: host,
      detail: "Patroni < 3.0.3 can lose acknowledged writes after a leader freeze (fixed by upstream Patroni PR #2689); Debian 12 ships 3.0.2",
      hint: "install Patroni 3.0.3 or later (e.g. from PGDG's apt repository or pip) where acknowledged writes must survive a failover",
    }));
  }

  const repo = ctx.vars.pgbackrest_enabled !== false ? selectedRepo(ctx) : undefined;
  const pgbackrest = installed(facts, "pgbackrest");
  const bv = pgbackrest && upstreamVersion(pgbackrest.version);
  // on Debian 12 the renderer leaves `block` out (pgbackrest.block warning): nothing to refuse there
  const blockKept = ctx.platform.id !== "debian12" && (repo?.block === "y" || repo?.block === true);
  if (pgbackrest && bv && blockKept && versionBelow(bv, PGBACKREST_BLOCK)) {
    out.push(error("preflight.version", `${host}: pgBackRest ${pgbackrest.version} refuses backups with block incremental (block: y needs 2.46 or later)`, {
      address: host,
      source: varPosition(ctx.host, "pgbackrest_repo", [String(ctx.vars.pgbackrest_method), "block"]),
      hint: "install pgBackRest 2.46 or later, or remove `block` from the repository",
    }));
  }
  return out;
}

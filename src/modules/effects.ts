/**
 * What a change between two versions of a task really needs, where the file alone cannot say:
 * a Patroni config change needs a restart only when a postmaster-context parameter changes (else
 * a reload); a pgbouncer.ini change needs a restart only for startup-only settings. Pure.
 */
import { parseYaml } from "../inventory/yaml.js";
import type { Effect, TaskSpec } from "../plan/types.js";
import { pgbouncerIniEffect } from "./pgbouncer/pgbouncer.js";
import { restartParameters } from "./pgsql/restart-params.js";

type Params = Record<string, unknown>;

function postgresParameters(content: unknown): { version: number; params: Params } | undefined {
  if (typeof content !== "string") return undefined;
  const parsed = parseYaml(content);
  if ("error" in parsed) return undefined;
  const doc = parsed.value as { postgresql?: { parameters?: Params }; bootstrap?: { dcs?: { postgresql?: { parameters?: Params } } }; tags?: { version?: unknown } };
  return {
    version: Number(doc.tags?.version ?? 0),
    params: { ...doc.bootstrap?.dcs?.postgresql?.parameters, ...doc.postgresql?.parameters },
  };
}

export function refineEffect(before: TaskSpec | undefined, after: TaskSpec): Effect | undefined {
  if (!before || after.op !== "file") return undefined;
  if (after.service === "patroni") {
    const a = postgresParameters(before.args.content), b = postgresParameters(after.args.content);
    if (!a || !b) return undefined;
    if (a.version !== b.version) return "restart";
    const restart = restartParameters(b.version);
    const keys = new Set([...Object.keys(a.params), ...Object.keys(b.params)]);
    for (const k of keys) if (restart.has(k) && JSON.stringify(a.params[k]) !== JSON.stringify(b.params[k])) return "restart";
    return "reload";
  }
  if (after.service === "pgbouncer" && after.key.endsWith("/pgbouncer.ini")) {
    return pgbouncerIniEffect(String(before.args.content), String(after.args.content));
  }
  return undefined;
}

/**
 * Live preflight of one host, from the facts the plan read in its one round trip: the platform
 * (Debian 12 or EL 9, x86_64 or aarch64), then — for playbooks that converge, not those that
 * remove — the ports it will listen on (preflight-ports.ts) and the versions installed
 * (preflight-versions.ts). Reachability and sudo are judged where the round trip fails
 * (preflight-reach.ts). An error here refuses the whole run: `plan` exits 1 and `apply` changes
 * nothing on any host. Pure; must not import exec/.
 */
import { error, type Diagnostic } from "../diagnostics.js";
import type { FactRequest, FactSet } from "../facts/fact.js";
import type { ListenFact } from "../facts/listen.js";
import type { OsFact } from "../facts/os.js";
import type { HostContext } from "../modules/context.js";
import type { Playbook } from "./playbook.js";
import { portConflicts } from "./preflight-ports.js";
import { versionChecks, versionRequests } from "./preflight-versions.js";

/** Which live checks a playbook gets: a removal needs the host reachable and supported only. */
export type PreflightScope = "converge" | "remove";

/** Removal playbooks are made of `remove.*` steps (playbooks/pgsql-rm.yml). */
export function preflightScope(pb: Playbook): PreflightScope {
  return pb.steps.every((s) => s.step.startsWith("remove.")) ? "remove" : "converge";
}

const ARCHES = ["x86_64", "aarch64"];
const SUPPORTED = "Debian 12 (bookworm) or EL 9 (Rocky, Alma, RHEL 9), on x86_64 or aarch64";

/** The facts the preflight reads (pure); `os` is read by every live plan anyway. */
export function preflightRequests(ctx: HostContext, scope: PreflightScope): FactRequest[] {
  const out: FactRequest[] = [{ fact: "os", key: "os" }];
  if (scope === "converge") out.push({ fact: "listen", key: "tcp" }, ...versionRequests(ctx));
  return out;
}

/** Why this OS is not one pgsty supports, or undefined (pure). */
export function unsupportedOs(os: OsFact): string | undefined {
  const major = os.versionId.split(".")[0];
  const name = os.prettyName ?? `${os.id} ${os.versionId}`.trim();
  const debian12 = os.id === "debian" && major === "12";
  const el9 = os.family === "el" && major === "9";
  if (!debian12 && !el9) return `${name} is not supported`;
  if (!ARCHES.includes(os.arch)) return `architecture ${os.arch} is not supported`;
  return undefined;
}

export function hostPreflight(ctx: HostContext, facts: FactSet, scope: PreflightScope): Diagnostic[] {
  const host = ctx.host.name;
  const os = facts.get<OsFact>("os", "os");
  if (!os) {
    return [error("preflight.os", `${host}: cannot read the operating system: ${facts.failed("os") ?? "no output"}`, {
      address: host,
      hint: `pgsty needs ${SUPPORTED} with /etc/os-release`,
    })];
  }
  const why = unsupportedOs(os);
  if (why) {
    // nothing else is worth checking on a platform pgsty has no packages and paths for
    return [error("preflight.os", `${host}: ${why}`, { address: host, detail: `found: ${os.prettyName ?? os.id} (${os.arch})`, hint: `pgsty supports ${SUPPORTED}` })];
  }
  if (scope === "remove") return [];
  const out: Diagnostic[] = [];
  const listen = facts.get<ListenFact>("listen", "tcp");
  if (listen) out.push(...portConflicts(ctx, listen));
  else {
    out.push(error("preflight.port", `${host}: cannot list the listening ports: ${facts.failed("listen") ?? "no output"}`, {
      address: host,
      hint: "install iproute2 (ss), which pgsty uses to check the ports it needs are free",
    }));
  }
  if (facts.failed("pkg")) out.push(error("preflight.version", `${host}: cannot read the installed packages: ${facts.failed("pkg")}`, { address: host }));
  else out.push(...versionChecks(ctx, facts));
  return out;
}

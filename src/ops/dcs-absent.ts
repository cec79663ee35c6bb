/**
 * Op `dcs.absent`: no key of a removed cluster left in etcd under its Patroni prefix
 * (`<namespace>/<scope>/`), so a cluster of the same name later bootstraps afresh instead of
 * finding a stale leader, config and initialize key. Runs on the cluster's primary when the
 * whole cluster goes (modules/steps-pgsql-rm.ts).
 *
 * Args: { prefix: "/pg/pg-test/" (absolute, ends with "/" so pg-test2 is not touched),
 *         endpoints: ["10.10.10.10:2379", …] (client ip:port of the etcd members) }.
 *
 * Decision: the etcd v3 JSON API (the gRPC gateway, which pgsty's etcd config enables for
 * Patroni) through `python3` with its standard library, not `etcdctl`: etcdctl is installed
 * only on etcd members, python3 on every node that runs Patroni. Plain HTTP and no etcd
 * authentication, as pgsty sets etcd up (patroni.ts); etcd_root_password is not needed.
 * The endpoints are tried in order until one answers.
 *
 * - observe: the `exit` fact of a read-only count of the keys under the prefix (in the host's
 *   one fact script): 0 none, 3 some, 2 no endpoint answered (1 is Python's own
 *   exit on an uncaught error, never read as "some").
 * - diff: none → noop; some → `delete`; no answer, a timeout, no python3 → `unknown` (apply
 *   refuses: nothing is deleted blindly).
 * - apply: re-reads the count (ctx.refresh), then one DeleteRange over the prefix.
 * Must not import modules/.
 */
import { sh, type Command } from "../exec/command.js";
import { execChecked } from "../exec/connector.js";
import { EXIT_TIMEOUT_S, exitKey, type ExitFact } from "../facts/exit.js";
import type { FactRequest, FactSet } from "../facts/fact.js";
import type { TaskSpec } from "../plan/types.js";
import { argString, execOptions, factFailure, NOOP, recheck, unknownDiff } from "./args.js";
import { isUnobservable, type Op, type OpDiff, type Unobservable } from "./op.js";

export interface DcsArgs {
  readonly prefix: string;
  readonly endpoints: readonly string[];
}

const ENDPOINT = /^[A-Za-z0-9.-]+:\d{1,5}$|^\[[0-9A-Fa-f:]+\]:\d{1,5}$/;

export function dcsArgs(task: TaskSpec): DcsArgs {
  const prefix = argString(task, "prefix");
  if (!/^\/[A-Za-z0-9_.\-/]*[A-Za-z0-9_.-]\/$/.test(prefix) || prefix.includes("//")) {
    throw new TypeError(`${task.op}[${task.key}]: arg \`prefix\` must be an absolute key prefix ending with "/" below the root: ${JSON.stringify(prefix)}`);
  }
  const e = task.args["endpoints"];
  if (!Array.isArray(e) || e.length === 0 || !e.every((x) => typeof x === "string" && ENDPOINT.test(x))) {
    throw new TypeError(`${task.op}[${task.key}]: arg \`endpoints\` must be a non-empty list of host:port`);
  }
  return { prefix, endpoints: e as string[] };
}

// argv: mode (count|delete), prefix, endpoints…; exit 0 (count: none; delete: done), 3 (count: some), 2 no endpoint answered
const CLIENT = `import base64, json, sys, urllib.request
mode, prefix = sys.argv[1], sys.argv[2].encode()
b64 = lambda x: base64.b64encode(x).decode()
body = {"key": b64(prefix), "range_end": b64(prefix[:-1] + bytes([prefix[-1] + 1]))}
if mode == "count": body["count_only"] = True
for ep in sys.argv[3:]:
    url = "http://%s/v3/kv/%s" % (ep, "range" if mode == "count" else "deleterange")
    try:
        req = urllib.request.Request(url, json.dumps(body).encode(), {"Content-Type": "application/json"})
        r = json.load(urllib.request.urlopen(req, timeout=3))
    except Exception as e:
        print("%s: %s" % (ep, e), file=sys.stderr)
        continue
    if mode == "count": sys.exit(3 if int(r.get("count", 0)) else 0)
    print("deleted %s keys under %s" % (r.get("deleted", 0), sys.argv[2]))
    sys.exit(0)
sys.exit(2)`;

/** The python3 call in `mode`. Exported for tests. */
export function dcsCommand(a: DcsArgs, mode: "count" | "delete"): Command {
  const cmd = sh`python3 -c ${CLIENT} ${mode} ${a.prefix} ${a.endpoints}`;
  return { text: cmd.text, display: `etcd v3 ${mode === "count" ? "count" : "delete"} ${a.prefix} (${a.endpoints.join(", ")})` };
}

const countKey = (a: DcsArgs): string => exitKey(dcsCommand(a, "count").text);

function needs(task: TaskSpec): FactRequest[] {
  return [{ fact: "exit", key: countKey(dcsArgs(task)) }];
}

function observe(task: TaskSpec, facts: FactSet): ExitFact | Unobservable {
  const a = dcsArgs(task);
  return factFailure(facts, "exit") ?? facts.get<ExitFact>("exit", countKey(a)) ?? { unobservable: true, reason: "the etcd key count did not report its exit status" };
}

function diff(task: TaskSpec, observed: ExitFact | null | Unobservable): OpDiff {
  const a = dcsArgs(task);
  if (isUnobservable(observed)) return unknownDiff(observed.reason);
  if (observed === null) return unknownDiff("etcd keys not counted");
  if (observed.timedOut) return unknownDiff(`etcd (${a.endpoints.join(", ")}) did not answer within ${EXIT_TIMEOUT_S} s`);
  if (observed.code === 0) return NOOP;
  if (observed.code === 3) return { action: "delete", effect: "none", reason: `keys under ${a.prefix} in etcd` };
  if (observed.code === 2) return unknownDiff(`no etcd endpoint answered (${a.endpoints.join(", ")}): the cluster's keys under ${a.prefix} cannot be checked`);
  if (observed.code === 127) return unknownDiff("python3 not found on the host: the etcd keys cannot be checked");
  return unknownDiff(`counting the etcd keys under ${a.prefix} exited ${observed.code}`);
}

export const dcsAbsentOp: Op<ExitFact> = {
  kind: "dcs.absent",
  needs,
  observe,
  diff,

  async apply(ctx, task) {
    const cur = await recheck({ needs, observe, diff }, ctx, task);
    if (cur === undefined) return;
    await execChecked(ctx.connector, dcsCommand(dcsArgs(task), "delete"), execOptions(ctx));
  },
};

/**
 * Every HAProxy file pgsty renders for every host of the shipped inventories (conf/*.yml,
 * conf/ha/*.yml) passes the real `haproxy -c`: each service file together with the host's
 * haproxy.cfg (as the file's own `validate` runs it), and all of a host's files at once (no two
 * sections share a name). Warnings count as failures: a config we ship should be clean.
 * Skipped (with the reason in the suite name) without /usr/sbin/haproxy, but never when CI is set.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadInventory } from "../../src/inventory/load.js";
import { buildModel } from "../../src/model/model.js";
import { hostContext } from "../../src/modules/context.js";
import { renderHaproxyServices } from "../../src/modules/haproxy/services.js";

const HAPROXY = "/usr/sbin/haproxy";
const ROOT = join(import.meta.dirname, "..", "..");
const ymls = (dir: string) => readdirSync(join(ROOT, dir)).filter((f) => f.endsWith(".yml")).sort().map((f) => join(dir, f));
const INVENTORIES = [...ymls("conf"), ...ymls("conf/ha")];

function skipReason(): string | undefined {
  if (process.env.CI) return undefined; // CI must run it: a missing haproxy there is a failure
  return existsSync(HAPROXY) ? undefined : `${HAPROXY} missing; run test/integration/testbed/prepare.sh`;
}
const SKIP = skipReason();

interface Check {
  readonly ok: boolean;
  readonly output: string;
}

function haproxyCheck(files: readonly string[]): Check {
  const args = ["-c", ...files.flatMap((f) => ["-f", f])];
  try {
    const out = execFileSync(HAPROXY, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    return { ok: true, output: out };
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string; message: string };
    return { ok: false, output: `${err.stdout ?? ""}${err.stderr ?? err.message}` };
  }
}

/** Each host of an inventory with its rendered files written under `dir/<host>/`. */
function writeHosts(rel: string, dir: string): { host: string; main: string; services: string[] }[] {
  const loaded = loadInventory([{ file: rel, text: readFileSync(join(ROOT, rel), "utf8") }]);
  const { model, ok, diagnostics } = buildModel(loaded.inventory);
  if (!ok) throw new Error(`${rel} does not validate: ${diagnostics.map((d) => d.summary).join("; ")}`);
  const out = [];
  for (const host of model.hosts.keys()) {
    const files = renderHaproxyServices(hostContext(model, host));
    if (files.length === 0) continue;
    const hostDir = join(dir, host);
    mkdirSync(hostDir, { recursive: true });
    const paths = files.map((f) => {
      const p = join(hostDir, basename(f.path));
      writeFileSync(p, f.content);
      return p;
    });
    out.push({ host, main: paths[0]!, services: paths.slice(1) });
  }
  return out;
}

describe.skipIf(SKIP !== undefined)(`haproxy -c accepts the rendered configs${SKIP ? ` (skipped: ${SKIP})` : ""}`, () => {
  const tmp = mkdtempSync(join(tmpdir(), "pgsty-haproxy-"));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it("haproxy is installed", () => {
    expect(existsSync(HAPROXY), `${HAPROXY} is required here: run test/integration/testbed/prepare.sh`).toBe(true);
  });

  it.each(INVENTORIES)("%s", (rel) => {
    const hosts = writeHosts(rel, join(tmp, rel.replace(/[/.]/g, "_")));
    expect(hosts.length).toBeGreaterThan(0);
    let services = 0;
    for (const h of hosts) {
      const checks: [string, Check][] = [[`${h.host}: haproxy.cfg`, haproxyCheck([h.main])]];
      for (const s of h.services) checks.push([`${h.host}: ${basename(s)}`, haproxyCheck([h.main, s])]);
      checks.push([`${h.host}: all files`, haproxyCheck([h.main, ...h.services])]);
      for (const [what, c] of checks) {
        expect(c.ok, `${what}\n${c.output}`).toBe(true);
        expect(c.output, `${what} has warnings`).not.toMatch(/WARNING|ALERT/);
      }
      services += h.services.length;
    }
    // every shipped inventory has at least one cluster, so some host serves services
    expect(services).toBeGreaterThan(0);
  });
});

/**
 * The live preflight on a real tini test host over ssh, through the CLI (in process): the host is
 * a one-member etcd cluster and the primary of pg-test, and an unrelated program (python3's
 * http.server) listens on Patroni's port 8008.
 *
 * `plan` shows the port refusal (and the Patroni < 3.0.3 warning: Debian 12's 3.0.2 is installed)
 * and exits 1; `apply --yes` refuses and changes nothing. A second inventory host nobody answers
 * for (connection refused on loopback) refuses the whole run too: apply changes nothing on the
 * host that is reachable. Once both are gone, plan exits 0 with the warning as its only preflight diagnostic.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Plan } from "../../src/plan/types.js";
import { cli, oneHostInventory, side as kitSide } from "./cluster-kit.js";
import { startTestbed, TESTBED_START_TIMEOUT_MS, testbedSkipReason, type Testbed } from "./testbed/testbed.js";

const skip = testbedSkipReason();
/** What apply would lay out first: none of it may appear after a refused apply. */
const UNTOUCHED = "ls -d /pg /etc/etcd/etcd.conf.yml /etc/patroni /etc/haproxy/conf.d/pg-test-primary.cfg /data/postgres 2>/dev/null; true";

describe.skipIf(!!skip)(`live preflight on a test host${skip ? ` (skipped: ${skip})` : ""}`, () => {
  let tb: Testbed;
  let ip = "";
  const dir = mkdtempSync(join(tmpdir(), "pgsty-preflight-it-"));
  const inv = join(dir, "pigsty.yml");
  const side = (cmd: string) => kitSide(tb, ip, cmd);
  const write = (o: { deadHost: boolean }) =>
    writeFileSync(inv, oneHostInventory(tb, ip, {
      children: o.deadHost ? "    other:\n      hosts:\n        127.0.0.1: { ansible_host: 127.0.0.1, ansible_port: 1 }\n" : "",
    }));
  const plan = async () => {
    const r = await cli("plan", "-i", inv, "--json");
    return { code: r.code, plan: JSON.parse(r.stdout) as Plan, stderr: r.stderr };
  };
  let patroni = "";
  let httpPid = "";

  beforeAll(async () => {
    tb = await startTestbed({ hosts: 1, init: "tini" });
    ip = tb.hosts[0]!.ip;
    write({ deadHost: false });
    patroni = await side("dpkg-query -W -f='${Version}' patroni");
    httpPid = await side(`setsid python3 -m http.server 8008 --bind ${ip} >/dev/null 2>&1 < /dev/null & echo $!; for i in $(seq 50); do ss -Htln | grep -q ':8008 ' && exit 0; sleep 0.1; done; exit 1`);
  }, TESTBED_START_TIMEOUT_MS);

  afterAll(async () => {
    await tb?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("plan: a refusal naming the port, its holder and how to fix it; the Patroni warning; exit 1", async () => {
    const { code, plan: p } = await plan();
    expect(code).toBe(1);
    const errors = p.diagnostics.filter((d) => d.severity === "error");
    expect(errors).toEqual([
      expect.objectContaining({ code: "preflight.port", address: ip, summary: expect.stringMatching(new RegExp(`^${ip.replaceAll(".", "\\.")}: port 8008 \\(Patroni's REST API\\) is held by python3 \\(pid \\d+\\), not by Patroni$`)) }),
    ]);
    expect(errors[0]!.hint).toContain("patroni_port");
    expect(patroni).toMatch(/^3\.0\.2/);
    expect(p.diagnostics).toContainEqual(expect.objectContaining({ severity: "warning", code: "preflight.patroni-version", address: ip, detail: expect.stringContaining("PR #2689") }));
    // the human view says it too, on stderr
    const human = await cli("plan", "-i", inv);
    expect(human.code).toBe(1);
    expect(human.stderr).toContain("port 8008 (Patroni's REST API) is held by python3");
    expect(human.stderr).toContain("Debian 12 ships 3.0.2");
  }, 60_000);

  it("apply --yes refuses before the first change: nothing on the host", async () => {
    const before = await side(UNTOUCHED);
    const r = await cli("apply", "-i", inv, "--yes");
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("Apply refused");
    expect(r.stdout).not.toMatch(/Apply complete/);
    expect(await side(UNTOUCHED)).toBe(before);
  }, 60_000);

  it("an unreachable host refuses the whole run: named with its address and cause; the reachable host is not touched", async () => {
    await side(`kill ${httpPid}; while ss -Htln | grep -q ':8008 '; do sleep 0.1; done`);
    write({ deadHost: true });
    const { code, plan: p } = await plan();
    expect(code).toBe(1);
    expect(p.diagnostics.filter((d) => d.severity === "error")).toEqual([
      expect.objectContaining({ code: "preflight.unreachable", address: "127.0.0.1", summary: "127.0.0.1 (root@127.0.0.1:1): connection refused" }),
    ]);
    const before = await side(UNTOUCHED);
    const r = await cli("apply", "-i", inv, "--yes");
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("Nothing was changed on any host");
    expect(await side(UNTOUCHED)).toBe(before);
  }, 60_000);

  it("port free and every host reachable: plan exits 0, the warning stays", async () => {
    write({ deadHost: false });
    const { code, plan: p } = await plan();
    expect(code).toBe(0);
    expect(p.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    expect(p.diagnostics.filter((d) => d.code.startsWith("preflight.")).map((d) => d.code)).toEqual(["preflight.patroni-version"]);
  }, 60_000);
});

/**
 * The test bed itself: hosts come up isolated and usable, with tini or systemd
 * as PID 1, and go away without a trace.  Prints the hosts-up and teardown times.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { startTestbed, TESTBED_START_TIMEOUT_MS, testbedSkipReason, type HostInit } from "./testbed.js";

const skip = testbedSkipReason();

describe.skipIf(!!skip)(`testbed${skip ? ` (skipped: ${skip})` : ""}`, () => {
  for (const init of ["tini", "systemd"] as const satisfies readonly HostInit[]) {
    it(
      `brings up 3 ${init} hosts and tears them down`,
      async () => {
        const tb = await startTestbed({ hosts: 3, init });
        let prefix = "";
        try {
          console.log(`[testbed] 3 ${init} hosts up in ${tb.upMs.toFixed(0)} ms`);
          expect(tb.hosts).toHaveLength(3);
          prefix = tb.hosts[0]?.name.replace(/1$/, "") ?? "";
          await Promise.all(
            tb.hosts.map(async (h, i) => {
              const r = await tb.exec(
                h,
                `hostname; cat /proc/1/comm; ip -4 -o addr show eth0 | awk '{print $4}'
                 ip route get 192.0.2.1 2>&1 | head -1      # only asks the routing table
                 pgrep -x postgres >/dev/null && echo postgres-running || echo no-postgres
                 [ -e /tmp/pgsty-testbed ] && echo shared-tmp || echo private-tmp; stat -c '%U %a' /run/postgresql`,
              );
              expect(r.code).toBe(0);
              const [name, pid1, addr, route, pg, tmp, runPg] = r.stdout.trim().split("\n");
              expect(name).toBe(h.name);
              expect(pid1).toBe(init);
              expect(addr).toBe(`${h.ip}/24`);
              expect(route).toMatch(/unreachable/);
              expect(pg).toBe("no-postgres");
              expect(tmp).toBe("private-tmp");
              expect(runPg).toBe("postgres 2775");
              // the hosts reach each other on port 22
              const next = tb.hosts[(i + 1) % tb.hosts.length];
              const tcp = await tb.exec(h, `timeout 2 bash -c 'exec 3<>/dev/tcp/${next?.ip}/22' && echo open`);
              expect(tcp.stdout).toBe("open\n");
            }),
          );
          // OpenSSH with the generated config and key logs in as root
          const out = execFileSync("ssh", ["-F", tb.sshConfigFile, tb.hosts[1]?.name ?? "", "id -un; hostname"], {
            encoding: "utf8",
          });
          expect(out).toBe(`root\n${tb.hosts[1]?.name}\n`);
          if (init === "systemd") {
            const h = tb.hosts[0] ?? "";
            const s = await tb.exec(
              h,
              `systemctl is-system-running --wait; systemctl is-active ssh
               systemctl is-enabled patroni etcd haproxy pgbouncer; systemctl is-enabled postgresql || true`,
            );
            expect(s.stdout.trim().split("\n")).toEqual(["running", "active", "disabled", "disabled", "disabled", "disabled", "masked"]);
          }
        } finally {
          await tb.stop();
          console.log(`[testbed] 3 ${init} hosts torn down in ${tb.downMs?.toFixed(0)} ms`);
        }
        const netns = execFileSync("ip", ["netns", "list"], { encoding: "utf8" });
        expect(netns.split("\n").filter((l) => l.startsWith(prefix))).toEqual([]);
        expect(existsSync(tb.base)).toBe(false);
        expect(readdirSync("/sys/class/net").filter((n) => n.startsWith(`pgstybr${tb.base.split("/").pop()}`))).toEqual([]);
      },
      TESTBED_START_TIMEOUT_MS,
    );
  }
});

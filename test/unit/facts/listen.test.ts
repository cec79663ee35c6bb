// Fact `listen`: recorded `ss -Htlnp` outputs (Debian 12 test host, a converged pg-test member)
// parsed into sockets with their processes and command lines.
import { describe, expect, it } from "vitest";
import { listenFact, parseListen, splitLocal } from "../../../src/facts/listen.js";

// a fresh Debian host: its own cluster on 5432, an http.server on 8008, resolved on lo
const FRESH = `LISTEN 0      200          0.0.0.0:5432       0.0.0.0:*    users:(("postgres",pid=812,fd=6))
LISTEN 0      200             [::]:5432          [::]:*    users:(("postgres",pid=812,fd=7))
LISTEN 0      5         10.211.1.2:8008       0.0.0.0:*    users:(("python3",pid=900,fd=3))
LISTEN 0      4096   127.0.0.53%lo:53         0.0.0.0:*    users:(("systemd-resolve",pid=500,fd=14))
LISTEN 0      128                *:22               *:*    users:(("sshd",pid=600,fd=4),("sshd",pid=601,fd=4))
LISTEN 0      244        127.0.0.1:6432       0.0.0.0:*
@cmdline
812	/usr/lib/postgresql/15/bin/postgres	-D	/var/lib/postgresql/15/main	-c	config_file=/etc/postgresql/15/main/postgresql.conf	

900	python3	-m	http.server	8008	--bind	10.211.1.2	

600	sshd: /usr/sbin/sshd -D [listener] 0 of 10-100 startups	

`;

describe("fact listen", () => {
  it("parses sockets, owners and command lines", () => {
    const f = parseListen(FRESH);
    expect(f.sockets).toHaveLength(6);
    expect(f.sockets[0]).toEqual({
      address: "0.0.0.0",
      port: 5432,
      processes: [{ name: "postgres", pid: 812, cmdline: ["/usr/lib/postgresql/15/bin/postgres", "-D", "/var/lib/postgresql/15/main", "-c", "config_file=/etc/postgresql/15/main/postgresql.conf"] }],
    });
    expect(f.sockets[1]).toMatchObject({ address: "::", port: 5432 });
    expect(f.sockets[2]).toEqual({ address: "10.211.1.2", port: 8008, processes: [{ name: "python3", pid: 900, cmdline: ["python3", "-m", "http.server", "8008", "--bind", "10.211.1.2"] }] });
    expect(f.sockets[3]).toMatchObject({ address: "127.0.0.53", port: 53 });
    // two owners; pid 601's command line was not read
    expect(f.sockets[4]!.processes).toEqual([
      { name: "sshd", pid: 600, cmdline: ["sshd: /usr/sbin/sshd -D [listener] 0 of 10-100 startups"] },
      { name: "sshd", pid: 601 },
    ]);
    // no owner shown (another namespace's socket)
    expect(f.sockets[5]).toEqual({ address: "127.0.0.1", port: 6432, processes: [] });
  });

  it("nothing listening; non-LISTEN lines and noise are skipped", () => {
    expect(parseListen("\n@cmdline\n")).toEqual({ sockets: [] });
    expect(parseListen("UNCONN 0 0 0.0.0.0:68 0.0.0.0:*\ngarbage\n@cmdline\n").sockets).toEqual([]);
  });

  it("splits local addresses", () => {
    expect(splitLocal("0.0.0.0:5432")).toEqual({ address: "0.0.0.0", port: 5432 });
    expect(splitLocal("[::1]:8008")).toEqual({ address: "::1", port: 8008 });
    expect(splitLocal("[fe80::1%eth0]:22")).toEqual({ address: "fe80::1", port: 22 });
    expect(splitLocal("*:22")).toEqual({ address: "*", port: 22 });
    expect(splitLocal("nonsense")).toBeUndefined();
    expect(splitLocal("1.2.3.4:99999")).toBeUndefined();
  });

  it("answers key tcp only; the script reads ss once and refuses without it", () => {
    expect(listenFact.parse("@cmdline\n", ["tcp"]).get("tcp")).toEqual({ sockets: [] });
    expect(listenFact.parse("@cmdline\n", ["other"]).size).toBe(0);
    const script = listenFact.script(["tcp"]);
    expect(script.match(/ss -Htlnp/g)).toHaveLength(1);
    expect(script).toContain("ss (iproute2) is not installed");
  });
});

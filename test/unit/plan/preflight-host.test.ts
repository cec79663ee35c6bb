// Live preflight (pure): platform, ports, versions, reachability and sudo, over recorded-like facts
// and models built from inventories.
import { describe, expect, it } from "vitest";
import type { Diagnostic } from "../../../src/diagnostics.js";
import type { FactSet } from "../../../src/facts/fact.js";
import type { FileContentFact } from "../../../src/facts/file-content.js";
import { parseListen, type ListenFact } from "../../../src/facts/listen.js";
import type { OsFact } from "../../../src/facts/os.js";
import type { PkgFact } from "../../../src/facts/pkg.js";
import { DEBIAN12, EL9, hostContext, type HostContext } from "../../../src/modules/context.js";
import { expectedListeners } from "../../../src/modules/listeners.js";
import { hostPreflight, preflightRequests, preflightScope, unsupportedOs } from "../../../src/plan/preflight-host.js";
import { foreignProcess, portConflicts, postgresDataDir } from "../../../src/plan/preflight-ports.js";
import { classifyFailure, unreachableDiagnostic } from "../../../src/plan/preflight-reach.js";
import { upstreamVersion, versionBelow, versionChecks, versionRequests } from "../../../src/plan/preflight-versions.js";
import { model, yaml } from "../helpers.js";

const PRIMARY = "10.10.10.11";
const INV = yaml`
  all:
    vars:
      admin_ip: 10.10.10.10
    children:
      etcd:
        hosts:
          10.10.10.11: { etcd_seq: 1 }
        vars: { etcd_cluster: etcd }
      pg-test:
        hosts:
          10.10.10.11: { pg_seq: 1, pg_role: primary }
          10.10.10.12: { pg_seq: 2, pg_role: replica }
        vars:
          pg_cluster: pg-test
          pg_version: 15
      proxy:
        hosts:
          10.10.10.20: {}
`;

/** INV with more vars of pg-test. */
const withVars = (...lines: string[]): string => INV.replace("pg_version: 15", ["pg_version: 15", ...lines].join("\n        "));

function ctxOf(text = INV, host = PRIMARY, platform = DEBIAN12): HostContext {
  const m = model(text);
  if (!m.ok) throw new Error(m.diagnostics.map((d) => d.summary).join("\n"));
  return hostContext(m.model, host, { platforms: new Map([[host, platform]]) });
}

const DEBIAN: OsFact = { id: "debian", idLike: [], family: "debian", versionId: "12", codename: "bookworm", prettyName: "Debian GNU/Linux 12 (bookworm)", arch: "x86_64", cpu: 4, memMb: 8000, serviceManager: "none", hostname: "pg-1" };
const pkg = (version: string): PkgFact => ({ version, status: "installed", arch: "amd64", manager: "dpkg" });

/** A FactSet from plain values; `failed` names facts whose fragment failed. */
function facts(values: Record<string, Record<string, unknown>>, failed: Record<string, string> = {}): FactSet {
  return {
    get: <T>(fact: string, key: string) => values[fact]?.[key] as T | undefined,
    failed: (fact: string) => failed[fact],
  };
}

const listen = (lines: string): ListenFact => parseListen(`${lines}\n@cmdline\n`);
const sock = (port: number, name: string, pid: number) => `LISTEN 0 128 0.0.0.0:${port} 0.0.0.0:* users:(("${name}",pid=${pid},fd=3))`;
const codes = (ds: Diagnostic[]) => ds.map((d) => `${d.severity} ${d.code}`);

describe("expected listeners", () => {
  it("a PostgreSQL primary that is also an etcd member: postgres, Patroni, pgbouncer, etcd, HAProxy and its services", () => {
    const ports = expectedListeners(ctxOf()).map((l) => `${l.port} ${l.program}${l.var ? ` ${l.var}` : ""}`);
    expect(ports).toEqual([
      "5432 postgres pg_port", "8008 patroni patroni_port", "6432 pgbouncer pgbouncer_port",
      "2379 etcd etcd_port", "2380 etcd etcd_peer_port", "9101 haproxy haproxy_exporter_port",
      "5433 haproxy", "5434 haproxy", "5436 haproxy", "5438 haproxy",
    ]);
  });

  it("follows the vars: pgbouncer and HAProxy disabled, another pg_port; a host with nothing to run listens on nothing", () => {
    const text = withVars("pg_port: 5555", "pgbouncer_enabled: false", "haproxy_enabled: false");
    expect(expectedListeners(ctxOf(text, "10.10.10.12")).map((l) => l.port)).toEqual([5555, 8008]);
    expect(expectedListeners(ctxOf(INV, "10.10.10.20"))).toEqual([]);
  });
});

describe("ports", () => {
  it("free ports, or ports held by what pgsty runs there (a converged host): nothing", () => {
    const ctx = ctxOf();
    expect(portConflicts(ctx, listen(""))).toEqual([]);
    const converged = parseListen(`${sock(5432, "postgres", 10)}
${sock(8008, "patroni", 11)}
${sock(6432, "pgbouncer", 12)}
${sock(2379, "etcd", 13)}
${sock(2380, "etcd", 13)}
${sock(9101, "haproxy", 14)}
${sock(5433, "haproxy", 14)}
${sock(22, "sshd", 1)}
@cmdline
10\t/usr/lib/postgresql/15/bin/postgres\t-D\t/pg/data\t--config-file=/pg/data/postgresql.conf
11\t/usr/bin/python3\t/usr/bin/patroni\t/etc/patroni/patroni.yml
`);
    expect(portConflicts(ctx, converged)).toEqual([]);
  });

  it("Debian's own cluster on 5432 and an http.server on 8008: refusals naming the holder, the var and a fix", () => {
    const f = parseListen(`${sock(5432, "postgres", 812)}
${sock(8008, "python3", 900)}
@cmdline
812\t/usr/lib/postgresql/15/bin/postgres\t-D\t/var/lib/postgresql/15/main\t-c\tconfig_file=/etc/postgresql/15/main/postgresql.conf
900\tpython3\t-m\thttp.server\t8008
`);
    const ds = portConflicts(ctxOf(), f);
    expect(codes(ds)).toEqual(["error preflight.port", "error preflight.port"]);
    expect(ds[0]).toMatchObject({
      address: PRIMARY,
      summary: `${PRIMARY}: port 5432 (PostgreSQL) is held by postgres of data directory /var/lib/postgresql/15/main (pid 812), not by PostgreSQL`,
      hint: expect.stringContaining("pg_dropcluster --stop"),
    });
    expect(ds[0]!.hint).toContain("(pg_port)");
    expect(ds[1]!.summary).toBe(`${PRIMARY}: port 8008 (Patroni's REST API) is held by python3 (pid 900), not by Patroni`);
    expect(ds[1]!.source?.file).toBe("inv.yml");
  });

  it("a service port held by nginx; a socket nobody owns", () => {
    const ds = portConflicts(ctxOf(), listen(`${sock(5436, "nginx", 7)}\nLISTEN 0 128 127.0.0.1:6432 0.0.0.0:*`));
    expect(ds.map((d) => d.summary)).toEqual([
      `${PRIMARY}: port 6432 (pgbouncer) is held by an unknown process (listening on 127.0.0.1), not by pgbouncer`,
      `${PRIMARY}: port 5436 (HAProxy service pg-test-default) is held by nginx (pid 7), not by HAProxy`,
    ]);
    expect(ds[1]!.hint).toContain("pg_services");
  });

  it("which process is pgsty's", () => {
    expect(postgresDataDir(["postgres", "-D", "/pg/data"])).toBe("/pg/data");
    expect(postgresDataDir(["postgres", "-D/pg/data"])).toBe("/pg/data");
    expect(postgresDataDir(["postgres", "--pgdata=/x"])).toBe("/x");
    expect(postgresDataDir(["postgres"])).toBeUndefined();
    expect(foreignProcess({ name: "postgres", pid: 1, cmdline: ["postgres", "-D", "/pg/data/"] }, "postgres", "/pg/data")).toBeUndefined();
    // PGDATA from the environment: cannot tell, so not refused
    expect(foreignProcess({ name: "postgres", pid: 1 }, "postgres", "/pg/data")).toBeUndefined();
    expect(foreignProcess({ name: "python3", pid: 2, cmdline: ["python3", "/usr/bin/patroni", "/etc/patroni/patroni.yml"] }, "patroni", "/pg/data")).toBeUndefined();
    expect(foreignProcess({ name: "python3", pid: 2, cmdline: ["python3", "-m", "http.server"] }, "patroni", "/pg/data")).toBe("python3 (pid 2)");
    expect(foreignProcess({ name: "etcd", pid: 3 }, "haproxy", "/pg/data")).toBe("etcd (pid 3)");
  });
});

describe("platform", () => {
  it("Debian 12 and EL 9 on x86_64 / aarch64 only", () => {
    expect(unsupportedOs(DEBIAN)).toBeUndefined();
    expect(unsupportedOs({ ...DEBIAN, arch: "aarch64" })).toBeUndefined();
    expect(unsupportedOs({ ...DEBIAN, id: "rocky", idLike: ["rhel", "centos", "fedora"], family: "el", versionId: "9.4", prettyName: "Rocky Linux 9.4 (Blue Onyx)" })).toBeUndefined();
    expect(unsupportedOs({ ...DEBIAN, id: "almalinux", family: "el", versionId: "9.3", prettyName: undefined })).toBeUndefined();
    expect(unsupportedOs({ ...DEBIAN, versionId: "11", prettyName: "Debian GNU/Linux 11 (bullseye)" })).toBe("Debian GNU/Linux 11 (bullseye) is not supported");
    expect(unsupportedOs({ ...DEBIAN, id: "ubuntu", versionId: "22.04", prettyName: "Ubuntu 22.04.4 LTS" })).toBe("Ubuntu 22.04.4 LTS is not supported");
    expect(unsupportedOs({ ...DEBIAN, id: "rocky", family: "el", versionId: "8.9", prettyName: "Rocky Linux 8.9" })).toContain("not supported");
    expect(unsupportedOs({ ...DEBIAN, arch: "ppc64le" })).toBe("architecture ppc64le is not supported");
  });

  it("an unsupported OS is one refusal saying what was found and what is supported; nothing else is checked", () => {
    const ds = hostPreflight(ctxOf(), facts({ os: { os: { ...DEBIAN, id: "ubuntu", versionId: "24.04", prettyName: "Ubuntu 24.04 LTS" } } }), "converge");
    expect(ds).toHaveLength(1);
    expect(ds[0]).toMatchObject({ severity: "error", code: "preflight.os", summary: `${PRIMARY}: Ubuntu 24.04 LTS is not supported`, detail: "found: Ubuntu 24.04 LTS (x86_64)" });
    expect(ds[0]!.hint).toContain("Debian 12 (bookworm) or EL 9");
  });

  it("os not readable: refusal", () => {
    expect(codes(hostPreflight(ctxOf(), facts({}, { os: "exited 1: no os-release" }), "remove"))).toEqual(["error preflight.os"]);
  });
});

describe("versions", () => {
  const base = { os: { os: DEBIAN }, listen: { tcp: listen("") } };

  it("Debian 12's Patroni 3.0.2: a warning citing PR #2689; 3.0.3 and later: nothing", () => {
    const ds = hostPreflight(ctxOf(), facts({ ...base, pkg: { patroni: pkg("3.0.2-1"), "postgresql-15": pkg("15.8-0+deb12u1") } }), "converge");
    expect(codes(ds)).toEqual(["warning preflight.patroni-version"]);
    expect(ds[0]!.summary).toBe(`${PRIMARY}: Patroni 3.0.2-1 can lose acknowledged writes after a leader freeze (fixed in 3.0.3)`);
    expect(ds[0]!.detail).toContain("PR #2689");
    expect(ds[0]!.detail).toContain("Debian 12 ships 3.0.2");
    expect(versionChecks(ctxOf(), facts({ pkg: { patroni: pkg("3.0.3-1") } }))).toEqual([]);
    expect(versionChecks(ctxOf(), facts({ pkg: { patroni: pkg("1:4.0.4-1.el9") } }))).toEqual([]);
    // Patroni not run there: no warning
    const off = withVars("patroni_enabled: false");
    expect(versionChecks(ctxOf(off), facts({ pkg: { patroni: pkg("3.0.2-1") } }))).toEqual([]);
    // only config files left (removed package): not installed
    expect(versionChecks(ctxOf(), facts({ pkg: { patroni: { ...pkg("3.0.2-1"), status: "config-files" } } }))).toEqual([]);
  });

  it("the server package and the data directory must be pg_version's major", () => {
    const el = ctxOf(INV, PRIMARY, EL9);
    const ds = versionChecks(el, facts({ pkg: { "postgresql15-server": { ...pkg("16.4-1PGDG.rhel9"), manager: "rpm" } } }));
    expect(ds.map((d) => d.summary)).toEqual([`${PRIMARY}: postgresql15-server 16.4-1PGDG.rhel9 is installed, pg_version is 15`]);
    const data = versionChecks(ctxOf(), facts({ "file.content": { "/pg/data/PG_VERSION": { bytes: new Uint8Array(), text: "14\n", truncated: false } satisfies FileContentFact } }));
    expect(data).toMatchObject([{ severity: "error", code: "preflight.version", summary: `${PRIMARY}: /pg/data/PG_VERSION says PostgreSQL 14, pg_version is 15` }]);
    expect(versionChecks(ctxOf(), facts({ "file.content": { "/pg/data/PG_VERSION": { bytes: new Uint8Array(), text: "15\n", truncated: false } } }))).toEqual([]);
  });

  it("pgBackRest < 2.46 with block incremental kept (EL 9): refused; on Debian 12 the renderer drops block, nothing to refuse", () => {
    const text = withVars("pgbackrest_repo: { local: { path: /pg/backup, retention_full_type: count, retention_full: 2, block: y, bundle: y } }");
    const old = { pkg: { pgbackrest: pkg("2.45-1") } };
    expect(codes(versionChecks(ctxOf(text, PRIMARY, EL9), facts(old)))).toEqual(["error preflight.version"]);
    expect(versionChecks(ctxOf(text, PRIMARY, DEBIAN12), facts(old))).toEqual([]);
    expect(versionChecks(ctxOf(text, PRIMARY, EL9), facts({ pkg: { pgbackrest: pkg("2.54.0-1PGDG.rhel9") } }))).toEqual([]);
    expect(versionChecks(ctxOf(INV, PRIMARY, EL9), facts(old))).toEqual([]);
  });

  it("requests both families' server packages (read before the platform is known), Patroni, pgBackRest, PG_VERSION", () => {
    expect(versionRequests(ctxOf()).map((r) => `${r.fact}:${r.key}`)).toEqual(["pkg:postgresql-15", "pkg:postgresql15-server", "file.content:/pg/data/PG_VERSION", "pkg:patroni", "pkg:pgbackrest"]);
    expect(versionRequests(ctxOf(INV, "10.10.10.20"))).toEqual([]);
  });

  it("version arithmetic", () => {
    expect(upstreamVersion("3.0.2-1")).toEqual([3, 0, 2]);
    expect(upstreamVersion("1:2.45-1")).toEqual([2, 45]);
    expect(upstreamVersion("~beta")).toBeUndefined();
    expect(versionBelow([3, 0, 2], [3, 0, 3])).toBe(true);
    expect(versionBelow([3, 0], [3, 0, 3])).toBe(true);
    expect(versionBelow([3, 1], [3, 0, 3])).toBe(false);
    expect(versionBelow([3, 0, 3], [3, 0, 3])).toBe(false);
  });
});

describe("host preflight", () => {
  it("a removal checks the platform only; a converging playbook reads ports and versions in the same trip", () => {
    expect(preflightScope({ name: "pgsql-rm", description: "", steps: [{ step: "remove.data", tags: ["x"] }] })).toBe("remove");
    expect(preflightScope({ name: "pgsql", description: "", steps: [{ step: "node.dirs", tags: ["x"] }] })).toBe("converge");
    expect(preflightRequests(ctxOf(), "remove")).toEqual([{ fact: "os", key: "os" }]);
    expect(preflightRequests(ctxOf(), "converge").map((r) => r.fact)).toEqual(["os", "listen", "pkg", "pkg", "file.content", "pkg", "pkg"]);
    const busy = facts({ os: { os: DEBIAN }, listen: { tcp: listen(sock(5432, "nginx", 3)) } });
    expect(hostPreflight(ctxOf(), busy, "remove")).toEqual([]);
    expect(codes(hostPreflight(ctxOf(), busy, "converge"))).toEqual(["error preflight.port"]);
  });

  it("ports or packages that cannot be read: refusals, not silence", () => {
    const ds = hostPreflight(ctxOf(), facts({ os: { os: DEBIAN } }, { listen: "exited 1: pgsty: ss (iproute2) is not installed", pkg: "exited 2: dpkg broken" }), "converge");
    expect(ds.map((d) => d.summary)).toEqual([
      `${PRIMARY}: cannot list the listening ports: exited 1: pgsty: ss (iproute2) is not installed`,
      `${PRIMARY}: cannot read the installed packages: exited 2: dpkg broken`,
    ]);
  });
});

describe("reachability and sudo", () => {
  const vars = { ansible_host: "10.211.1.2", ansible_user: "root" };
  const msg = (what: string) => `10.10.10.11: cannot connect to root@10.211.1.2:22: ${what}: gather facts os listen pkg`;

  it("names the host, the address and what failed", () => {
    const d = unreachableDiagnostic(PRIMARY, vars, msg("connect ECONNREFUSED 10.211.1.2:22 (ECONNREFUSED)"));
    expect(d).toMatchObject({ severity: "error", code: "preflight.unreachable", address: PRIMARY, summary: `${PRIMARY} (root@10.211.1.2:22): connection refused` });
    expect(d.detail).toContain("ECONNREFUSED");
    expect(d.hint).toContain("sshd");
    expect(unreachableDiagnostic(PRIMARY, { ...vars, ansible_port: 2222 }, msg("All configured authentication methods failed")).summary).toBe(`${PRIMARY} (root@10.211.1.2:2222): authentication failed`);
    expect(unreachableDiagnostic(PRIMARY, {}, msg("Timed out while waiting for handshake")).summary).toBe(`${PRIMARY} (${PRIMARY}:22): timed out`);
    expect(classifyFailure("connect EHOSTUNREACH 10.0.0.9:22", "root", true).what).toBe("no route to the host");
    expect(classifyFailure("getaddrinfo ENOTFOUND pg-1", "root", true).what).toBe("the host name does not resolve");
    expect(classifyFailure("something odd\nmore", "root", true).what).toBe("something odd");
  });

  it("sudo asking for a password, for a login user that is not root: a sudo refusal with both fixes", () => {
    const m = "10.10.10.11: `gather facts os` exited 1: sudo: a password is required";
    const d = unreachableDiagnostic(PRIMARY, { ansible_host: "10.211.1.2", ansible_user: "dba" }, m);
    expect(d).toMatchObject({ code: "preflight.sudo", summary: `${PRIMARY} (dba@10.211.1.2:22): sudo -n does not work for dba (sudo: a password is required)` });
    expect(d.hint).toContain("NOPASSWD");
    expect(d.hint).toContain("ansible_user: root");
    // become off: sudo is not pgsty's doing
    expect(classifyFailure(m, "dba", false).code).toBe("preflight.unreachable");
  });
});

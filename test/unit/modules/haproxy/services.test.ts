// PostgreSQL services on HAProxy: the documented pg-test services, dest/weight/option variants,
// pg_rto timings, selectors over defaulted vars, provider delegation, and golden files.
import { readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadInventory } from "../../../../src/inventory/load.js";
import { buildModel } from "../../../../src/model/model.js";
import { hostContext } from "../../../../src/modules/context.js";
import { renderHaproxyServices, servicesServedBy, type ServiceDef } from "../../../../src/modules/haproxy/services.js";
import { defaultServerOptions, rtoPreset } from "../../../../src/modules/haproxy/timing.js";
import { yaml } from "../../helpers.js";
import { contextFor } from "../context-helper.js";

const ROOT = join(import.meta.dirname, "..", "..", "..", "..");
const PG_TEST_YML = readFileSync(join(ROOT, "conf/ha/pg-test.yml"), "utf8");
const FULL_YML = readFileSync(join(ROOT, "conf/full.yml"), "utf8");

/** `server` lines of a service, as `name address:port [backup]`, for compact assertions. */
function lines(s: ServiceDef | undefined): string[] {
  return (s?.servers ?? []).map((x) => `${x.name} ${x.address}:${x.port}${x.backup ? " backup" : ""}`);
}

const byName = (defs: ServiceDef[], name: string): ServiceDef => defs.find((d) => d.name === name) ?? expect.fail(`no service ${name}`);

const HOSTS = `
  10.10.10.11: { pg_seq: 1, pg_role: primary }
  10.10.10.12: { pg_seq: 2, pg_role: replica }
  10.10.10.13: { pg_seq: 3, pg_role: replica }`;

/** `text` without its common indentation, indented by `n` spaces. */
function block(text: string, n: number): string {
  const ls = text.split("\n").filter((l) => l.trim());
  const min = Math.min(...ls.map((l) => /^ */.exec(l)![0].length));
  return ls.map((l) => " ".repeat(n) + l.slice(min)).join("\n");
}

/** A 3-node pg-test with `vars` appended to the cluster vars and `hosts` replacing the members. */
function cluster(vars = "", hosts = HOSTS): string {
  const head = ["all:", "  vars: { admin_ip: 10.10.10.10 }", "  children:", "    pg-test:", "      hosts:", block(hosts, 8)];
  return [...head, "      vars:", "        pg_cluster: pg-test", ...(vars.trim() ? [block(vars, 8)] : [])].join("\n") + "\n";
}

const served = (text: string, host = "10.10.10.11") => servicesServedBy(contextFor(text, host));

describe("the documented pg-test services (conf/ha/pg-test.yml)", () => {
  const defs = served(PG_TEST_YML);

  it("serves the four default services and the standby service, with their ports and checks", () => {
    expect(defs.map((d) => [d.name, d.ip, d.port, d.check, d.dest])).toEqual([
      ["pg-test-primary", "*", 5433, "/primary", "pgbouncer"],
      ["pg-test-replica", "*", 5434, "/read-only", "pgbouncer"],
      ["pg-test-default", "*", 5436, "/primary", "postgres"],
      ["pg-test-offline", "*", 5438, "/replica", "postgres"],
      ["pg-test-standby", "*", 5435, "/sync", "pgbouncer"],
    ]);
  });

  it("primary and default take every member; only the health check tells the primary apart", () => {
    expect(lines(byName(defs, "pg-test-primary"))).toEqual(["pg-test-1 10.10.10.11:6432", "pg-test-2 10.10.10.12:6432", "pg-test-3 10.10.10.13:6432"]);
    expect(lines(byName(defs, "pg-test-default"))).toEqual(["pg-test-1 10.10.10.11:5432", "pg-test-2 10.10.10.12:5432", "pg-test-3 10.10.10.13:5432"]);
  });

  it("replica keeps the primary as backup", () => {
    expect(lines(byName(defs, "pg-test-replica"))).toEqual(["pg-test-1 10.10.10.11:6432 backup", "pg-test-2 10.10.10.12:6432", "pg-test-3 10.10.10.13:6432"]);
  });

  it("offline uses the replica marked pg_offline_query, the other replica as backup, never the primary", () => {
    expect(lines(byName(defs, "pg-test-offline"))).toEqual(["pg-test-2 10.10.10.12:5432 backup", "pg-test-3 10.10.10.13:5432"]);
  });

  it("standby checks /sync and keeps the primary as backup", () => {
    const s = byName(defs, "pg-test-standby");
    expect(lines(s)).toEqual(["pg-test-1 10.10.10.11:6432 backup", "pg-test-2 10.10.10.12:6432", "pg-test-3 10.10.10.13:6432"]);
    const file = renderHaproxyServices(contextFor(PG_TEST_YML, "10.10.10.12")).find((f) => f.path === "/etc/haproxy/conf.d/pg-test-standby.cfg")!;
    expect(file.content).toContain("    http-check send meth OPTIONS uri /sync\n");
    expect(file.content).toContain("    server pg-test-1 10.10.10.11:6432 check port 8008 weight 100 backup\n");
  });

  it("every member serves identical service files", () => {
    const files = (h: string) => renderHaproxyServices(contextFor(PG_TEST_YML, h)).filter((f) => !f.path.endsWith("/haproxy.cfg"));
    expect(files("10.10.10.12")).toEqual(files("10.10.10.11"));
    expect(files("10.10.10.13")).toEqual(files("10.10.10.11"));
  });

  it("writes haproxy.cfg and one reloadable, validated file per service", () => {
    const files = renderHaproxyServices(contextFor(PG_TEST_YML, "10.10.10.11"));
    expect(files.map((f) => f.path)).toEqual([
      "/etc/haproxy/haproxy.cfg",
      "/etc/haproxy/conf.d/pg-test-primary.cfg",
      "/etc/haproxy/conf.d/pg-test-replica.cfg",
      "/etc/haproxy/conf.d/pg-test-default.cfg",
      "/etc/haproxy/conf.d/pg-test-offline.cfg",
      "/etc/haproxy/conf.d/pg-test-standby.cfg",
    ]);
    const validate = "haproxy -c -f /etc/haproxy/haproxy.cfg -f {path}";
    expect(files[1]).toMatchObject({ owner: "root", group: "root", mode: "0644", sensitive: false, effect: "reload", service: "haproxy", validate });
    expect(files[0]).toMatchObject({ mode: "0600", sensitive: true, effect: "reload", service: "haproxy", validate: "haproxy -c -f {path}" });
    expect(files[0]!.content).toContain("user 'admin' insecure-password 'HAProxy.Example.ChangeMe'");
    expect(files[0]!.content).toContain("bind *:9101");
    expect(files[0]!.content).toContain("stats uri /haproxy/pg-test-1/");
  });

  it("the seed's layout with a dedicated offline instance: backup of replica, server of offline", () => {
    const text = cluster("", `
        10.10.10.11: { pg_seq: 1, pg_role: primary }
        10.10.10.12: { pg_seq: 2, pg_role: replica }
        10.10.10.13: { pg_seq: 3, pg_role: offline }`);
    const d = served(text);
    expect(lines(byName(d, "pg-test-replica"))).toEqual(["pg-test-1 10.10.10.11:6432 backup", "pg-test-2 10.10.10.12:6432", "pg-test-3 10.10.10.13:6432 backup"]);
    expect(lines(byName(d, "pg-test-offline"))).toEqual(["pg-test-2 10.10.10.12:5432 backup", "pg-test-3 10.10.10.13:5432"]);
  });
});

describe("selectors read resolved vars, defaults included", () => {
  it("[? pg_offline_query] matches nobody when it is unset everywhere; the replicas are the backups", () => {
    expect(lines(byName(served(cluster()), "pg-test-offline"))).toEqual(["pg-test-2 10.10.10.12:5432 backup", "pg-test-3 10.10.10.13:5432 backup"]);
    const d = served(cluster("pg_services: [ { name: etl, port: 5441, selector: '[? pg_offline_query]' } ]"));
    expect(lines(byName(d, "pg-test-etl"))).toEqual([]);
  });

  it("a defaulted var compares with its default value (Pigsty's hostvars would see null)", () => {
    const d = served(cluster("pg_services: [ { name: w, port: 5441, selector: '[? pg_weight == `100` && patroni_port == `8008`]' } ]", `
        10.10.10.11: { pg_seq: 1, pg_role: primary }
        10.10.10.12: { pg_seq: 2, pg_role: replica, pg_weight: 10 }
        10.10.10.13: { pg_seq: 3, pg_role: replica }`));
    expect(lines(byName(d, "pg-test-w"))).toEqual(["pg-test-1 10.10.10.11:6432", "pg-test-3 10.10.10.13:6432"]);
  });

  it("members carry inventory_hostname and pg_instance; a non-list result selects nobody", () => {
    const d = served(cluster(yaml`
      pg_services:
        - { name: a, port: 5441, selector: "[? inventory_hostname == '10.10.10.12']" }
        - { name: b, port: 5442, selector: "[? pg_instance == 'pg-test-3']" }
        - { name: c, port: 5443, selector: "length(@)" }
        - { name: d, port: 5444 }
    `));
    expect(lines(byName(d, "pg-test-a"))).toEqual(["pg-test-2 10.10.10.12:6432"]);
    expect(lines(byName(d, "pg-test-b"))).toEqual(["pg-test-3 10.10.10.13:6432"]);
    expect(lines(byName(d, "pg-test-c"))).toEqual([]);
    expect(byName(d, "pg-test-d")).toMatchObject({ selector: "[]", check: "/", backupSelector: undefined });
    expect(lines(byName(d, "pg-test-d"))).toHaveLength(3);
  });

  it("servers are ordered by pg_seq whatever the inventory order", () => {
    const d = served(cluster("", `
        10.10.10.13: { pg_seq: 3, pg_role: replica }
        10.10.10.11: { pg_seq: 1, pg_role: primary }
        10.10.10.12: { pg_seq: 2, pg_role: replica }`));
    expect(byName(d, "pg-test-primary").servers.map((s) => s.name)).toEqual(["pg-test-1", "pg-test-2", "pg-test-3"]);
  });
});

describe("dest, weight and listen options", () => {
  it("dest default follows pg_default_service_dest; postgres/pgbouncer use each member's port; a number is itself", () => {
    const text = cluster(yaml`
      pg_default_service_dest: postgres
      pg_services:
        - { name: x, port: 5440, dest: 1433, selector: "[? pg_seq == \`2\`]" }
        - { name: pool, port: 5441, dest: pgbouncer, selector: "[]" }
    `, `
        10.10.10.11: { pg_seq: 1, pg_role: primary, pg_port: 5500 }
        10.10.10.12: { pg_seq: 2, pg_role: replica, pgbouncer_port: 6500 }
        10.10.10.13: { pg_seq: 3, pg_role: replica }`);
    const d = served(text);
    expect(byName(d, "pg-test-primary").dest).toBe("postgres");
    expect(lines(byName(d, "pg-test-primary"))).toEqual(["pg-test-1 10.10.10.11:5500", "pg-test-2 10.10.10.12:5432", "pg-test-3 10.10.10.13:5432"]);
    expect(lines(byName(d, "pg-test-pool"))).toEqual(["pg-test-1 10.10.10.11:6432", "pg-test-2 10.10.10.12:6500", "pg-test-3 10.10.10.13:6432"]);
    expect(byName(d, "pg-test-x")).toMatchObject({ dest: 1433, check: "/" });
    expect(lines(byName(d, "pg-test-x"))).toEqual(["pg-test-2 10.10.10.12:1433"]);
  });

  it("pg_weight and patroni_port are per member; patroni_ssl_enabled checks over HTTPS", () => {
    const text = cluster("patroni_ssl_enabled: true", `
        10.10.10.11: { pg_seq: 1, pg_role: primary, patroni_port: 8009 }
        10.10.10.12: { pg_seq: 2, pg_role: replica, pg_weight: 50 }
        10.10.10.13: { pg_seq: 3, pg_role: replica, pg_weight: 0 }`);
    const file = renderHaproxyServices(contextFor(text, "10.10.10.11")).find((f) => f.path.endsWith("pg-test-replica.cfg"))!;
    expect(file.content).toContain([
      "    server pg-test-1 10.10.10.11:6432 check-ssl ca-file /pg/cert/ca.crt check port 8009 weight 100 backup",
      "    server pg-test-2 10.10.10.12:6432 check-ssl ca-file /pg/cert/ca.crt check port 8008 weight 50",
      "    server pg-test-3 10.10.10.13:6432 check-ssl ca-file /pg/cert/ca.crt check port 8008 weight 0",
    ].join("\n"));
  });

  it("maxconn, balance, ip and options are rendered as given; options replace the pg_rto timings", () => {
    const opts = "inter 5s fastinter 2s downinter 5s rise 2 fall 4 maxconn 100";
    const text = cluster(`pg_rto: wide\npg_services: [ { name: x, port: 5440, ip: 10.10.10.11, maxconn: 200, balance: leastconn, options: '${opts}', selector: '[]' } ]`);
    const files = renderHaproxyServices(contextFor(text, "10.10.10.11"));
    const x = files.find((f) => f.path === "/etc/haproxy/conf.d/pg-test-x.cfg")!.content;
    expect(x).toContain("    bind 10.10.10.11:5440\n    mode tcp\n    maxconn 200\n    balance leastconn\n");
    expect(x).toContain(`    default-server ${opts}\n`);
    const primary = files.find((f) => f.path === "/etc/haproxy/conf.d/pg-test-primary.cfg")!.content;
    expect(primary).toContain("    maxconn 5000\n    balance roundrobin\n");
    expect(primary).toContain("    default-server inter 4s fastinter 2s downinter 4s rise 3 fall 3 on-marked-down");
  });
});

describe("pg_rto presets set the default-server check timings", () => {
  it.each([
    ["norm", "inter 2s fastinter 1s downinter 2s rise 3 fall 3"],
    ["fast", "inter 1s fastinter 500ms downinter 1s rise 3 fall 3"],
    ["safe", "inter 3s fastinter 1500ms downinter 3s rise 3 fall 3"],
    ["wide", "inter 4s fastinter 2s downinter 4s rise 3 fall 3"],
  ])("%s", (rto, timings) => {
    const d = served(cluster(`pg_rto: ${rto}`));
    expect(byName(d, "pg-test-primary").options).toBe(`${timings} on-marked-down shutdown-sessions slowstart 30s maxconn 3000 maxqueue 128 weight 100`);
  });

  it("the default is norm; seconds map to the preset with the nearest objective", () => {
    expect(byName(served(cluster()), "pg-test-replica").options).toBe(defaultServerOptions("norm"));
    expect([10, 25, 30, 45, 50, 60, 100, 3600, "bogus", undefined].map(rtoPreset)).toEqual(["fast", "norm", "norm", "norm", "safe", "safe", "wide", "wide", "norm", "norm"]);
    expect(byName(served(cluster("pg_rto: 60")), "pg-test-primary").options).toBe(defaultServerOptions("safe"));
  });
});

describe("pg_service_provider delegation", () => {
  const text = yaml`
    all:
      vars: { admin_ip: 10.10.10.10, pg_service_provider: proxy }
      children:
        proxy:
          hosts: { 10.10.10.18: {}, 10.10.10.19: {} }
        pg-a:
          hosts:
            10.10.10.21: { pg_seq: 1, pg_role: primary }
            10.10.10.22: { pg_seq: 2, pg_role: replica }
          vars:
            pg_cluster: pg-a
            pg_default_services: [ { name: primary, port: 10011, dest: postgres, check: /primary, selector: "[]" } ]
        pg-b:
          hosts:
            10.10.10.31: { pg_seq: 1, pg_role: primary }
          vars:
            pg_cluster: pg-b
            pg_default_services: [ { name: primary, port: 10021, dest: postgres, check: /primary, selector: "[]" } ]
            pg_services: [ { name: replica, port: 10022, selector: "[]" } ]
        pg-c:
          hosts:
            10.10.10.41: { pg_seq: 1, pg_role: primary }
          vars:
            pg_cluster: pg-c
            pg_service_provider: ''
  `;

  it("the proxy hosts serve the services of both delegating clusters", () => {
    for (const h of ["10.10.10.18", "10.10.10.19"]) {
      expect(served(text, h).map((d) => `${d.name}:${d.port}`)).toEqual(["pg-a-primary:10011", "pg-b-primary:10021", "pg-b-replica:10022"]);
      const names = renderHaproxyServices(contextFor(text, h)).map((f) => basename(f.path));
      expect(names).toEqual(["haproxy.cfg", "pg-a-primary.cfg", "pg-b-primary.cfg", "pg-b-replica.cfg"]);
    }
    expect(lines(byName(served(text, "10.10.10.18"), "pg-a-primary"))).toEqual(["pg-a-1 10.10.10.21:5432", "pg-a-2 10.10.10.22:5432"]);
  });

  it("members of delegating clusters serve none; a cluster with no provider serves its own", () => {
    for (const h of ["10.10.10.21", "10.10.10.22", "10.10.10.31"]) {
      expect(served(text, h)).toEqual([]);
      expect(renderHaproxyServices(contextFor(text, h)).map((f) => f.path)).toEqual(["/etc/haproxy/haproxy.cfg"]);
    }
    expect(served(text, "10.10.10.41").map((d) => d.name)).toEqual(["pg-c-primary", "pg-c-replica", "pg-c-default", "pg-c-offline"]);
  });
});

describe("a provider group serving more clusters than the service index keeps", () => {
  it("gives each of its hosts every cluster's services, the same files on each", () => {
    const clusters = Array.from({ length: 40 }, (_, i) => yaml`
      pg-x${i}:
        hosts: { 10.20.${i}.1: { pg_seq: 1, pg_role: primary }, 10.20.${i}.2: { pg_seq: 2, pg_role: replica } }
        vars: { pg_cluster: pg-x${i}, pg_services: [ { name: extra, port: ${20000 + i}, selector: "[]" } ] }
    `);
    const text = `all:\n  vars: { admin_ip: 10.10.10.10, pg_service_provider: proxy }\n  children:\n    proxy:\n      hosts: { 10.10.10.18: {}, 10.10.10.19: {} }\n${clusters.map((c) => block(c, 4)).join("\n")}\n`;
    const model = buildModel(loadInventory([{ file: "inv.yml", text }]).inventory).model;
    expect(model.clusters.size).toBe(40);
    // a member first, as inventory order would have it, then both proxies, then a member again
    const files = (h: string) => renderHaproxyServices(hostContext(model, h)).map((f) => [f.path, f.content] as const);
    expect(files("10.20.0.1")).toHaveLength(1);
    const [a, b] = [files("10.10.10.18"), files("10.10.10.19")];
    expect(a).toHaveLength(1 + 40 * 5);
    // haproxy.cfg names its host; the service files are the same
    expect(b.slice(1)).toEqual(a.slice(1));
    expect(a.map(([p]) => basename(p))).toContain("pg-x39-extra.cfg");
    expect(a.find(([p]) => p.endsWith("/pg-x0-extra.cfg"))![1]).toContain("20000");
    expect(files("10.10.10.18")).toEqual(a);
  });
});

describe("the main haproxy.cfg", () => {
  it("nothing at all when haproxy_enabled is false", () => {
    expect(renderHaproxyServices(contextFor(cluster("haproxy_enabled: false"), "10.10.10.12"))).toEqual([]);
  });

  it("without authentication: no userlist, no admin actions, not sensitive", () => {
    const [main] = renderHaproxyServices(contextFor(cluster("haproxy_auth_enabled: false\nhaproxy_exporter_port: 9200"), "10.10.10.12"));
    expect(main).toMatchObject({ mode: "0644", sensitive: false });
    expect(main!.content).not.toMatch(/userlist|insecure-password|stats admin/);
    expect(main!.content).toContain("bind *:9200");
  });

  it("credentials are quoted literally; timeouts come from the vars", () => {
    const text = cluster(yaml`
      haproxy_admin_username: ops
      haproxy_admin_password: "it's $HOME #1"
      haproxy_client_timeout: 1h
      haproxy_server_timeout: 2h
    `);
    const [main] = renderHaproxyServices(contextFor(text, "10.10.10.13"));
    expect(main!.content).toContain(String.raw`user 'ops' insecure-password 'it'\''s $HOME #1'`);
    expect(main!.content).toContain("timeout client 1h\n    timeout server 2h\n");
  });
});

describe("golden files", () => {
  // every host of the inventory, members of delegating clusters (haproxy.cfg only) included
  const hostsOf = (text: string) => [...contextFor(text, "10.10.10.11").model.hosts.keys()];
  const cases = [["ha-pg-test", PG_TEST_YML, hostsOf(PG_TEST_YML)], ["full", FULL_YML, hostsOf(FULL_YML)]] as const;
  for (const [name, text, hosts] of cases) {
    it.each(hosts)(`${name}: %s`, async (host) => {
      for (const f of renderHaproxyServices(contextFor(text, host))) {
        await expect(f.content).toMatchFileSnapshot(join(ROOT, "test/golden/haproxy", name, host, basename(f.path)));
      }
    });
  }
});

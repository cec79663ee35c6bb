// HBA rendering (src/modules/pgsql/hba.ts): order, alias expansion, auth map, role filtering, raw
// rules, both targets; golden files for conf/ha/pg-test.yml; the reference's rendered example (B.1).
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { HbaRule } from "../../../../src/model/schema/index.js";
import type { HostContext } from "../../../../src/modules/context.js";
import { hbaLines, renderPgbHba, renderPgHba, type HbaBlock, type HbaTarget } from "../../../../src/modules/pgsql/hba.js";
import { yaml } from "../../helpers.js";
import { contextFor } from "../context-helper.js";

/** pg-test as in the reference's sample vars: infra 10.10.10.10, .11 primary, .12 replica, .13 offline-query replica. */
function inventory(o: { infra?: boolean; vars?: string; hosts?: [string, string][] } = {}): string {
  const hosts = o.hosts ?? [
    ["10.10.10.11", "{ pg_seq: 1, pg_role: primary }"],
    ["10.10.10.12", "{ pg_seq: 2, pg_role: replica }"],
    ["10.10.10.13", "{ pg_seq: 3, pg_role: replica, pg_offline_query: true }"],
  ];
  const infra = o.infra === false ? "" : "    infra: { hosts: { 10.10.10.10: { infra_seq: 1 } } }\n";
  const vars = (o.vars ?? "").split("\n").map((l) => `        ${l}`).join("\n");
  return `all:\n  vars: { admin_ip: 10.10.10.10 }\n  children:\n${infra}    pg-test:\n      hosts:\n${hosts
    .map(([h, v]) => `        "${h}": ${v}\n`)
    .join("")}      vars:\n        pg_cluster: pg-test\n${vars}\n`;
}

const ctxOf = (host: string, vars = "", o: { infra?: boolean; hosts?: [string, string][] } = {}) => contextFor(inventory({ ...o, vars }), host);

/** A context whose rule list is replaced without validation (to reach the renderer's own guards). */
function withRules(ctx: HostContext, list: string, rules: HbaRule[]): HostContext {
  return { ...ctx, vars: Object.assign(Object.create(ctx.vars) as HostContext["vars"], { [list]: rules }) };
}

/** Lines of a block as "type db user addr method" (addr omitted on local lines). */
const flat = (b: HbaBlock | undefined): string[] =>
  (b?.kind === "raw" ? b.lines : (b?.lines ?? []).map((l) => [l.type, l.db, l.user, l.addr, l.method].filter(Boolean).join(" "))) as string[];
const byTitle = (bs: HbaBlock[], title: string) => bs.find((b) => b.title === title);
/** Lines of the single user rule `rule`, on `host`, for `target`. */
function one(rule: HbaRule, target: HbaTarget = "postgres", host = "10.10.10.11", vars = "", o = {}): string[] {
  const ctx = withRules(ctxOf(host, vars, o), target === "postgres" ? "pg_hba_rules" : "pgb_hba_rules", [{ ...rule, title: "t" }]);
  return flat(byTitle(hbaLines(ctx, target), "t"));
}

describe("order", () => {
  it("sorts rules with an order stably, then appends the others in list order", () => {
    const ctx = ctxOf("10.10.10.11", yaml`
      pg_hba_rules:
        - { user: app_user, db: app_db, addr: intra, auth: pwd, title: 'no order 1' }
        - { user: all, db: all, addr: '10.1.1.100/32', auth: deny, order: 0, title: 'order 0' }
        - { user: auditor, db: all, addr: local, auth: ident, order: 120, title: 'order 120' }
        - { user: x, db: all, addr: local, auth: ident, order: 100, title: 'tie 100' }
        - { user: exporter, db: all, addr: infra, auth: pwd, order: 420, title: 'order 420' }
        - { user: y, db: all, addr: intra, auth: pwd, title: 'no order 2' }`);
    expect(hbaLines(ctx, "postgres").map((b) => b.order ?? b.title)).toEqual([
      0, 100, 100, 120, 150, 200, 250, 300, 350, 400, 420, 450, 500, 550, 600, 650, "no order 1", "no order 2",
    ]);
    const titles = hbaLines(ctx, "postgres").map((b) => b.title);
    // a default rule precedes a user rule of the same order
    expect(titles.slice(0, 4)).toEqual(["order 0", "dbsu access via local os user ident", "tie 100", "order 120"]);
    expect(titles.indexOf("order 420")).toBe(titles.indexOf("monitor from infra host with password") + 1);
  });
});

describe("address aliases", () => {
  const pg = (addr: string) => one({ user: "u", db: "d", addr, auth: "pwd" });
  it.each([
    ["local", ["local d u scram-sha-256"]],
    ["localhost", ["local d u scram-sha-256", "host d u 127.0.0.1/32 scram-sha-256", "host d u ::1/128 scram-sha-256"]],
    ["admin", ["host d u 10.10.10.10/32 scram-sha-256"]],
    ["infra", ["host d u 10.10.10.10/32 scram-sha-256"]],
    ["cluster", ["10.10.10.11/32", "10.10.10.12/32", "10.10.10.13/32"].map((a) => `host d u ${a} scram-sha-256`)],
    ["intra", ["10.0.0.0/8", "192.168.0.0/16", "172.16.0.0/12"].map((a) => `host d u ${a} scram-sha-256`)],
    ["intranet", ["10.0.0.0/8", "192.168.0.0/16", "172.16.0.0/12"].map((a) => `host d u ${a} scram-sha-256`)],
    ["world", ["host d u 0.0.0.0/0 scram-sha-256", "host d u ::/0 scram-sha-256"]],
    ["all", ["host d u 0.0.0.0/0 scram-sha-256", "host d u ::/0 scram-sha-256"]],
    ["10.1.0.0/16", ["host d u 10.1.0.0/16 scram-sha-256"]],
    ["fd00:10:10::/48", ["host d u fd00:10:10::/48 scram-sha-256"]],
    ["10.1.1.1", ["host d u 10.1.1.1/32 scram-sha-256"]],
    ["fd00::1", ["host d u fd00::1/128 scram-sha-256"]],
  ])("%s", (addr, lines) => expect(pg(addr)).toEqual(lines));

  it("intra follows node_firewall_intranet in order; infra is string-sorted; no infra group means no lines", () => {
    const intra = one({ addr: "intra" }, "postgres", "10.10.10.11", "node_firewall_intranet: [ 172.16.0.0/12, 'fd00::/8', 10.9.9.9 ]");
    expect(intra.map((l) => l.split(" ")[3])).toEqual(["172.16.0.0/12", "fd00::/8", "10.9.9.9/32"]);
    const text = inventory().replace("10.10.10.10: { infra_seq: 1 }", "10.10.10.9: { infra_seq: 2 }, 10.10.10.10: { infra_seq: 1 }");
    const infra = withRules(contextFor(text, "10.10.10.11"), "pg_hba_rules", [{ addr: "infra", title: "t" }]);
    expect(flat(byTitle(hbaLines(infra, "postgres"), "t")).map((l) => l.split(" ")[3])).toEqual(["10.10.10.10/32", "10.10.10.9/32"]);
    const none = ctxOf("10.10.10.11", "", { infra: false });
    expect(flat(byTitle(hbaLines(none, "postgres"), "monitor from infra host with password"))).toEqual([]);
    expect(renderPgHba(none).content).toContain("# (infra: no addresses, no lines)");
  });

  it("cluster members with IPv6 addresses get /128, string-sorted", () => {
    const hosts: [string, string][] = [["fd00::12", "{ pg_seq: 2, pg_role: replica }"], ["fd00::11", "{ pg_seq: 1, pg_role: primary }"]];
    const lines = one({ addr: "cluster" }, "postgres", "fd00::12", "", { hosts });
    expect(lines.map((l) => l.split(" ")[3])).toEqual(["fd00::11/128", "fd00::12/128"]);
  });
});

describe("users, auth and connection types", () => {
  it("replaces the four placeholders only when they are the whole value", () => {
    const vars = "pg_replication_username: repl_x\npg_monitor_username: mon_x\npg_admin_username: dba_x";
    const user = (u: string | undefined) => one({ ...(u === undefined ? {} : { user: u }), addr: "local", auth: "trust" }, "postgres", "10.10.10.11", vars)[0]?.split(" ")[2];
    expect(["${dbsu}", "${repl}", "${monitor}", "${admin}", "${dbsu},x", "+dbrole_readonly", "", undefined].map(user)).toEqual([
      "postgres", "repl_x", "mon_x", "dba_x", "${dbsu},x", "+dbrole_readonly", "all", "all",
    ]);
    expect(one({ addr: "local", db: "" })).toEqual(["local all all scram-sha-256"]);
  });

  it.each([
    ["pwd", "host", "scram-sha-256", "scram-sha-256"],
    ["ssl", "hostssl", "scram-sha-256", "scram-sha-256"],
    ["sha", "host", "scram-sha-256", "scram-sha-256"],
    ["scram-sha-256", "host", "scram-sha-256", "scram-sha-256"],
    ["ssl-sha", "hostssl", "scram-sha-256", "scram-sha-256"],
    ["md5", "host", "md5", "md5"],
    ["ssl-md5", "hostssl", "md5", "md5"],
    ["cert", "hostssl", "cert", "cert"],
    ["deny", "host", "reject", "reject"],
    ["reject", "host", "reject", "reject"],
    ["trust", "host", "trust", "trust"],
  ])("auth %s: %s, postgres %s, pgbouncer %s", (auth, type, pgMethod, pgbMethod) => {
    expect(one({ addr: "10.1.0.0/16", auth })).toEqual([`${type} all all 10.1.0.0/16 ${pgMethod}`]);
    expect(one({ addr: "10.1.0.0/16", auth }, "pgbouncer")).toEqual([`${type} all all 10.1.0.0/16 ${pgbMethod}`]);
  });

  it.each([
    ["ident", "ident", "peer"],
    ["os", "ident", "peer"],
    ["peer", "peer", "peer"],
  ])("auth %s on the socket: postgres %s, pgbouncer %s", (auth, pgMethod, pgbMethod) => {
    expect(one({ addr: "local", auth })).toEqual([`local all all ${pgMethod}`]);
    expect(one({ addr: "local", auth }, "pgbouncer")).toEqual([`local all all ${pgbMethod}`]);
  });

  it("pwd follows pg_pwd_enc", () => {
    expect(one({ addr: "local" }, "postgres", "10.10.10.11", "pg_pwd_enc: md5")).toEqual(["local all all md5"]);
  });

  it("localhost keeps only the transports that can carry the method", () => {
    expect(one({ addr: "localhost", auth: "ssl" })).toEqual(["hostssl all all 127.0.0.1/32 scram-sha-256", "hostssl all all ::1/128 scram-sha-256"]);
    expect(one({ addr: "localhost", auth: "cert" })).toEqual(["hostssl all all 127.0.0.1/32 cert", "hostssl all all ::1/128 cert"]);
    expect(one({ addr: "localhost", auth: "ident" })).toEqual(["local all all ident"]);
    expect(one({ addr: "localhost", auth: "os" }, "pgbouncer")).toEqual(["local all all peer"]);
  });

  it.each<[HbaRule, HbaTarget, RegExp]>([
    [{ addr: "intra", auth: "peer" }, "postgres", /works only on the unix socket/],
    [{ addr: "10.1.1.1", auth: "ident" }, "postgres", /works only on the unix socket/],
    [{ addr: "world", auth: "os" }, "pgbouncer", /works only on the unix socket/],
    [{ addr: "local", auth: "cert" }, "postgres", /needs TLS/],
    [{ addr: "local", auth: "ssl" }, "pgbouncer", /needs TLS/],
    [{ addr: "intra", db: "replication" }, "pgbouncer", /replication/],
    [{ addr: "intra", auth: "scram" }, "postgres", /unknown auth scram/],
    [{ addr: "10.1.1.1/33" }, "postgres", /not an IP address or CIDR/],
    [{ addr: "db.example.com" }, "postgres", /not an IP address or CIDR/],
    [{ title: "no addr" }, "postgres", /neither rules nor addr/],
  ])("refuses %j for %s", (rule, target, msg) => expect(() => one(rule, target)).toThrow(msg));
});

describe("role filtering and raw rules", () => {
  const vars = yaml`
    pg_hba_rules:
      - { user: w, addr: intra, role: primary, title: on primary }
      - { user: r, addr: intra, role: replica, title: on replica }
      - { user: o, addr: intra, role: offline, title: on offline }
      - { user: s, addr: intra, role: standby, title: on standby }
      - { user: c, addr: intra, role: common, title: on common }
      - { user: d, addr: intra, title: on default }`;
  const enabled = (host: string) => hbaLines(ctxOf(host, vars), "postgres").filter((b) => b.title.startsWith("on ") && b.enabled).map((b) => b.title);

  it("enables default/common everywhere, the instance's role, and offline where pg_offline_query is set", () => {
    expect(enabled("10.10.10.11")).toEqual(["on primary", "on common", "on default"]);
    expect(enabled("10.10.10.12")).toEqual(["on replica", "on common", "on default"]);
    expect(enabled("10.10.10.13")).toEqual(["on replica", "on offline", "on common", "on default"]);
    const offline = contextFor(inventory({ vars, hosts: [["10.10.10.11", "{ pg_seq: 1, pg_role: primary }"], ["10.10.10.14", "{ pg_seq: 4, pg_role: offline }"]] }), "10.10.10.14");
    expect(hbaLines(offline, "postgres").filter((b) => b.title.startsWith("on ") && b.enabled).map((b) => b.title)).toEqual(["on offline", "on common", "on default"]);
  });

  it("renders disabled rules commented out with [DISABLED]", () => {
    const text = renderPgHba(ctxOf("10.10.10.12", vars)).content;
    expect(text).toContain("# on primary [primary] [DISABLED]\n#host     all                w                  10.0.0.0/8         scram-sha-256\n");
    expect(text).toContain("# on replica [replica]\nhost     all                r                  10.0.0.0/8         scram-sha-256\n");
    expect(text).toContain("# on default [default]\nhost ");
  });

  it("keeps raw lines verbatim, one per line, and falls back to the alias form when rules is empty", () => {
    const ctx = withRules(ctxOf("10.10.10.12"), "pg_hba_rules", [
      { title: "raw", role: "primary", rules: ["host all all 10.0.0.0/8   scram-sha-256", "host all all 1.2.3.4/32 trust\nlocal all all peer"] },
      { title: "empty raw", rules: [], addr: "local", auth: "trust" },
    ]);
    const bs = hbaLines(ctx, "postgres");
    expect(flat(byTitle(bs, "raw"))).toEqual(["host all all 10.0.0.0/8   scram-sha-256", "host all all 1.2.3.4/32 trust", "local all all peer"]);
    expect(flat(byTitle(bs, "empty raw"))).toEqual(["local all all trust"]);
    expect(renderPgHba(ctx).content).toContain("# raw [primary] [DISABLED]\n#host all all 10.0.0.0/8   scram-sha-256\n#host all all 1.2.3.4/32 trust\n#local all all peer\n");
  });
});

describe("files", () => {
  it("pgbouncer: default rules merged with pgb_hba_rules, ident mapped to peer", () => {
    const ctx = ctxOf("10.10.10.11", "pgb_hba_rules: [ { user: app, db: app, addr: intra, auth: pwd, order: 380, title: pool app } ]");
    const bs = hbaLines(ctx, "pgbouncer");
    expect(bs.map((b) => b.order)).toEqual([100, 150, 200, 250, 300, 350, 380, 400]);
    expect(flat(bs[0])).toEqual(["local pgbouncer postgres peer"]);
    expect(flat(bs[6])).toEqual(["host app app 10.0.0.0/8 scram-sha-256", "host app app 192.168.0.0/16 scram-sha-256", "host app app 172.16.0.0/12 scram-sha-256"]);
  });

  it("file metadata, deterministic content", () => {
    const ctx = ctxOf("10.10.10.12");
    const { content, ...pg } = renderPgHba(ctx);
    expect(pg).toEqual({ path: "/pg/data/pg_hba.conf", owner: "postgres", group: "postgres", mode: "0600", sensitive: false, effect: "reload", service: "postgres" });
    const { content: pgbContent, ...pgb } = renderPgbHba(ctx);
    expect(pgb).toEqual({ path: "/etc/pgbouncer/pgb_hba.conf", owner: "postgres", group: "postgres", mode: "0600", sensitive: false, effect: "reload", service: "pgbouncer" });
    expect(renderPgHba(ctxOf("10.10.10.12")).content).toBe(content);
    expect(content + pgbContent).not.toMatch(/\d{4}-\d{2}-\d{2}|\d{2}:\d{2}:\d{2}/);
    expect(content).toContain("# Host   : pg-test-2 (replica) @ 10.10.10.12:5432");
    expect(pgbContent).toContain("# Host   : pg-test-2 (replica) @ 10.10.10.12:6432");
  });

  const pgTest = readFileSync(new URL("../../../../conf/ha/pg-test.yml", import.meta.url), "utf8");
  it.each(["10.10.10.11", "10.10.10.12", "10.10.10.13"])("golden: conf/ha/pg-test.yml %s", async (host) => {
    const ctx = contextFor(pgTest, host);
    await expect(renderPgHba(ctx).content).toMatchFileSnapshot(`../../../golden/hba/${host}.pg_hba.conf`);
    await expect(renderPgbHba(ctx).content).toMatchFileSnapshot(`../../../golden/hba/${host}.pgb_hba.conf`);
  });
});

describe("the reference's rendered example (Appendix B.1: pg-test replica 10.10.10.12)", () => {
  // every block of the excerpt, lines as rendered by Pigsty; the excerpt elides blocks between them
  const expected = `
# cert any [replica]
hostssl  all                dbuser_y           0.0.0.0/0          cert
hostssl  all                dbuser_y           ::/0               cert

# dbsu access via local os user ident [default]
local    all                postgres                              ident

# replicator replication from localhost [default]
local    replication        replicator                            scram-sha-256
host     replication        replicator         127.0.0.1/32       scram-sha-256
host     replication        replicator         ::1/128            scram-sha-256

# admin @ everywhere with ssl & pwd [default]
hostssl  all                dbuser_dba         0.0.0.0/0          scram-sha-256
hostssl  all                dbuser_dba         ::/0               scram-sha-256

# everyone intranet [default]
host     all                all                10.0.0.0/8         scram-sha-256
host     all                all                192.168.0.0/16     scram-sha-256
host     all                all                172.16.0.0/12      scram-sha-256

# x via ssl [primary] [DISABLED]
#hostssl  all                dbuser_x           10.1.1.1/32        scram-sha-256

# raw offline [offline] [DISABLED]
#host all all 1.2.3.4/32 trust

# deny cluster [default]
host     all                dbuser_dba         10.10.10.11/32     reject
host     all                dbuser_dba         10.10.10.12/32     reject
host     all                dbuser_dba         10.10.10.13/32     reject

# os local [default]
local    all                all                                   ident`;
  const vars = yaml`
    pg_hba_rules:
      - { user: all, addr: intra, auth: pwd, order: 800, title: everyone intranet }
      - { user: dbuser_x, addr: 10.1.1.1/32, auth: ssl, role: primary, title: x via ssl }
      - { user: dbuser_y, addr: world, auth: cert, role: replica, order: 5, title: cert any }
      - { rules: [ 'host all all 1.2.3.4/32 trust' ], role: offline, title: raw offline }
      - { user: '\${admin}', addr: cluster, auth: deny, title: deny cluster }
      - { addr: local, auth: os, user: all, title: os local }`;
  const hosts: [string, string][] = [
    ["10.10.10.11", "{ pg_seq: 1, pg_role: primary }"],
    ["10.10.10.12", "{ pg_seq: 2, pg_role: replica, pg_weight: 50 }"],
    ["10.10.10.13", "{ pg_seq: 3, pg_role: replica, pg_offline_query: true }"],
  ];
  const squeeze = (s: string) => s.replace(/[ \t]+/g, " ").trim();
  const blocksOf = (text: string) => text.split(/\n\s*\n/).map((b) => b.split("\n").map(squeeze).filter((l) => l !== "")).filter((b) => b[0]?.startsWith("# ") && !b[0].startsWith("#="));

  it("renders the same rules, in the same order, with the same lines", () => {
    const content = renderPgHba(contextFor(inventory({ vars, hosts }), "10.10.10.12")).content;
    const ours = blocksOf(content.slice(content.lastIndexOf("#=====")));
    const want = blocksOf(expected);
    const titles = ours.map((b) => b[0]);
    // each excerpt block is present verbatim (up to column padding), and they come in the same order
    for (const b of want) expect(ours).toContainEqual(b);
    const at = want.map((b) => titles.indexOf(b[0]));
    expect(at).toEqual([...at].sort((x, y) => x - y));
    // order 5 first; the rules without an order last, in list order
    expect(titles[0]).toBe("# cert any [replica]");
    expect(titles.slice(-4)).toEqual(["# x via ssl [primary] [DISABLED]", "# raw offline [offline] [DISABLED]", "# deny cluster [default]", "# os local [default]"]);
  });
});

/**
 * HBA rule checks, for PostgreSQL and pgbouncer lists: every alias-form rule has a known address
 * alias or a valid IPv4/IPv6 address or CIDR, a known auth alias that fits its connection type,
 * and a known role filter; raw-form rules are non-empty strings. Pure.
 */
import { error, type Diagnostic } from "../../diagnostics.js";
import { ipVersion, isAddressOrCidr } from "../net.js";
import { HBA_ADDR_ALIASES, HBA_AUTH_ALIASES, HBA_ROLES, HBA_SSL_AUTHS } from "../schema/index.js";
import { asList, asRecord, distinctValues, pgHosts, type Rule, type Visit } from "./rule.js";

const LISTS = [
  ["pg_default_hba_rules", "postgres"],
  ["pg_hba_rules", "postgres"],
  ["pgb_default_hba_rules", "pgbouncer"],
  ["pgb_hba_rules", "pgbouncer"],
] as const;

export const hbaRules: Rule = {
  name: "hba",
  description: "HBA rules have a valid address, auth method and role filter",
  check(model) {
    const out: Diagnostic[] = [];
    for (const [name, target] of LISTS) {
      for (const visit of distinctValues(pgHosts(model), name)) {
        asList(visit.value).forEach((r, i) => checkRule(asRecord(r), i, target, name, visit, out));
      }
    }
    return out;
  },
};

function checkRule(r: Record<string, unknown>, i: number, target: "postgres" | "pgbouncer", list: string, visit: Visit, out: Diagnostic[]): void {
  const at = visit.at;
  const label = `${list}[${i}]${typeof r.title === "string" ? ` (${r.title})` : ""}`;
  const role = r.role ?? "default";
  if (typeof role === "string" && !(HBA_ROLES as readonly string[]).includes(role)) {
    out.push(error("rule.hba", `${label}: unknown role \`${role}\``, { source: at([i, "role"]), hint: `role is one of ${HBA_ROLES.join(", ")}` }));
  }
  const raw = asList(r.rules);
  if (raw.length > 0) {
    raw.forEach((line, j) => {
      if (typeof line === "string" && line.trim() === "") {
        out.push(error("rule.hba", `${label}: raw rule ${j} is empty`, { source: at([i, "rules", j]), hint: "write a pg_hba.conf line such as `host all all 10.0.0.0/8 scram-sha-256`" }));
      }
    });
    return;
  }
  const addr = r.addr;
  if (addr === undefined || addr === "") {
    out.push(error("rule.hba", `${label}: neither \`rules\` nor \`addr\` is given`, {
      source: at([i]), hint: "alias form: `{ user: all, db: all, addr: intra, auth: pwd }`; raw form: `{ rules: ['host all all 10.0.0.0/8 scram-sha-256'] }`",
    }));
    return;
  }
  const isAlias = typeof addr === "string" && (HBA_ADDR_ALIASES as readonly string[]).includes(addr);
  if (typeof addr === "string" && !isAlias && !isAddressOrCidr(addr)) {
    out.push(error("rule.hba", `${label}: \`${addr}\` is not an address alias, an IP address or a CIDR`, {
      source: at([i, "addr"]), hint: `use one of ${HBA_ADDR_ALIASES.join(", ")}, or an address such as 10.0.0.0/8, 10.10.10.10 or fd00::/8`,
    }));
  }
  if (addr === "admin" && typeof visit.host.vars.admin_ip !== "string") {
    out.push(error("rule.hba", `${label}: \`addr: admin\` needs \`admin_ip\``, { source: at([i, "addr"]), hint: "set admin_ip in all.vars to the admin node's IP" }));
  } else if (addr === "admin" && ipVersion(String(visit.host.vars.admin_ip)) === 0) {
    out.push(error("rule.hba", `${label}: admin_ip \`${String(visit.host.vars.admin_ip)}\` is not an IP address`, { source: at([i, "addr"]), hint: "set admin_ip in all.vars to the admin node's IP" }));
  }
  const auth = r.auth ?? "pwd";
  if (typeof auth === "string" && !(HBA_AUTH_ALIASES as readonly string[]).includes(auth)) {
    out.push(error("rule.hba", `${label}: unknown auth \`${auth}\``, {
      source: at([i, "auth"]), hint: `use one of ${HBA_AUTH_ALIASES.join(", ")}, or the raw form (\`rules:\`) for other methods`,
    }));
  }
  const local = addr === "local";
  // ident over TCP asks an ident server on the client, which almost never runs: connections are
  // rejected instead of falling through, so pgsty allows peer/ident/os on unix sockets only
  if (!local && addr !== "localhost" && (auth === "peer" || auth === "ident" || auth === "os")) {
    out.push(error("rule.hba", `${label}: \`auth: ${auth}\` works only for local (unix socket) connections`, {
      source: at([i, "auth"]), hint: "use `addr: local` with peer/ident, or a password method (pwd) for network addresses",
    }));
  }
  if (target === "pgbouncer" && typeof r.user === "string" && r.user.startsWith("+")) {
    out.push(error("rule.hba", `${label}: pgbouncer does not understand group users (\`${r.user}\`)`, {
      source: at([i, "user"]), hint: "name the users, or use `all` in pgb_hba_rules; `+group` works in pg_hba_rules only",
    }));
  }
  if (local && (HBA_SSL_AUTHS as readonly string[]).includes(String(auth))) {
    out.push(error("rule.hba", `${label}: \`auth: ${String(auth)}\` needs SSL, which unix-socket connections do not have`, {
      source: at([i, "auth"]), hint: "use pwd or peer for `addr: local`",
    }));
  }
  if (target === "pgbouncer" && r.db === "replication") {
    out.push(error("rule.hba", `${label}: pgbouncer does not serve replication connections`, { source: at([i, "db"]), hint: "put this rule in pg_hba_rules instead" }));
  }
}

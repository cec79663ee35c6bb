/**
 * Schema of one HBA rule object: the items of `pg_hba_rules`, `pgb_hba_rules`,
 * `pg_default_hba_rules` and `pgb_default_hba_rules` (seed "HBA", reference §3). A rule is either
 * raw (`rules`: literal pg_hba.conf lines) or alias form (`addr`/`auth`/`user`/`db`). Only field
 * types are checked here; the meaning of `addr` and `auth` values is checked by the rules in
 * model/rules, which use the alias lists exported below.
 * Pure: imports only zod; must not import I/O modules.
 */
import * as z from "zod";
import { field } from "./common.js";

/** `addr` aliases; anything else must be an IPv4 address, optionally with /mask (reference §3.3). */
export const HBA_ADDR_ALIASES = ["local", "localhost", "admin", "infra", "cluster", "intra", "intranet", "world", "all"] as const;
/** `auth` aliases accepted in alias form (reference §3.3); `scram` is not one of them. */
export const HBA_AUTH_ALIASES = [
  "pwd",
  "sha",
  "scram-sha-256",
  "md5",
  "ssl",
  "ssl-md5",
  "ssl-sha",
  "cert",
  "os",
  "ident",
  "peer",
  "trust",
  "deny",
  "reject",
] as const;
/** `auth` aliases that turn a `host` line into `hostssl`. */
export const HBA_SSL_AUTHS = ["ssl", "ssl-md5", "ssl-sha", "cert"] as const;
/** Placeholders of `user` replaced by the configured user names. */
export const HBA_USER_ALIASES = ["${dbsu}", "${repl}", "${monitor}", "${admin}"] as const;
/** Instance roles a rule can be limited to; `default` and `common` apply everywhere. */
export const HBA_ROLES = ["default", "common", "primary", "replica", "offline", "standby", "delayed"] as const;

export type HbaAddrAlias = (typeof HBA_ADDR_ALIASES)[number];
export type HbaAuthAlias = (typeof HBA_AUTH_ALIASES)[number];
export type HbaRole = (typeof HBA_ROLES)[number];

/** One HBA rule, raw or alias form. */
export const hbaRuleSchema = z
  .strictObject({
    title: field(z.string(), "Rule title, rendered as a comment line above the rule."),
    role: field(
      z.enum(HBA_ROLES),
      "Instances the rule applies to: common/default (all, the default), primary, replica, offline (also instances with pg_offline_query), standby or delayed. Elsewhere it is rendered commented out.",
    ),
    order: field(
      z.number(),
      "Sort key: rules with an order are sorted ascending (stable) before rules without one. 0-99 user high priority, 100-650 default rules, 1000+ user rules.",
    ),
    rules: field(
      z.array(z.string()),
      "Raw form: literal pg_hba.conf (or pgb_hba.conf) lines, e.g. 'host all all 10.0.0.0/8 scram-sha-256'. A non-empty list takes precedence over addr/auth/user/db.",
    ),
    addr: field(
      z.string(),
      "Alias form: source address: local, localhost, admin, infra, cluster, intra (intranet), world (all), or an IPv4/IPv6 address or CIDR such as 10.0.0.0/8 or fd00::/8 (a bare address means that one host).",
    ),
    auth: field(
      z.string(),
      "Alias form: authentication: pwd (pg_pwd_enc), sha/scram-sha-256, md5, ssl/ssl-sha/ssl-md5 (hostssl + password), cert, os/ident, peer, trust, deny/reject. Default pwd.",
    ),
    user: field(
      z.string(),
      "Alias form: user or group: all (default), ${dbsu}, ${repl}, ${monitor}, ${admin}, a name, or +group (e.g. +dbrole_readonly).",
    ),
    db: field(z.string(), "Alias form: database: all (default), replication (not for pgbouncer), or a database name."),
  })
  .meta({ title: "hba", description: "An HBA rule: raw form {title, role, order, rules} or alias form {title, role, order, addr, auth, user, db}." });

export type HbaRule = z.output<typeof hbaRuleSchema>;

/**
 * Rules on business objects: user, role, database and schema names; protected users never
 * dropped; users that log in without a password; default passwords still in use. Pure.
 */
import { error, warning, type Diagnostic } from "../../diagnostics.js";
import { DEFAULTS } from "../schema/index.js";
import { positionOf } from "../../inventory/source.js";
import { varPosition } from "../resolve.js";
import { asList, asRecord, distinctValues, itemName, pgHosts, type Rule } from "./rule.js";

/** Pigsty's user-name rule (it is also safe unquoted in SQL, HBA and pgbouncer files). */
export const USER_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
/** Role, schema and extension references: SQL identifiers that need no quoting, ≤ 63 bytes. */
export const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_$]{0,62}$/;
/** Database names: identifiers, plus `-` (common in application databases; pgsty quotes them). */
export const DATABASE_NAME = /^[A-Za-z_][A-Za-z0-9_$-]{0,62}$/;
const EXTENSION_NAME = /^[A-Za-z_][A-Za-z0-9_-]{0,62}$/;

export const userNames: Rule = {
  name: "user-name",
  description: "user names match ^[a-z_][a-z0-9_]{0,62}$; roles they join are valid identifiers",
  check(model) {
    const out: Diagnostic[] = [];
    for (const name of ["pg_users", "pg_default_roles"]) {
      for (const { value, at } of distinctValues(pgHosts(model), name)) {
        asList(value).forEach((u, i) => {
          const uname = asRecord(u).name;
          if (typeof uname === "string" && !USER_NAME.test(uname)) {
            out.push(error("rule.user-name", `user name \`${uname}\` is not valid`, {
              source: at([i, "name"]),
              hint: "use lower-case letters, digits and `_`, starting with a letter or `_`, at most 63 characters",
            }));
          }
          asList(asRecord(u).roles).forEach((r, j) => {
            const rname = itemName(r);
            if (rname !== undefined && !IDENTIFIER.test(rname)) {
              out.push(error("rule.user-name", `role name \`${rname}\` in \`${String(uname)}\`'s roles is not a valid identifier`, {
                source: at([i, "roles", j]), hint: "role names are letters, digits and `_`, starting with a letter or `_`",
              }));
            }
          });
        });
      }
    }
    return out;
  },
};

export const protectedUsers: Rule = {
  name: "protected-user",
  description: "a user with state: absent is not a system user pgsty itself relies on",
  check(model) {
    const out: Diagnostic[] = [];
    for (const { host, value, at } of distinctValues(pgHosts(model), "pg_users")) {
      const v = host.vars as Record<string, unknown>;
      // built only when some user is to be dropped (rare): not once per cluster
      let system: Set<string> | undefined;
      const systemUsers = () => (system ??= new Set(["postgres", v.pg_dbsu, v.pg_replication_username, v.pg_admin_username, v.pg_monitor_username,
        ...asList(v.pg_default_roles).map(itemName)].filter((x): x is string => typeof x === "string")));
      asList(value).forEach((u, i) => {
        const r = asRecord(u);
        if (r.state === "absent" && typeof r.name === "string" && systemUsers().has(r.name)) {
          out.push(error("rule.protected-user", `system user \`${r.name}\` cannot be removed`, {
            source: at([i, "state"]),
            detail: "pgsty, Patroni, pgbouncer or monitoring log in as this user, or it is a default role others depend on",
            hint: "remove `state: absent` from this user",
          }));
        }
      });
    }
    return out;
  },
};

export const loginWithoutPassword: Rule = {
  name: "login-without-password",
  description: "business users that can log in have a password",
  check(model) {
    const out: Diagnostic[] = [];
    for (const { value, at } of distinctValues(pgHosts(model), "pg_users")) {
      asList(value).forEach((u, i) => {
        const r = asRecord(u);
        if (r.login !== false && r.state !== "absent" && (r.password === undefined || r.password === "") && typeof r.name === "string") {
          out.push(warning("rule.login-without-password", `user \`${r.name}\` can log in but has no password`, {
            source: at([i, "name"]),
            hint: "add a `password` (plain or a SCRAM verifier), or `login: false` for a group role",
          }));
        }
      });
    }
    return out;
  },
};

/** The credentials whose documented defaults are public knowledge. */
const DEFAULT_PASSWORDS = ["pg_admin_password", "pg_monitor_password", "pg_replication_password", "patroni_password", "haproxy_admin_password", "etcd_root_password"];

export const defaultPasswords: Rule = {
  name: "default-password",
  description: "documented default passwords are still in use (change them before production)",
  check(model) {
    const hosts = pgHosts(model);
    const names = DEFAULT_PASSWORDS.filter((name) => {
      const dflt = DEFAULTS[name];
      return dflt !== undefined && dflt !== "" && hosts.some((h) => h.vars[name] === dflt);
    });
    if (names.length === 0) return [];
    const first = hosts.find((h) => names.some((n) => h.vars[n] === DEFAULTS[n]))!;
    const written = names.find((n) => first.vars[n] === DEFAULTS[n] && first.origins.has(n));
    return [warning("rule.default-password", `${names.length} documented default password${names.length > 1 ? "s are" : " is"} still in use: ${names.join(", ")}`, {
      // a default written out is shown where it is written; one never written has no line of
      // its own: the top of the inventory, not whichever host happens to come first
      source: written ? varPosition(first, written) : positionOf({ ...first.ref, path: [] }),
      detail: "anyone who has read Pigsty's documentation knows these values",
      hint: "set each of them to a secret of your own in all.vars before production",
    })];
  },
};

export const databaseNames: Rule = {
  name: "database-name",
  description: "database, owner, schema and extension names are valid",
  check(model) {
    const out: Diagnostic[] = [];
    for (const { value, at } of distinctValues(pgHosts(model), "pg_databases")) {
      const seen = new Map<string, number>();
      asList(value).forEach((d, i) => {
        const r = asRecord(d);
        if (typeof r.name === "string") {
          if (!DATABASE_NAME.test(r.name)) {
            out.push(error("rule.database-name", `database name \`${r.name}\` is not valid`, {
              source: at([i, "name"]), hint: "use letters, digits, `_` and `-`, starting with a letter or `_`, at most 63 characters",
            }));
          }
          if (seen.has(r.name)) {
            out.push(error("rule.database-name", `database \`${r.name}\` is defined twice`, {
              source: at([i, "name"]), related: [at([seen.get(r.name)!, "name"])], hint: "merge the two definitions",
            }));
          } else seen.set(r.name, i);
        }
        if (typeof r.owner === "string" && !IDENTIFIER.test(r.owner)) {
          out.push(error("rule.database-name", `owner \`${r.owner}\` is not a valid role name`, { source: at([i, "owner"]), hint: "name a user from pg_users or pg_default_roles" }));
        }
        asList(r.schemas).forEach((s, j) => {
          const n = itemName(s);
          if (n !== undefined && !IDENTIFIER.test(n)) {
            out.push(error("rule.database-name", `schema name \`${n}\` is not a valid identifier`, { source: at([i, "schemas", j]), hint: "use letters, digits and `_`" }));
          }
        });
        asList(r.extensions).forEach((e, j) => {
          const n = itemName(e);
          if (n !== undefined && !EXTENSION_NAME.test(n)) {
            out.push(error("rule.database-name", `extension name \`${n}\` is not valid`, { source: at([i, "extensions", j]), hint: "write the name as in CREATE EXTENSION, e.g. `pg_stat_statements`" }));
          }
          const schema = asRecord(e).schema;
          if (typeof schema === "string" && !IDENTIFIER.test(schema)) {
            out.push(error("rule.database-name", `schema \`${schema}\` of extension \`${String(n)}\` is not a valid identifier`, { source: at([i, "extensions", j, "schema"]) }));
          }
        });
      });
    }
    return out;
  },
};

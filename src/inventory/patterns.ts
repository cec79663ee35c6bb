/**
 * Host patterns for `-l`, as in Ansible: `pg-test`, `10.10.10.11`, `a,b` or `a:b` (union),
 * `!x` (exclude), `&y` (intersect), globs `pg-*`, `10.10.10.1?`, `[ab]`, regexes `~pg-(a|b)`,
 * and `all` / `*`. Order as Ansible: the union of plain terms, then intersections, then
 * exclusions; the result keeps inventory order. Pure.
 */
import { error, warning, type Diagnostic } from "../diagnostics.js";
import type { Inventory } from "./load.js";
import { closest } from "../model/suggest.js";

export interface Selection {
  /** Selected host names, in inventory order. */
  readonly hosts: string[];
  readonly diagnostics: Diagnostic[];
}

/** Every host of a group, including those of its descendant groups. */
export function hostsOfGroup(inv: Inventory, group: string, seen = new Set<string>()): Set<string> {
  const out = new Set<string>();
  if (seen.has(group)) return out; // a cycle in children: Ansible refuses it too; don't loop
  seen.add(group);
  const g = inv.groups.get(group);
  if (!g) return out;
  if (group === "all") return new Set(inv.hosts.keys());
  for (const h of g.hosts) out.add(h);
  for (const c of g.children) for (const h of hostsOfGroup(inv, c, seen)) out.add(h);
  return out;
}

function splitPattern(pattern: string): string[] {
  // `:` separates terms as in Ansible, except inside IPv6 addresses (two or more colons with hex groups)
  const parts = pattern.split(",");
  return parts.flatMap((p) => (/^[!&]?[0-9a-fA-F]*:[0-9a-fA-F]*:/.test(p) || p.includes("[") ? [p] : p.split(":"))).map((s) => s.trim()).filter(Boolean);
}

function globToRegExp(glob: string): RegExp {
  let re = "";
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === "*") re += ".*";
    else if (c === "?") re += ".";
    else if (c === "[") {
      const end = glob.indexOf("]", i + 1);
      if (end < 0) re += "\\[";
      else {
        re += `[${glob.slice(i + 1, end).replace(/^!/, "^").replace(/\\/g, "\\\\")}]`;
        i = end;
      }
    } else re += c.replace(/[.+^${}()|\\/]/g, "\\$&");
  }
  return new RegExp(`^${re}$`);
}

function matchTerm(inv: Inventory, term: string): Set<string> | Error {
  if (term === "all" || term === "*") return new Set(inv.hosts.keys());
  if (inv.groups.has(term)) return hostsOfGroup(inv, term);
  if (inv.hosts.has(term)) return new Set([term]);
  let re: RegExp;
  try {
    re = term.startsWith("~") ? new RegExp(term.slice(1)) : /[*?[]/.test(term) ? globToRegExp(term) : /^$/;
  } catch (e) {
    return e as Error;
  }
  const out = new Set<string>();
  if (re.source === "^$") return out;
  for (const [name, g] of inv.groups) if (name !== "all" && re.test(name)) for (const h of hostsOfGroup(inv, g.name)) out.add(h);
  for (const h of inv.hosts.keys()) if (re.test(h)) out.add(h);
  return out;
}

export function selectHosts(inv: Inventory, pattern: string): Selection {
  const diagnostics: Diagnostic[] = [];
  const source = { file: "<-l>", line: 1, column: 1 };
  const terms = splitPattern(pattern);
  if (terms.length === 0) {
    diagnostics.push(error("pattern.empty", "the host pattern is empty", { source, hint: "give a group, a host, or `all`" }));
    return { hosts: [], diagnostics };
  }
  const plain: Set<string>[] = [], and: Set<string>[] = [], not: Set<string>[] = [];
  for (const raw of terms) {
    const kind = raw[0] === "!" ? not : raw[0] === "&" ? and : plain;
    const term = kind === plain ? raw : raw.slice(1);
    const matched = matchTerm(inv, term);
    if (matched instanceof Error) {
      diagnostics.push(error("pattern.regex", `\`${term}\` is not a valid regular expression: ${matched.message}`, { source }));
      continue;
    }
    if (matched.size === 0) {
      const names = [...inv.groups.keys(), ...inv.hosts.keys()];
      const guess = closest(term.replace(/^~/, ""), names);
      diagnostics.push(warning("pattern.no-match", `\`${term}\` matches no group or host in the inventory`, {
        source,
        hint: guess ? `did you mean \`${guess}\`?` : "groups and hosts are listed by `pgsty inventory --list`",
      }));
    }
    kind.push(matched);
  }
  // only exclusions/intersections: they apply to every host, as `-l '!pg-meta'` does in Ansible
  let selected = plain.length > 0 ? new Set(plain.flatMap((s) => [...s])) : new Set(inv.hosts.keys());
  for (const s of and) selected = new Set([...selected].filter((h) => s.has(h)));
  for (const s of not) for (const h of s) selected.delete(h);
  const hosts = [...selected].sort((a, b) => inv.hosts.get(a)!.index - inv.hosts.get(b)!.index);
  return { hosts, diagnostics };
}

/**
 * `pgsty inventory`: the resolved inventory, secrets masked.
 *   --list            in the shape of `ansible-inventory --list` (groups, `_meta.hostvars`)
 *   --host HOST       one host's vars
 *   --explain HOST VAR  the value, the layer that won and where it was set, and what it overrode
 * Like Ansible, hostvars hold the inventory's vars; `--defaults` adds every parameter's default.
 */
import { formatDiagnostics, summaryLine } from "../render/diagnostics.js";
import { positionOf, formatPos } from "../inventory/source.js";
import type { Model } from "../model/model.js";
import { DEFAULTS, PARAMETERS } from "../model/schema/index.js";
import { allVars, type Host } from "../model/resolve.js";
import { maskValue } from "../model/secrets.js";
import { JsonPieces } from "../render/json-pieces.js";
import { runFront, type FrontOptions } from "./front.js";
import type { Output } from "./output.js";

export interface InventoryOptions extends FrontOptions {
  readonly list: boolean;
  readonly host?: string;
  readonly explain?: readonly string[];
  readonly defaults: boolean;
}

export function inventoryCommand(o: InventoryOptions, out: Output): number {
  const front = runFront(o);
  if (!front.ok || !front.model) {
    out.stderr(formatDiagnostics(front.diagnostics, { color: out.color }));
    out.stderr(`inventory is invalid (${summaryLine(front.diagnostics)}): run \`pgsty validate\` for details`);
    return 1;
  }
  const m = front.model;
  if (o.explain) {
    const [hostName, name] = o.explain;
    const host = hostName ? m.hosts.get(hostName) : undefined;
    if (!host || !name) return unknownHost(out, hostName);
    out.stdout(explain(m, host, name));
    return 0;
  }
  if (o.host !== undefined) {
    const host = m.hosts.get(o.host);
    if (!host) return unknownHost(out, o.host);
    out.stdout(JSON.stringify(shownVars(host, o.defaults), null, 2));
    return 0;
  }
  writeInventoryList(m, new Set(front.selected), o.defaults, (text) => out.stdout(text));
  return 0;
}

function unknownHost(out: Output, name: string | undefined): number {
  out.stderr(`error: host \`${name ?? ""}\` is not in the inventory (list them with \`pgsty inventory --list\`)`);
  return 1;
}

/** A host's vars as shown: sorted by name, secrets masked (`mask`: once per shared value). */
function shownVars(h: Host, withDefaults: boolean, mask = maskOnce()): Record<string, unknown> {
  const vars = hostVars(h, withDefaults);
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(vars).sort()) out[k] = mask(k, vars[k]);
  return out;
}

/** A host's vars: what the inventory sets (and -e), plus defaults when asked. */
function hostVars(h: Host, withDefaults: boolean): Record<string, unknown> {
  if (withDefaults) return allVars(h);
  const out: Record<string, unknown> = {};
  for (const k of h.origins.keys()) out[k] = h.vars[k];
  return out;
}

/**
 * `ansible-inventory --list` (`{_meta: {hostvars}, all: {children}, <group>: {hosts, children}}`)
 * as `JSON.stringify(value, null, 2)` writes it, host by host (render/json-pieces.ts): with
 * `--defaults` the bench file's 3,003 hosts make 53 MB of JSON, which is never held whole, nor
 * are all the hosts' masked vars.
 */
export function writeInventoryList(m: Model, selected: ReadonlySet<string>, withDefaults: boolean, write: (text: string) => void): void {
  const mask = maskOnce();
  const hostvars: Record<string, Host> = {};
  for (const h of m.hosts.values()) if (selected.has(h.name)) hostvars[h.name] = h;
  const meta = { hostvars };
  const out = new JsonPieces(write);
  out.object({ _meta: meta, ...listGroups(m, selected) }, "", (_k, v, pad) => {
    if (v !== meta) return out.plain(v, pad);
    out.object(meta, pad, (_k, hosts, pad) => out.object(hosts as Record<string, Host>, pad, (_name, h, pad) => out.plain(shownVars(h as Host, withDefaults, mask), pad)));
  });
  out.end();
}

/** The group entries of `--list`: each group's selected hosts and its children, `ungrouped` last. */
function listGroups(m: Model, selected: ReadonlySet<string>): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  const ungrouped = [...m.inventory.hosts.values()].filter((h) => selected.has(h.name) && [...h.groups].every((g) => g === "all")).map((h) => h.name);
  for (const g of [...m.inventory.groups.values()].sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const entry: Record<string, unknown> = {};
    const hosts = g.name === "all" ? [] : g.hosts.filter((h) => selected.has(h));
    if (hosts.length) entry.hosts = hosts;
    const children = [...g.children].sort();
    if (g.name === "all" && ungrouped.length) children.push("ungrouped");
    if (children.length) entry.children = children;
    result[g.name] = entry;
  }
  if (ungrouped.length) result.ungrouped = { hosts: ungrouped };
  return result;
}

/**
 * maskValue, computed once per var and object value: the hosts of a cluster share their group's
 * values (a cluster's `pg_users` is one array for its members), so they share the masked copy.
 */
function maskOnce(): (name: string, value: unknown) => unknown {
  const done = new Map<string, Map<object, unknown>>();
  return (name, value) => {
    if (value === null || typeof value !== "object") return maskValue(name, value);
    let byValue = done.get(name);
    if (!byValue) done.set(name, (byValue = new Map()));
    let masked = byValue.get(value);
    if (masked === undefined) byValue.set(value, (masked = maskValue(name, value)));
    return masked;
  };
}

/** Every layer that sets `name` for `host`, lowest precedence first, the winner marked. */
export function explain(m: Model, host: Host, name: string): string {
  const layers: { label: string; where: string; value: unknown }[] = [];
  if (name in DEFAULTS) layers.push({ label: "default", where: "(documented default)", value: DEFAULTS[name] });
  for (const g of host.groups) {
    const w = m.inventory.groups.get(g)?.vars.get(name);
    if (w) layers.push({ label: g === "all" ? "all.vars" : `group ${g}`, where: formatPos(positionOf(w.ref)), value: w.value });
  }
  const hw = m.inventory.hosts.get(host.name)?.vars.get(name);
  if (hw) layers.push({ label: "host", where: formatPos(positionOf(hw.ref)), value: hw.value });
  const o = host.origins.get(name);
  if (o?.layer === "extra" && o.ref) layers.push({ label: "-e", where: formatPos(positionOf(o.ref)), value: host.vars[name] });
  const lines = [`${name} on ${host.name} = ${JSON.stringify(maskValue(name, host.vars[name])) ?? "(unset)"}`];
  if (layers.length === 0) lines.push("  not set anywhere and has no default");
  const spec = PARAMETERS.get(name);
  if (!spec) lines.push("  (not a pgsty parameter: kept as written)");
  const width = Math.max(0, ...layers.map((l) => l.label.length));
  layers.forEach((l, i) => {
    const mark = i === layers.length - 1 ? "  ← wins" : "";
    lines.push(`  ${l.label.padEnd(width)}  ${l.where}  ${JSON.stringify(maskValue(name, l.value))}${mark}`);
  });
  return lines.join("\n");
}

/**
 * Service rules: each HAProxy node serves every port once (across all clusters whose services it
 * provides, `pg_service_provider` included), selectors are valid JMESPath, the provider group
 * exists, service names are unique in a cluster. Pure.
 */
import jmespath from "jmespath";
import { error, type Diagnostic, type SourcePos } from "../../diagnostics.js";
import { hostsOfGroup } from "../../inventory/patterns.js";
import type { Model } from "../model.js";
import { varPosition, type Host } from "../resolve.js";
import { asList, asRecord, type Rule } from "./rule.js";

// `compile` is part of jmespath's runtime API but missing from its type declarations
const compileJmespath = (jmespath as unknown as { compile(expression: string): unknown }).compile;

interface Placed {
  readonly cluster: string;
  readonly service: string;
  /** Position of the port, computed only when a conflict is reported. */
  readonly pos: () => SourcePos;
}

export const services: Rule = {
  name: "service",
  description: "service ports are unique per HAProxy node, selectors are valid JMESPath",
  check(model) {
    const out: Diagnostic[] = [];
    const byNodePort = new Map<string, Placed>();
    const compiled = new Set<string>();
    for (const c of model.clusters.values()) {
      const host = (c.primary ?? c.members[0]!).host;
      const provider = host.vars.pg_service_provider;
      let nodes: string[] = c.members.map((m) => m.host.name);
      if (typeof provider === "string" && provider !== "") {
        if (!model.inventory.groups.has(provider)) {
          out.push(error("rule.service", `pg_service_provider \`${provider}\` of \`${c.name}\` is not a group of the inventory`, {
            source: varPosition(host, "pg_service_provider"), hint: "name the group of HAProxy nodes that serve this cluster's services, or leave it empty to serve them on the members",
          }));
          continue;
        }
        nodes = [...hostsOfGroup(model.inventory, provider)];
      }
      const names = new Map<string, number>();
      for (const list of ["pg_default_services", "pg_services"]) {
        asList(host.vars[list]).forEach((s, i) => {
          const svc = asRecord(s);
          const name = typeof svc.name === "string" ? svc.name : `#${i}`;
          if (names.has(name)) {
            out.push(error("rule.service", `service \`${c.name}-${name}\` is defined twice`, { source: varPosition(host, list, [i]), hint: "service names are unique in a cluster (pg_default_services + pg_services)" }));
          }
          names.set(name, i);
          for (const key of ["selector", "backup"]) {
            const expr = svc[key];
            if (typeof expr !== "string" || compiled.has(expr)) continue;
            try {
              compileJmespath(expr);
              compiled.add(expr);
            } catch (e) {
              out.push(error("rule.service", `${key} of service \`${c.name}-${name}\` is not valid JMESPath: ${(e as Error).message}`, {
                source: varPosition(host, list, [i, key]),
                hint: "selectors filter the cluster's members, e.g. \"[]\" (all) or \"[? pg_role == `primary`]\"",
              }));
            }
          }
          if (typeof svc.port !== "number") return;
          for (const node of nodes) {
            const key = `${node}:${svc.port}`;
            const other = byNodePort.get(key);
            if (other && !(other.cluster === c.name && other.service === name)) {
              out.push(error("rule.service", `port ${svc.port} of service \`${c.name}-${name}\` is already used on \`${node}\` by \`${other.cluster}-${other.service}\``, {
                source: varPosition(host, list, [i, "port"]), related: [other.pos()], address: node,
                hint: "give each service a port of its own on every HAProxy node that serves it",
              }));
              break;
            }
            byNodePort.set(key, { cluster: c.name, service: name, pos: () => varPosition(host, list, [i, "port"]) });
          }
        });
      }
    }
    return out;
  },
};

export const vip: Rule = {
  name: "vip",
  description: "pg_vip_address is an IPv4 CIDR when pg_vip_enabled",
  check(model: Model) {
    const out: Diagnostic[] = [];
    const seen = new Set<unknown>();
    for (const m of model.instances.values()) {
      const h: Host = m.host;
      if (h.vars.pg_vip_enabled !== true) continue;
      const a = h.vars.pg_vip_address;
      const key = h.origins.get("pg_vip_address")?.ref ?? "default";
      if (seen.has(key)) continue;
      seen.add(key);
      if (typeof a !== "string" || !/^(\d{1,3}\.){3}\d{1,3}\/\d{1,2}$/.test(a) || a.split(/[./]/).slice(0, 4).some((x) => Number(x) > 255) || Number(a.split("/")[1]) > 32) {
        out.push(error("rule.vip", `pg_vip_address \`${String(a)}\` of \`${m.cluster}\` is not an IPv4 CIDR`, {
          source: varPosition(h, h.origins.has("pg_vip_address") ? "pg_vip_address" : "pg_vip_enabled"),
          hint: "write the VIP with its network mask, e.g. `10.10.10.3/24`",
        }));
      }
    }
    return out;
  },
};

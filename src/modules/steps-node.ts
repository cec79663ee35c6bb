/**
 * Steps of the node and etcd modules: packages, the database superuser, the directory layout,
 * etcd's config and service. Pure.
 */
import { renderEtcdConfig } from "./etcd/config.js";
import type { HostContext } from "./context.js";
import { servicesServedBy } from "./haproxy/services.js";
import type { StepDef } from "./module.js";
import { dbsuTasks, dir, dirTasks, serviceTask } from "./node/layout.js";
import { packagesFor } from "./node/packages.js";
import { fileTask } from "./file-task.js";
import { internTask } from "./intern.js";
import { sharedAcrossHosts } from "./memo.js";

export const isEtcdMember = (ctx: HostContext): boolean => typeof ctx.vars.etcd_cluster === "string" && ctx.vars.etcd_seq !== undefined;
export const isPgHost = (ctx: HostContext): boolean => ctx.instance !== undefined;
export const servesHaproxy = (ctx: HostContext): boolean => ctx.vars.haproxy_enabled !== false && (isPgHost(ctx) || servicesServedBy(ctx).length > 0);

export const NODE_STEPS: readonly StepDef[] = [
  {
    name: "node.packages",
    description: "install the packages this node needs (PostgreSQL, Patroni, etcd, pgbouncer, pgBackRest, HAProxy)",
    applies: (ctx) => isPgHost(ctx) || isEtcdMember(ctx) || servesHaproxy(ctx),
    tasks: (ctx) => {
      const { names } = packagesFor(ctx);
      return [internTask(`packages\0${names.join("\0")}`, () => ({ op: "pkg.installed", key: "packages", args: { names } }))];
    },
  },
  {
    name: "node.dbsu",
    description: "the database superuser account",
    applies: isPgHost,
    tasks: dbsuTasks,
  },
  {
    name: "node.dirs",
    description: "the instance's directories and links (/pg, data, logs, backups, runtime dir)",
    applies: isPgHost,
    // the same directories on every member of a cluster: one shared list (decision 14)
    tasks: (ctx) => sharedAcrossHosts(ctx, "node.dirs", dirTasks),
  },
  {
    name: "etcd.config",
    description: "etcd member configuration",
    applies: isEtcdMember,
    tasks: (ctx) => [
      dir("/etc/etcd", "root", "0755"),
      // Debian's etcd unit runs as the etcd user (created by the etcd-server package)
      dir(String(ctx.vars.etcd_data), "etcd", "0700"),
      ...renderEtcdConfig(ctx).map(fileTask),
    ],
  },
  {
    name: "etcd.launch",
    description: "etcd running; members start together",
    applies: isEtcdMember,
    waves: "etcd-members",
    tasks: () => [serviceTask("etcd")],
  },
];

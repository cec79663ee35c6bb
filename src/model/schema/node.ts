/**
 * Node-level parameters pgsty needs from Pigsty's INFRA and NODE modules (META, INFRA_ID,
 * NODE_ID, NODE_TUNE, NODE_SEC, NODE_TIME) and the Ansible connection variables (CONNECTION)
 * that tell pgsty how to reach a host. Defaults are Pigsty's documented ones.
 * Pure: imports only zod and sibling schema files; must not import I/O modules.
 */
import * as z from "zod";
import { defineGroup } from "./param.js";
import { noDefault, nonNegativeInt, port, withDefault } from "./common.js";

export const REGIONS = ["default", "china", "europe"] as const;
export const NODE_TUNE_PROFILES = ["none", "oltp", "olap", "crit", "tiny"] as const;
export const CONNECTIONS = ["ssh", "local"] as const;

export const META_PARAMS = {
  version: noDefault(z.string().describe("Pigsty version string the inventory is written for, e.g. v4.0.0."), "G"),
  admin_ip: withDefault(
    z.string().min(1).describe("IPv4 address of the admin node (the HBA addr alias admin, Patroni REST allowlist); default 10.10.10.10, set by configure."),
    "G",
    "10.10.10.10",
  ),
  region: withDefault(z.enum(REGIONS).describe("Upstream mirror region: default, china or europe."), "G", "default"),
} as const;
export const META = defineGroup("META", "Deployment-wide facts: Pigsty version, admin node and mirror region.", META_PARAMS);

export const INFRA_ID_PARAMS = {
  infra_seq: noDefault(nonNegativeInt.describe("Infra node number, a required identity parameter on hosts of the infra group."), "I"),
} as const;
export const INFRA_ID = defineGroup("INFRA_ID", "Identity of infrastructure nodes (the infra group: DNS, monitoring, repository).", INFRA_ID_PARAMS);

export const NODE_ID_PARAMS = {
  nodename: noDefault(
    z.string().min(1).describe("Node name (hostname); default the current hostname, or <pg_cluster>-<pg_seq> when node_id_from_pg applies."),
    "I",
  ),
  node_cluster: withDefault(
    z.string().min(1).describe("Node cluster name; default nodes, replaced by pg_cluster when node_id_from_pg applies."),
    "C",
    "nodes",
  ),
  nodename_overwrite: withDefault(z.boolean().describe("Set the node's hostname to nodename; default true."), "C", true),
  nodename_exchange: withDefault(
    z.boolean().describe("Write the nodenames of all play hosts into each other's /etc/hosts; default false."),
    "C",
    false,
  ),
  node_id_from_pg: withDefault(
    z.boolean().describe("Borrow the PostgreSQL identity as node identity: nodename <pg_cluster>-<pg_seq> and node_cluster pg_cluster; default true."),
    "C",
    true,
  ),
} as const;
export const NODE_ID = defineGroup("NODE_ID", "Identity of nodes: node name and node cluster, optionally borrowed from PostgreSQL.", NODE_ID_PARAMS);

export const NODE_TUNE_PARAMS = {
  node_tune: withDefault(
    z.enum(NODE_TUNE_PROFILES).describe("tuned profile of the node: none, oltp (default), olap, crit or tiny; usually matches pg_conf."),
    "C",
    "oltp",
  ),
  node_cpu: noDefault(
    z.int().positive().describe("CPU count of the node for tuning (max_worker_processes, parallel workers). Read from the node in a live plan; set it to plan offline for a given size (offline default: 4)."),
    "I",
  ),
  node_mem_mb: noDefault(
    z.int().positive().describe("Memory of the node in MiB for tuning (shared_buffers, work_mem). Read from the node in a live plan; set it to plan offline for a given size (offline default: 8192)."),
    "I",
  ),
  node_fs_bytes: noDefault(
    z.int().positive().describe("Size in bytes of the filesystem holding pg_fs_main, for WAL and temp-file limits. Read from the node in a live plan; set it to plan offline for a given size (offline default: 100 GiB)."),
    "I",
  ),
} as const;
export const NODE_TUNE = defineGroup("NODE_TUNE", "Node tuning profile, and the node's size as pgsty tunes for it.", NODE_TUNE_PARAMS);

export const NODE_SEC_PARAMS = {
  node_firewall_intranet: withDefault(
    z
      .array(z.string())
      .describe("Intranet CIDRs: the HBA addr alias intra expands to one line per entry, in this order; default 10.0.0.0/8, 192.168.0.0/16, 172.16.0.0/12."),
    "G",
    ["10.0.0.0/8", "192.168.0.0/16", "172.16.0.0/12"],
  ),
} as const;
export const NODE_SEC = defineGroup("NODE_SEC", "Node security: which networks count as intranet.", NODE_SEC_PARAMS);

export const NODE_TIME_PARAMS = {
  node_timezone: withDefault(z.string().describe("Time zone of the node, e.g. Asia/Hong_Kong; default '' (leave unchanged)."), "C", ""),
  node_crontab_overwrite: withDefault(
    z.boolean().describe("Replace /etc/crontab with node_crontab (true, default) or append to it."),
    "C",
    true,
  ),
  node_crontab: withDefault(
    z.array(z.string()).describe("Entries of /etc/crontab including the user field, e.g. '00 01 * * * postgres /pg/bin/pg-backup full'; default none."),
    "C",
    [],
  ),
} as const;
export const NODE_TIME = defineGroup("NODE_TIME", "Node time zone and the system crontab.", NODE_TIME_PARAMS);

export const CONNECTION_PARAMS = {
  ansible_host: noDefault(
    z.string().min(1).describe("Address to connect to when the inventory host name is not reachable as is (e.g. a name or a NAT address)."),
    "I",
  ),
  ansible_port: noDefault(port.describe("SSH port; default 22."), "G/C/I"),
  ansible_user: noDefault(z.string().min(1).describe("SSH user; default the current user. Needs passwordless sudo unless ansible_become is false."), "G/C/I"),
  ansible_connection: noDefault(
    z.enum(CONNECTIONS).describe("How to reach the host: ssh (default) or local (run commands on this machine, no SSH)."),
    "G/C/I",
  ),
  ansible_become: noDefault(z.boolean().describe("Run privileged commands through sudo; default true for pgsty playbooks."), "G/C/I"),
  ansible_become_user: noDefault(z.string().min(1).describe("User to become for privileged commands; default root."), "G/C/I"),
  ansible_become_password: noDefault(z.string().describe("sudo password, when sudo is not passwordless. Secret."), "G/C/I", true),
  ansible_ssh_private_key_file: noDefault(z.string().min(1).describe("Path of the SSH private key on the control machine."), "G/C/I"),
  ansible_password: noDefault(z.string().describe("SSH password (key-based login is recommended). Secret."), "G/C/I", true),
  ansible_ssh_common_args: noDefault(
    z.string().describe("Extra arguments for every SSH connection, e.g. \"-o ProxyJump=bastion -o StrictHostKeyChecking=no\"."),
    "G/C/I",
  ),
} as const;
export const CONNECTION = defineGroup(
  "CONNECTION",
  "Ansible connection variables: how pgsty reaches each host (address, port, user, SSH key, sudo).",
  CONNECTION_PARAMS,
);

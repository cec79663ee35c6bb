/**
 * ETCD and ETCD_REMOVE parameters: the etcd cluster Patroni and vip-manager use as DCS, and what
 * removing it cleans up. Defaults are Pigsty v4's documented ones; etcd_clean and etcd_api are
 * accepted for inventories written for older Pigsty versions.
 * Pure: imports only zod and sibling schema files; must not import I/O modules.
 */
import * as z from "zod";
import { defineGroup } from "./param.js";
import { noDefault, nonNegativeInt, port, withDefault } from "./common.js";

export const ETCD_INIT_STATES = ["new", "existing"] as const;
export const ETCD_APIS = ["v2", "v3", "both"] as const;

export const ETCD_PARAMS = {
  etcd_seq: noDefault(nonNegativeInt.describe("etcd member number, a required identity parameter on hosts of the etcd group (member name etcd-<seq>)."), "I"),
  etcd_cluster: withDefault(z.string().min(1).describe("etcd cluster and inventory group name; default etcd."), "C", "etcd"),
  etcd_learner: withDefault(
    z.boolean().describe("Join this member as a non-voting learner (used while scaling out); default false."),
    "I",
    false,
  ),
  etcd_data: withDefault(z.string().min(1).describe("etcd data directory; default /data/etcd."), "C", "/data/etcd"),
  etcd_port: withDefault(port.describe("etcd client port; default 2379."), "C", 2379),
  etcd_peer_port: withDefault(port.describe("etcd peer (raft) port; default 2380."), "C", 2380),
  etcd_init: withDefault(
    z.enum(ETCD_INIT_STATES).describe("Initial cluster state: new (default, bootstrap a new cluster) or existing (join an existing one)."),
    "C",
    "new",
  ),
  etcd_election_timeout: withDefault(
    z.int().positive().describe("etcd election timeout in milliseconds; default 1000."),
    "C",
    1000,
  ),
  etcd_heartbeat_interval: withDefault(
    z.int().positive().describe("etcd heartbeat interval in milliseconds; default 100."),
    "C",
    100,
  ),
  etcd_root_password: withDefault(
    z.string().describe("Password of the etcd root user (RBAC is on since Pigsty v4); default Etcd.Root. Change it in production."),
    "G",
    "Etcd.Root",
    true,
  ),
  etcd_clean: withDefault(
    z.boolean().describe("Purge an existing etcd member when initializing (older Pigsty; v4 uses etcd_safeguard and the removal playbook); default true."),
    "C",
    true,
  ),
  etcd_api: noDefault(
    z.enum(ETCD_APIS).describe("etcd API version used by clients in older Pigsty versions: v2, v3 or both. pgsty always uses the v3 API."),
    "C",
  ),
} as const;

export const ETCD = defineGroup(
  "ETCD",
  "The etcd cluster used as distributed configuration store by Patroni and vip-manager: identity, directories, ports, timing and the root password.",
  ETCD_PARAMS,
);

export const ETCD_REMOVE_PARAMS = {
  etcd_safeguard: withDefault(
    z.boolean().describe("Refuse to remove (or purge) etcd members while true; default false. Enable it in production."),
    "G/C",
    false,
  ),
  etcd_rm_data: withDefault(z.boolean().describe("Remove the etcd data directory when removing a member; default true."), "G/C", true),
  etcd_rm_pkg: withDefault(z.boolean().describe("Uninstall the etcd packages when removing a member; default false."), "G/C", false),
} as const;

export const ETCD_REMOVE = defineGroup("ETCD_REMOVE", "Removal of etcd members: safeguard, data and package removal.", ETCD_REMOVE_PARAMS);

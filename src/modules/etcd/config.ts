/**
 * etcd's configuration on a member of an etcd cluster (a host with `etcd_cluster` and
 * `etcd_seq`): the YAML file etcd 3.4 reads with `--config-file`, and `/etc/default/etcd`, which
 * Debian's etcd.service (`ExecStart=/usr/bin/etcd $DAEMON_ARGS`) and init script read, pointing
 * etcd at that file. Plain HTTP (pgsty has no CA yet). Pure; must not import I/O beyond the
 * template loader.
 */
import { toYaml } from "../yaml-out.js";
import { hostAddress } from "../../model/identity.js";
import type { Host } from "../../model/resolve.js";
import { renderTemplate } from "../../template.js";
import type { HostContext } from "../context.js";
import type { RenderedFile } from "../types.js";

export const ETCD_CONFIG_PATH = "/etc/etcd/etcd.conf.yml";
export const ETCD_DEFAULTS_PATH = "/etc/default/etcd";

/** Member name: `<etcd_cluster>-<etcd_seq>`. */
export function etcdMemberName(h: Host): string {
  return `${String(h.vars.etcd_cluster)}-${String(h.vars.etcd_seq)}`;
}

const peerUrl = (h: Host) => `http://${hostAddress(h)}:${String(h.vars.etcd_peer_port)}`;

/** The members of this host's etcd cluster, sorted by `etcd_seq`; empty when the host is not one. */
export function etcdMembers(ctx: HostContext): readonly Host[] {
  const members = ctx.model.etcd.get(String(ctx.vars.etcd_cluster)) ?? [];
  return members.some((h) => h.name === ctx.host.name) ? members : [];
}

/** The settings of etcd's config file, in the order written. */
export function etcdConfig(ctx: HostContext): Record<string, unknown> {
  const v = ctx.vars;
  const members = etcdMembers(ctx);
  const client = `http://${ctx.ip}:${v.etcd_port}`;
  const clientUrls = [...new Set([client, `http://127.0.0.1:${v.etcd_port}`])];
  return {
    name: etcdMemberName(ctx.host),
    "data-dir": v.etcd_data,
    "listen-client-urls": clientUrls.join(","),
    "advertise-client-urls": client,
    "listen-peer-urls": peerUrl(ctx.host),
    "initial-advertise-peer-urls": peerUrl(ctx.host),
    "initial-cluster": members.map((h) => `${etcdMemberName(h)}=${peerUrl(h)}`).join(","),
    "initial-cluster-token": v.etcd_cluster,
    "initial-cluster-state": v.etcd_init,
    // etcd 3.4 turns the gRPC gateway (the /v3 JSON API Patroni's etcd3 client uses) off when
    // started with --config-file unless it is asked for
    "enable-grpc-gateway": true,
    "election-timeout": v.etcd_election_timeout,
    "heartbeat-interval": v.etcd_heartbeat_interval,
    // Patroni writes on every HA loop: keep one hour of history, not every revision forever
    "auto-compaction-mode": "periodic",
    "auto-compaction-retention": "1h",
    logger: "zap",
    "log-outputs": ["stderr"],
  };
}

/** etcd's files on a member of an etcd cluster; none on other hosts. */
export function renderEtcdConfig(ctx: HostContext): RenderedFile[] {
  if (etcdMembers(ctx).length === 0) return [];
  const common = { owner: "root", group: "root", mode: "0644", sensitive: false, effect: "restart", service: "etcd" } as const;
  return [
    { path: ETCD_CONFIG_PATH, content: toYaml(etcdConfig(ctx), ` etcd member ${etcdMemberName(ctx.host)}, written by pgsty: local edits are overwritten.`), ...common },
    { path: ETCD_DEFAULTS_PATH, content: renderTemplate("etcd/default.njk", { config_path: ETCD_CONFIG_PATH }), ...common },
  ];
}

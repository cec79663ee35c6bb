// etcd configuration (src/modules/etcd/config.ts): member name, URLs, initial cluster in etcd_seq
// order, gRPC gateway, /etc/default/etcd; golden files for conf/ha/pg-test.yml.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { ETCD_CONFIG_PATH, renderEtcdConfig } from "../../../../src/modules/etcd/config.js";
import { contextFor } from "../context-helper.js";

type Vars = Record<string, unknown>;

/** A 3-member etcd cluster listed out of etcd_seq order, plus a host that is not a member. */
function inventory(vars: Vars = {}, hosts: Record<string, Vars> = {}): string {
  return stringify({
    all: {
      children: {
        etcd: {
          hosts: {
            "10.10.10.13": { etcd_seq: 3, ...hosts["10.10.10.13"] },
            "10.10.10.11": { etcd_seq: 1, ...hosts["10.10.10.11"] },
            "10.10.10.12": { etcd_seq: 2, ...hosts["10.10.10.12"] },
          },
          vars: { etcd_cluster: "etcd", ...vars },
        },
        other: { hosts: { "10.10.10.20": {} } },
      },
    },
  });
}

const files = (host: string, vars: Vars = {}, hosts: Record<string, Vars> = {}) => renderEtcdConfig(contextFor(inventory(vars, hosts), host));
const conf = (host: string, vars: Vars = {}, hosts: Record<string, Vars> = {}) =>
  parse(files(host, vars, hosts).find((f) => f.path === ETCD_CONFIG_PATH)!.content, { version: "1.1" }) as Record<string, unknown>;

describe("renderEtcdConfig", () => {
  it("names the member <etcd_cluster>-<etcd_seq> and lists the cluster in etcd_seq order", () => {
    expect(conf("10.10.10.12")).toEqual({
      name: "etcd-2",
      "data-dir": "/data/etcd",
      "listen-client-urls": "http://10.10.10.12:2379,http://127.0.0.1:2379",
      "advertise-client-urls": "http://10.10.10.12:2379",
      "listen-peer-urls": "http://10.10.10.12:2380",
      "initial-advertise-peer-urls": "http://10.10.10.12:2380",
      "initial-cluster": "etcd-1=http://10.10.10.11:2380,etcd-2=http://10.10.10.12:2380,etcd-3=http://10.10.10.13:2380",
      "initial-cluster-token": "etcd",
      "initial-cluster-state": "new",
      "enable-grpc-gateway": true,
      "election-timeout": 1000,
      "heartbeat-interval": 100,
      "auto-compaction-mode": "periodic",
      "auto-compaction-retention": "1h",
      logger: "zap",
      "log-outputs": ["stderr"],
    });
  });

  it("follows the cluster name, ports, data dir, timings and initial state", () => {
    const c = conf("10.10.10.11", { etcd_cluster: "dcs", etcd_port: 12379, etcd_peer_port: 12380, etcd_data: "/var/lib/etcd/dcs", etcd_init: "existing", etcd_election_timeout: 2000, etcd_heartbeat_interval: 200 });
    expect(c).toMatchObject({
      name: "dcs-1",
      "data-dir": "/var/lib/etcd/dcs",
      "listen-client-urls": "http://10.10.10.11:12379,http://127.0.0.1:12379",
      "initial-cluster": "dcs-1=http://10.10.10.11:12380,dcs-2=http://10.10.10.12:12380,dcs-3=http://10.10.10.13:12380",
      "initial-cluster-token": "dcs",
      "initial-cluster-state": "existing",
      "election-timeout": 2000,
      "heartbeat-interval": 200,
    });
  });

  it("uses each member's own peer port and address (ansible_host)", () => {
    const c = conf("10.10.10.11", {}, { "10.10.10.13": { etcd_peer_port: 2390, ansible_host: "10.20.0.13" } });
    expect(c["initial-cluster"]).toBe("etcd-1=http://10.10.10.11:2380,etcd-2=http://10.10.10.12:2380,etcd-3=http://10.20.0.13:2390");
  });

  it("listens on loopback once when the node's address is loopback", () => {
    const text = stringify({ all: { children: { etcd: { hosts: { "127.0.0.1": { etcd_seq: 1 } }, vars: { etcd_cluster: "etcd" } } } } });
    const f = renderEtcdConfig(contextFor(text, "127.0.0.1"))[0]!;
    expect((parse(f.content) as Record<string, unknown>)["listen-client-urls"]).toBe("http://127.0.0.1:2379");
  });

  it("points Debian's unit at the file through /etc/default/etcd; a change restarts etcd", () => {
    const fs = files("10.10.10.11");
    expect(fs.map((f) => f.path)).toEqual(["/etc/etcd/etcd.conf.yml", "/etc/default/etcd"]);
    expect(fs[1]!.content).toMatch(/^DAEMON_ARGS="--config-file \/etc\/etcd\/etcd\.conf\.yml"$/m);
    for (const f of fs) expect(f).toMatchObject({ owner: "root", group: "root", mode: "0644", sensitive: false, effect: "restart", service: "etcd" });
  });

  it("renders nothing on hosts that are not etcd members", () => {
    expect(files("10.10.10.20")).toEqual([]);
  });
});

describe("golden files: conf/ha/pg-test.yml", () => {
  const text = readFileSync(new URL("../../../../conf/ha/pg-test.yml", import.meta.url), "utf8");
  it.each(["10.10.10.11", "10.10.10.12", "10.10.10.13"])("%s", async (host) => {
    const f = renderEtcdConfig(contextFor(text, host)).find((x) => x.path === ETCD_CONFIG_PATH)!;
    await expect(f.content).toMatchFileSnapshot(`../../../golden/etcd/${host}.yml`);
  });
});

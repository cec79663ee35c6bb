import { describe, expect, it } from "vitest";
import { hasFollowUp, HOST_OPS } from "../../../src/ops/host-ops.js";
import { factSet, task } from "./fake.js";

const samples: Record<string, Record<string, unknown>> = {
  file: { path: "/etc/x.conf", content: "x\n", owner: "root", group: "root", mode: "0644", sensitive: false },
  dir: { path: "/data", owner: "root", group: "root", mode: "0755" },
  link: { path: "/pg", target: "/data/pg" },
  "pkg.installed": { names: ["haproxy"] },
  "os.user": { name: "postgres", uid: 543, group: "postgres", home: "/var/lib/pgsql", shell: "/bin/bash" },
  "service.running": { unit: "haproxy", enabled: true },
  "pgbackrest.stanza": { stanza: "pg-test", initialBackup: true },
  command: { cmd: ["/usr/bin/true"], creates: "/x", unless: ["test", "-e", "/y"] },
  "service.stopped": { unit: "patroni", user: "postgres" },
  "path.absent": { path: "/data/postgres/pg-test-16", type: "dir" },
  "pkg.removed": { names: ["patroni"] },
  "dcs.absent": { prefix: "/pg/pg-test/", endpoints: ["10.10.10.10:2379"] },
};

describe("HOST_OPS", () => {
  it("registers every host op under its kind", () => {
    expect([...HOST_OPS.keys()].sort()).toEqual(Object.keys(samples).sort());
    for (const [kind, op] of HOST_OPS) expect(op.kind).toBe(kind);
    expect([...HOST_OPS.values()].filter(hasFollowUp).map((o) => o.kind)).toEqual(["file"]);
  });

  it.each(Object.entries(samples))("%s: needs is pure and stable; empty facts give a diff", (kind, args) => {
    const op = HOST_OPS.get(kind)!;
    const t = task(kind, "k", args);
    expect(op.needs(t)).toEqual(op.needs(t));
    const failed = factSet({}, { file: "x", os: "x", pkg: "x", user: "x", service: "x", exit: "x" });
    expect(op.diff(t, op.observe(t, failed)).action).toBe("unknown");
  });
});

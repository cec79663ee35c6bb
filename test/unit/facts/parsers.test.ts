/**
 * Every host fact's parser against outputs recorded from real hosts (test/fixtures/facts/<target>/,
 * written by `PGSTY_RECORD_FACTS=1 vitest run test/integration/facts.test.ts`): this machine
 * (local), a tini and a systemd test host, and a one-member Patroni cluster. Cases a Debian host
 * cannot produce (rpm, dpkg's config-files state, a paused cluster) are marked as hand-made.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { HOST_FACTS } from "../../../src/facts/index.js";
import { parseFileContent } from "../../../src/facts/file-content.js";
import { parseFile } from "../../../src/facts/file.js";
import { parentPath, parseFs } from "../../../src/facts/fs.js";
import { osFact, osReleaseValue, parseOs } from "../../../src/facts/os.js";
import { parsePatroni } from "../../../src/facts/patroni.js";
import { parsePkg } from "../../../src/facts/pkg.js";
import { parseService, pidfileOf, PIDFILES } from "../../../src/facts/service.js";
import { parseUser } from "../../../src/facts/user.js";
import { PGBOUNCER_PIDFILE } from "../../../src/modules/pgbouncer/pgbouncer.js";

const TARGETS = ["local", "tini", "systemd"] as const;

function fixture(target: string, fact: string): { keys: string[]; stdout: string } {
  return JSON.parse(readFileSync(new URL(`../../fixtures/facts/${target}/${fact}.json`, import.meta.url), "utf8")) as { keys: string[]; stdout: string };
}
const sha = (b: string | Buffer) => createHash("sha256").update(b).digest("hex");
/** The scratch directory of a recording: /tmp/pgsty-facts… */
const dirOf = (keys: readonly string[]) => (keys[0] ?? "").slice(0, (keys[0] ?? "").indexOf("/", 5));

describe("os", () => {
  it.each(TARGETS)("parses %s", (target) => {
    const { stdout, keys } = fixture(target, "os");
    const os = parseOs(stdout);
    expect(os).toMatchObject({ id: "debian", idLike: [], family: "debian", versionId: "12", codename: "bookworm", prettyName: "Debian GNU/Linux 12 (bookworm)", arch: "x86_64" });
    expect(os.serviceManager).toBe(target === "systemd" ? "systemd" : "none");
    expect(os.cpu).toBeGreaterThan(0);
    expect(os.memMb).toBe(Math.floor(Number(/mem_kb=(\d+)/.exec(stdout)?.[1]) / 1024));
    expect(os.hostname).toBe(/hostname=(.*)/.exec(stdout)?.[1]);
    expect([...osFact.parse(stdout, keys).keys()]).toEqual(["os"]);
  });

  it("reads an EL os-release (hand-made, from Rocky 9's file)", () => {
    const os = parseOs(`arch=aarch64\ncpu=4\nhostname=el9\nsystemd=1\nmem_kb=8000000\nNAME="Rocky Linux"\nVERSION="9.4 (Blue Onyx)"\nID="rocky"\nID_LIKE="rhel centos fedora"\nVERSION_ID="9.4"\n`);
    expect(os).toMatchObject({ id: "rocky", idLike: ["rhel", "centos", "fedora"], family: "el", versionId: "9.4", arch: "aarch64", cpu: 4, memMb: 7812, serviceManager: "systemd" });
    expect(os.codename).toBeUndefined();
  });

  it("unquotes os-release values", () => {
    expect(osReleaseValue(`"a \\"b\\" \\$c \\\\ d"`)).toBe(`a "b" $c \\ d`);
    expect(osReleaseValue(`'x y'`)).toBe("x y");
    expect(osReleaseValue("bare")).toBe("bare");
  });

  it("fails without an ID", () => {
    expect(() => parseOs("arch=x86_64\ncpu=1\nmem_kb=1\n")).toThrow(/no ID/);
  });
});

describe("fs", () => {
  it.each(TARGETS)("measures the nearest existing ancestor on %s", (target) => {
    const { stdout, keys } = fixture(target, "fs");
    const fs = parseFs(stdout, keys);
    const [missing = "", root = ""] = keys;
    expect(fs.get(missing)?.path).toBe(dirOf(keys));
    expect(fs.get(root)?.path).toBe("/");
    expect(fs.get(root)?.sizeBytes).toBeGreaterThan(fs.get(root)?.availBytes ?? Infinity);
    expect(fs.get(root)?.type).toMatch(/\S/);
  });

  it("walks up like the fragment does", () => {
    expect(["/a/b/c", "/a/b//", "/a", "/", "//x"].map(parentPath)).toEqual(["/a/b", "/a", "/", "/", "/"]);
  });
});

describe("file", () => {
  it.each(TARGETS)("parses odd names, links, dirs and absent paths on %s", (target) => {
    const { stdout, keys } = fixture(target, "file");
    const files = parseFile(stdout, keys);
    const odd = keys.filter((k) => !/\/(binary\.bin|link|sub dir|missing)$/.test(k));
    expect(odd.length).toBe(11);
    for (const k of odd) {
      const name = k.slice(dirOf(keys).length + 1);
      expect(files.get(k), JSON.stringify(k)).toEqual({
        type: "file", mode: name === "with space" ? "0640" : "0644", owner: "root", group: "root", size: Buffer.byteLength(`${name}\n`), sha256: sha(`${name}\n`),
      });
    }
    const d = dirOf(keys);
    expect(files.get(`${d}/binary.bin`)?.sha256).toBe(sha(Buffer.from([0xff, 0xfe, 0x00, 0x80, 0x70, 0x67, 0x0a])));
    expect(files.get(`${d}/link`)).toEqual({ type: "link", mode: "0777", owner: "root", group: "root", size: 10, linkTarget: "with space" });
    expect(files.get(`${d}/sub dir`)).toMatchObject({ type: "dir", mode: "2750", owner: "postgres", group: "postgres" });
    expect(files.get(`${d}/sub dir`)?.sha256).toBeUndefined();
    expect(files.has(`${d}/missing`)).toBe(false);
  });

  it("rejects output without its sections, and a path nobody asked for", () => {
    expect(() => parseFile("garbage", ["/x"])).toThrow(/sections/);
    expect(() => parseFile(`@sha256\n@find\n${["/y", "f", "644", "1", "root", "root", ""].join("\0")}\0`, ["/x"])).toThrow(/unexpected path/);
  });
});

describe("file.content", () => {
  it.each(TARGETS)("decodes binary and UTF-8 content on %s", (target) => {
    const { stdout, keys } = fixture(target, "file.content");
    const c = parseFileContent(stdout, keys);
    const d = dirOf(keys);
    expect([...(c.get(`${d}/binary.bin`)?.bytes ?? [])]).toEqual([0xff, 0xfe, 0x00, 0x80, 0x70, 0x67, 0x0a]);
    expect(c.get(`${d}/binary.bin`)?.text).toBeUndefined();
    expect(c.get(`${d}/marker.txt`)?.text).toBe("\n@@pgsty-0123456789abcdef0123456789abcdef end file.content 0@@\n");
    expect(c.get(`${d}/ünïcødé.conf`)).toMatchObject({ text: "ünïcødé.conf\n", truncated: false });
    expect(c.has(`${d}/missing`) || c.has(`${d}/sub dir`)).toBe(false);
  });

  it("keeps a byte-order mark and marks content over the limit truncated", () => {
    const bom = parseFileContent(`0 ${Buffer.from("\uFEFFx").toString("base64")}\n`, ["/a"]);
    expect(bom.get("/a")?.text).toBe("\uFEFFx");
    const big = parseFileContent(`0 ${Buffer.alloc(4 * 1024 * 1024 + 1, 97).toString("base64")}\n`, ["/a"]);
    expect(big.get("/a")).toMatchObject({ truncated: true });
    expect(big.get("/a")?.bytes.length).toBe(4 * 1024 * 1024);
    expect(big.get("/a")?.text).toBeUndefined();
  });
});

describe("pkg", () => {
  it.each(TARGETS)("parses dpkg-query on %s", (target) => {
    const { stdout, keys } = fixture(target, "pkg");
    const p = parsePkg(stdout, keys);
    expect(p.get("bash")).toMatchObject({ status: "installed", arch: "amd64", manager: "dpkg" });
    expect(p.get("bash")?.version).toMatch(/^5\.2/);
    expect(p.get("postgresql-15")?.version).toMatch(/^15\./);
    expect(p.has("pgsty-no-such-package")).toBe(false);
  });

  it("config-files, not-installed and multi-arch (hand-made dpkg lines)", () => {
    const out = "@dpkg\nold\tconfig-files\t1.0\tamd64\ngone\tnot-installed\t\t\nlibx\tinstalled\t2\ti386\nlibx\tinstalled\t2\tamd64\n";
    const p = parsePkg(out, ["old", "gone", "libx", "libx:amd64"]);
    expect(p.get("old")?.status).toBe("config-files");
    expect(p.has("gone")).toBe(false);
    expect(p.get("libx")?.arch).toBe("i386");
    expect(p.get("libx:amd64")?.arch).toBe("amd64");
  });

  it("rpm -q (hand-made, rpm's output format)", () => {
    const out = "@rpm\npostgresql16-server\t(none):16.4-1PGDG.rhel9\tx86_64\npackage nosuch is not installed\nperl\t4:5.32.1-481.el9\tx86_64\n";
    const p = parsePkg(out, ["postgresql16-server", "nosuch", "perl"]);
    expect(p.get("postgresql16-server")).toEqual({ version: "16.4-1PGDG.rhel9", status: "installed", arch: "x86_64", manager: "rpm" });
    expect(p.get("perl")?.version).toBe("4:5.32.1-481.el9");
    expect(p.has("nosuch")).toBe(false);
  });
});

describe("user", () => {
  it.each(TARGETS)("parses getent on %s", (target) => {
    const { stdout, keys } = fixture(target, "user");
    const u = parseUser(stdout, keys);
    expect(u.get("postgres")).toMatchObject({ group: "postgres", home: "/var/lib/postgresql", shell: "/bin/bash" });
    expect(u.get("root")).toEqual({ uid: 0, gid: 0, group: "root", home: "/root", shell: "/bin/bash", comment: "root" });
    expect(u.has("pgsty-no-such-user")).toBe(false);
  });

  it("a primary group without an entry", () => {
    const u = parseUser("@passwd\nx:x:1000:4242::/home/x:/bin/sh\n@group\n", ["x"]);
    expect(u.get("x")).toEqual({ uid: 1000, gid: 4242, home: "/home/x", shell: "/bin/sh", comment: "" });
  });
});

describe("service", () => {
  it("systemd: active, enabled, pid; unknown units absent", () => {
    const { stdout, keys } = fixture("systemd", "service");
    const s = parseService(stdout, keys);
    expect(s.get("haproxy")).toMatchObject({ manager: "systemd", active: true, enabled: false, state: "active", unitFileState: "disabled" });
    expect(s.get("haproxy")?.pid).toBeGreaterThan(1);
    expect(s.get("ssh")).toMatchObject({ active: true, enabled: true });
    expect(s.get("pgbouncer")).toEqual({ manager: "systemd", active: false, enabled: false, state: "inactive", unitFileState: "disabled" });
    expect(s.has("pgsty-no-such-unit")).toBe(false);
  });

  it.each(["tini", "local"])("pidfiles on %s: alive, stale, none", (target) => {
    const { stdout, keys } = fixture(target, "service");
    const s = parseService(stdout, keys);
    const [running = "", second = "", ...stopped] = keys;
    expect(s.get(running)).toMatchObject({ manager: "pidfile", active: true, enabled: "unknown", state: "running", pidfile: pidfileOf(running) });
    expect(s.get(running)?.pid).toBeGreaterThan(1);
    for (const u of target === "local" ? [second] : stopped) expect(s.get(u)).toMatchObject({ active: false, state: "stopped" });
    for (const u of [running, second, ...stopped]) expect(s.get(u)?.enabled).toBe("unknown");
  });

  it("systemd output that does not match the units is an error", () => {
    expect(() => parseService("@systemd\nId=a.service\n", ["a", "b"])).toThrow(/1 blocks for 2 units/);
  });

  it("knows the pidfiles the daemons write", () => {
    expect(pidfileOf("pgbouncer.service")).toBe(PGBOUNCER_PIDFILE);
    expect(PIDFILES["patroni"]).toBe("/run/patroni.pid");
    expect(pidfileOf("node_exporter")).toBe("/run/node_exporter.pid");
  });
});

describe("patroni", () => {
  const { stdout, keys } = fixture("tini-patroni", "patroni");
  const [key = ""] = keys;

  it("reads /patroni and /cluster of a running primary (Patroni 3.0.2 says master)", () => {
    expect(parsePatroni(stdout, keys).get(key)).toEqual({
      state: "running", role: "primary", timeline: 1, pendingRestart: false, pause: false, scope: "facts", version: "3.0.2", serverVersion: 150018,
      members: [{ name: "f1", role: "leader", state: "running", host: key.split(":")[0], port: 5432, timeline: 1, apiUrl: `http://${key}/patroni` }],
    });
  });

  it("pending restart, pause and replica lag (the recorded JSON, edited)", () => {
    const [i, self = "", cluster = ""] = stdout.trim().split(" ");
    const edit = (b64: string, f: (j: Record<string, unknown>) => void) => {
      const j = JSON.parse(Buffer.from(b64, "base64").toString()) as Record<string, unknown>;
      f(j);
      return Buffer.from(JSON.stringify(j)).toString("base64");
    };
    const s = edit(self, (j) => Object.assign(j, { pending_restart: true, pause: true, role: "replica" }));
    const c = edit(cluster, (j) => (j["members"] as unknown[]).push({ name: "f2", role: "replica", state: "streaming", lag: 0 }, { name: "f3", role: "replica", state: "stopped", lag: "unknown" }));
    const p = parsePatroni(`${i} ${s} ${c}\n`, keys).get(key);
    expect(p).toMatchObject({ role: "replica", pendingRestart: true, pause: true });
    expect(p?.members.map((m) => m.lag)).toEqual([undefined, 0, "unknown"]);
  });

  it.each(TARGETS)("an API that does not answer is absent on %s", (target) => {
    const f = fixture(target, "patroni");
    expect(parsePatroni(f.stdout, f.keys).size).toBe(0);
    expect(parsePatroni(`0 ${Buffer.from("<html>").toString("base64")} -\n`, ["x:1"]).size).toBe(0);
  });
});

describe("keys a fact cannot read", () => {
  it("are absent, and a fragment with nothing to read parses to nothing", () => {
    const bad: Record<string, string[]> = {
      fs: ["relative/path"], file: ["relative"], "file.content": ["relative"], pkg: ["pkg*", "-x", "a b"],
      user: ["123", "-root", "a b"], service: ["foo bar", "-x"], patroni: ["host:port/../x", "a b"],
    };
    for (const [name, keys] of Object.entries(bad)) {
      const fact = HOST_FACTS.get(name);
      const script = fact?.script(keys) ?? "";
      for (const k of keys) expect(script, `${name} ${k}`).not.toContain(k);
      const empty = name === "user" ? "@passwd\n@group\n" : "";
      expect(fact?.parse(empty, keys).size, name).toBe(0);
    }
  });
});

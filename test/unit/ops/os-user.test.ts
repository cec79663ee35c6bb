import { describe, expect, it } from "vitest";
import { osUserOp } from "../../../src/ops/os-user.js";
import { applyContext, factSet, FakeConnector, task } from "./fake.js";

const HOME = "/var/lib/pgsql";
const userTask = (args: Record<string, unknown> = {}) => task("os.user", "postgres", { name: "postgres", uid: 543, group: "postgres", home: HOME, shell: "/bin/bash", ...args });
const user = (o: Record<string, unknown> = {}) => ({ uid: 543, gid: 543, group: "postgres", home: HOME, shell: "/bin/bash", comment: "", ...o });
const homeDir = { type: "dir", mode: "0755", owner: "postgres", group: "postgres", size: 4096 };
const facts = (u?: unknown, home: unknown = homeDir, failed: Record<string, string> = {}) =>
  factSet({ user: u ? { postgres: u } : {}, file: home ? { [HOME]: home } : {} }, failed);

describe("os.user: diff", () => {
  it("needs the user and its home", () => {
    expect(osUserOp.needs(userTask())).toEqual([{ fact: "user", key: "postgres" }, { fact: "file", key: HOME }]);
  });

  it("absent → create", () => {
    expect(osUserOp.diff(userTask(), osUserOp.observe(userTask(), facts()))).toEqual({
      action: "create", effect: "none", reason: "absent on the host",
      fields: [{ field: "uid", after: 543 }, { field: "group", after: "postgres" }, { field: "home", after: HOME }, { field: "shell", after: "/bin/bash" }],
    });
  });

  it("equal → noop", () => expect(osUserOp.diff(userTask(), osUserOp.observe(userTask(), facts(user()))).action).toBe("noop"));

  it("another uid → adopted as it is (noop), saying what differs", () => {
    const d = osUserOp.diff(userTask(), osUserOp.observe(userTask(), facts(user({ uid: 105 }))));
    expect(d.action).toBe("noop");
    expect(d.reason).toBe("exists with uid 105 (wanted 543): adopted as it is (these apply only when pgsty creates the user)");
  });

  it("another home and group → adopted, naming both; its own home is not checked against ours", () => {
    const d = osUserOp.diff(userTask(), osUserOp.observe(userTask(), facts(user({ home: "/var/lib/postgresql", group: undefined, gid: 999 }), null)));
    expect(d.action).toBe("noop");
    expect(d.reason).toMatch(/^exists with primary group gid 999 \(wanted postgres\), home \/var\/lib\/postgresql \(wanted \/var\/lib\/pgsql\)/);
  });

  it("another shell, missing home → update", () => {
    expect(osUserOp.diff(userTask(), osUserOp.observe(userTask(), facts(user({ shell: "/bin/sh" }), null)))).toEqual({
      action: "update", effect: "none", reason: "shell, home directory differs",
      fields: [{ field: "shell", before: "/bin/sh", after: "/bin/bash" }, { field: "home directory", after: "created" }],
    });
  });

  it("home is a file → unknown", () => {
    expect(osUserOp.diff(userTask(), osUserOp.observe(userTask(), facts(user(), { ...homeDir, type: "file" }))).action).toBe("unknown");
  });

  it("unobservable → unknown", () => {
    expect(osUserOp.diff(userTask(), osUserOp.observe(userTask(), facts(undefined, null, { user: "getent failed" })))).toMatchObject({ action: "unknown", reason: "user fact unavailable: getent failed" });
  });

  it("rejects a bad uid or name", () => {
    expect(() => osUserOp.needs(userTask({ uid: "543" }))).toThrow(/uid/);
    expect(() => osUserOp.needs(userTask({ name: "rm -rf" }))).toThrow(/not a valid user/);
  });
});

describe("os.user: apply (re-reads the facts first)", () => {
  it("absent: group (gid = uid when free), user, home", async () => {
    const c = new FakeConnector();
    const ctx = applyContext(c, facts(undefined, null));
    await osUserOp.apply(ctx, userTask(), { action: "create", effect: "none" });
    expect(ctx.refreshed).toEqual([osUserOp.needs(userTask())]);
    expect(c.log).toEqual([
      "getent group postgres >/dev/null || { if getent group 543 >/dev/null; then groupadd -- postgres; else groupadd -g 543 -- postgres; fi; }",
      "useradd -u 543 -g postgres -d /var/lib/pgsql -M -s /bin/bash -- postgres",
      "[ -d /var/lib/pgsql ] || install -d -m 0755 -o postgres -g postgres -- /var/lib/pgsql",
    ]);
  });

  it("shell and home only", async () => {
    const c = new FakeConnector();
    await osUserOp.apply(applyContext(c, facts(user({ shell: "/bin/sh" }), null)), userTask(), { action: "update", effect: "none" });
    expect(c.log).toEqual(["usermod -s /bin/bash -- postgres", "[ -d /var/lib/pgsql ] || install -d -m 0755 -o postgres -g postgres -- /var/lib/pgsql"]);
  });

  it("converged by now: nothing", async () => {
    const c = new FakeConnector();
    await osUserOp.apply(applyContext(c, facts(user())), userTask(), { action: "create", effect: "none" });
    expect(c.log).toEqual([]);
  });

  it("another uid and the same shell: untouched (uid, group and home are never changed)", async () => {
    const c = new FakeConnector();
    await osUserOp.apply(applyContext(c, facts(user({ uid: 105, home: "/var/lib/postgresql" }), null)), userTask(), { action: "noop", effect: "none" });
    expect(c.log).toEqual([]);
  });

  it("a failing useradd stops with its message", async () => {
    const c = new FakeConnector((cmd) => (cmd.display.startsWith("useradd") ? { code: 4, stderr: "useradd: UID 543 is not unique\n" } : {}));
    await expect(osUserOp.apply(applyContext(c, facts(undefined, null)), userTask(), { action: "create", effect: "none" })).rejects.toThrow(/UID 543 is not unique/);
    expect(c.log).toHaveLength(2);
  });
});

// The connection hints printed after an apply: per touched cluster, from the inventory, no password.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { renderConnectHints } from "../../../src/render/connect-hints.js";
import { model } from "../helpers.js";

const PG_TEST = readFileSync(new URL("../../../conf/ha/pg-test.yml", import.meta.url), "utf8");

describe("connect hints", () => {
  const m = model(PG_TEST).model;

  it("names the services, pgbouncer and the dbsu of each touched cluster, with the database owner", () => {
    expect(renderConnectHints(m, ["10.10.10.12"])).toBe([
      "Connect (every service port answers on each member; passwords are in the inventory):",
      "  pg-test:",
      "    primary (read-write):  psql postgres://test@10.10.10.11:5433/test",
      "    replicas (read-only):  psql postgres://test@10.10.10.11:5434/test",
      "    pgbouncer:             psql postgres://test@10.10.10.11:6432/test",
      "    as the dbsu on a member: sudo -iu postgres psql",
    ].join("\n"));
  });

  it("says nothing for hosts of no cluster, and never a password", () => {
    expect(renderConnectHints(m, ["10.9.9.9"])).toBe("");
    expect(renderConnectHints(m, ["10.10.10.11"])).not.toMatch(/ChangeMe/);
  });
});

// Golden pgbouncer files for every host of conf/ha/pg-test.yml and conf/full.yml
// (test/golden/pgbouncer/<inventory>/<host>/<file>; update with `vitest -u`, review like code).
// No golden file may hold a plaintext password of its inventory.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { renderPgbouncer } from "../../../../src/modules/pgbouncer/pgbouncer.js";
import { contextFor } from "../context-helper.js";
import { inventorySecrets } from "./secrets-helper.js";

const INVENTORIES = [
  ["pg-test", "conf/ha/pg-test.yml"],
  ["full", "conf/full.yml"],
] as const;

describe.each(INVENTORIES)("golden pgbouncer files: %s (%s)", (name, file) => {
  const text = readFileSync(new URL(`../../../../${file}`, import.meta.url), "utf8");
  const secrets = inventorySecrets(parse(text));
  const hosts = Object.keys(parse(text).all.children).flatMap((g) => Object.keys(parse(text).all.children[g].hosts ?? {}));
  const unique = [...new Set(hosts)].sort();

  it("knows the inventory's secrets", () => expect(secrets.length).toBeGreaterThan(5));

  it.each(unique)("%s", async (host) => {
    const files = renderPgbouncer(contextFor(text, host));
    for (const f of files) {
      for (const s of secrets) expect(f.content.includes(s), `${f.path} holds a plaintext secret`).toBe(false);
      await expect(f.content).toMatchFileSnapshot(`../../../golden/pgbouncer/${name}/${host}/${f.path.split("/").pop()}`);
    }
  });
});

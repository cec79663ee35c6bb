// Golden pgBackRest files (pgbackrest.conf and the pg_crontab cron file) for every host of
// conf/ha/pg-test.yml and conf/full.yml (test/golden/pgbackrest/<inventory>/<host>/<file>; update
// with `vitest -u`, review like code). pgbackrest.conf must hold repository secrets in plaintext
// (pgBackRest reads them there): golden files get them masked, and no golden file holds a
// plaintext secret of its inventory.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { backupCron } from "../../../../src/modules/pgbackrest/cron.js";
import { renderPgbackrest, REPO_SECRET_FIELDS } from "../../../../src/modules/pgbackrest/pgbackrest.js";
import type { RenderedFile } from "../../../../src/modules/types.js";
import { contextFor } from "../context-helper.js";
import { inventorySecrets } from "../pgbouncer/secrets-helper.js";

const INVENTORIES = [
  ["pg-test", "conf/ha/pg-test.yml"],
  ["full", "conf/full.yml"],
] as const;

const SECRET_OPTION = new RegExp(`^(repo1-(?:${REPO_SECRET_FIELDS.map((k) => k.replaceAll("_", "-")).join("|")}))=.*$`, "gm");

/** The file as a plan may show it: secret option values replaced. */
const masked = (f: RenderedFile) => (f.sensitive ? f.content.replace(SECRET_OPTION, "$1=(sensitive)") : f.content);

describe.each(INVENTORIES)("golden pgbackrest files: %s (%s)", (name, file) => {
  const text = readFileSync(new URL(`../../../../${file}`, import.meta.url), "utf8");
  const doc = parse(text);
  const secrets = inventorySecrets(doc);
  const hosts = [...new Set(Object.values(doc.all.children as Record<string, { hosts?: object }>).flatMap((g) => Object.keys(g.hosts ?? {})))].sort();

  it.each(hosts)("%s", async (host) => {
    const ctx = contextFor(text, host);
    const files = [...renderPgbackrest(ctx), backupCron(ctx)].filter((f): f is RenderedFile => f !== undefined);
    for (const f of files) {
      const golden = masked(f);
      for (const s of secrets) expect(golden.includes(s), `${f.path} holds a plaintext secret`).toBe(false);
      await expect(golden).toMatchFileSnapshot(`../../../golden/pgbackrest/${name}/${host}/${f.path.split("/").pop()}`);
    }
  });

  if (name === "full") {
    it("renders the secrets themselves into the real file (masking is not a no-op)", () => {
      const f = renderPgbackrest(contextFor(text, "10.10.10.11"))[0]!;
      expect(f.sensitive).toBe(true);
      expect(f.content).toContain("repo1-s3-key-secret=S3Backup.Example.ChangeMe\n");
      expect(f.content).toContain("repo1-cipher-pass=Cipher.Example.ChangeMe.pg-test\n");
      expect(masked(f)).toContain("repo1-cipher-pass=(sensitive)\n");
    });
  }
});

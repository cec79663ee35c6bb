// src/template.ts undoes what loading nunjucks does to String.prototype: V8's slow dictionary
// mode, in which every string method call of the process runs up to 4× slower. Checked with V8's
// own %HasFastProperties, in this test file's fresh module graph: nunjucks alone leaves the
// prototype slow (so this test can fail), loading pgsty's template module makes it fast again.
import { setFlagsFromString } from "node:v8";
import { describe, expect, it } from "vitest";

setFlagsFromString("--allow-natives-syntax");
const stringPrototypeIsFast = new Function("return %HasFastProperties(String.prototype)") as () => boolean;

describe("the template module", () => {
  it("leaves String.prototype in V8's fast mode after nunjucks is loaded", async () => {
    await import("nunjucks");
    expect(stringPrototypeIsFast()).toBe(false);
    const { renderTemplate } = await import("../../src/template.js");
    expect(stringPrototypeIsFast()).toBe(true);
    expect(typeof renderTemplate).toBe("function");
  });
});

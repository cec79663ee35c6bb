// selectorFields: the member fields a service selector reads, when filtering on them is all it does.
import { describe, expect, it } from "vitest";
import { selectorFields } from "../../../../src/modules/haproxy/selector-fields.js";

describe("selectorFields", () => {
  it("reads nothing for every member", () => {
    expect(selectorFields("[]")).toEqual(new Set());
  });

  it("names the fields a filter compares", () => {
    expect(selectorFields("[? pg_role == `offline` || pg_offline_query ]")).toEqual(new Set(["pg_role", "pg_offline_query"]));
    expect(selectorFields("[? pg_role == `replica` && !pg_offline_query]")).toEqual(new Set(["pg_role", "pg_offline_query"]));
    expect(selectorFields("[? @.pg_seq == `1`]")).toEqual(new Set(["pg_seq"]));
  });

  it("gives up where the result may depend on more than the fields", () => {
    for (const e of ["[].pg_seq", "[? pg_role == `primary`].pg_seq", "[*]", "[? length(@) > `3`]", "[? toString == `x`]", "[0]", "[? "]) {
      expect(selectorFields(e), e).toBeUndefined();
    }
  });
});

/**
 * The JSON view of a plan: exactly `JSON.stringify(plan, null, 2)`, but written in pieces ending at
 * line breaks, each change stringified alone — the plan of 3,000 hosts as one string would take
 * hundreds of MB. Pure apart from the `write` callback it is given.
 */
export function writeJsonPlan(plan: Readonly<Record<string, unknown>>, write: (text: string) => void): void {
  let buf = "";
  const push = (t: string) => {
    buf += t;
    if (buf.length > 1 << 20 && buf.endsWith("\n")) {
      write(buf);
      buf = "";
    }
  };
  const json = (v: unknown, pad: string) => JSON.stringify(v, null, 2).replaceAll("\n", `\n${pad}`);
  const entries = (o: Readonly<Record<string, unknown>>) => Object.keys(o).filter((k) => o[k] !== undefined && typeof o[k] !== "function");
  const list = (items: readonly unknown[], pad: string, each: (item: unknown, pad: string) => void) => {
    if (items.length === 0) return push("[]");
    push("[\n");
    items.forEach((item, i) => {
      push(`${pad}  `);
      each(item, `${pad}  `);
      push(i < items.length - 1 ? ",\n" : "\n");
    });
    push(`${pad}]`);
  };
  const object = (o: Readonly<Record<string, unknown>>, pad: string, value: (k: string, v: unknown, pad: string) => void) => {
    const keys = entries(o);
    if (keys.length === 0) return push("{}");
    push("{\n");
    keys.forEach((k, i) => {
      push(`${pad}  ${JSON.stringify(k)}: `);
      value(k, o[k], `${pad}  `);
      push(i < keys.length - 1 ? ",\n" : "\n");
    });
    push(`${pad}}`);
  };
  const plain = (_k: string, v: unknown, pad: string) => push(json(v, pad));
  object(plan, "", (k, v, pad) => {
    if (k !== "steps" || !Array.isArray(v)) return plain(k, v, pad);
    list(v, pad, (step, pad) => object(step as Record<string, unknown>, pad, (k, v, pad) => {
      if (k !== "changes" || !Array.isArray(v)) return plain(k, v, pad);
      list(v, pad, (c, pad) => push(json(c, pad)));
    }));
  });
  write(buf);
}

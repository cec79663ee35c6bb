/**
 * Which fields of the member documents a service selector reads, when that is all its result
 * depends on: `[]` (every member) and `[? <condition>]` whose condition compares fields with
 * literals (`pg_role == \`primary\` || pg_offline_query`). Such a selector returns the very
 * documents it was given, filtered by those fields, so documents holding only them (and
 * `inventory_hostname`) select the same members as documents holding every var — which cost a
 * copy of some 400 vars per member. Anything else (projections of fields, functions, `*`, a bare
 * `@`) answers undefined: the caller gives the whole documents.
 * Pure: must not import anything but jmespath.
 */
import jmespath from "jmespath";

interface Node {
  readonly type: string;
  readonly name?: unknown;
  readonly children?: readonly Node[];
}

const compile = (jmespath as unknown as { compile(expression: string): Node }).compile;

const known = new Map<string, ReadonlySet<string> | undefined>();

/** The fields `expression` reads, or undefined when its result may depend on more (or it does not compile). */
export function selectorFields(expression: string): ReadonlySet<string> | undefined {
  if (known.has(expression)) return known.get(expression);
  let fields: Set<string> | undefined;
  try {
    const ast = compile(expression);
    fields = new Set();
    if (!isEveryMember(ast) && !filterFields(ast, fields)) fields = undefined;
  } catch {
    // a selector that does not compile fails the same way on the whole documents
    fields = undefined;
  }
  known.set(expression, fields);
  return fields;
}

const isIdentity = (n: Node | undefined) => n?.type === "Identity";

/** `[]`: the documents themselves. */
function isEveryMember(n: Node): boolean {
  const [source, each] = n.children ?? [];
  return n.type === "Projection" && source?.type === "Flatten" && isIdentity(source.children?.[0]) && isIdentity(each);
}

/** `[? condition]` over the documents, returning them: the condition's fields, added to `out`. */
function filterFields(n: Node, out: Set<string>): boolean {
  const [source, each, condition] = n.children ?? [];
  return n.type === "FilterProjection" && isIdentity(source) && isIdentity(each) && condition !== undefined && conditionFields(condition, out);
}

function conditionFields(n: Node, out: Set<string>): boolean {
  switch (n.type) {
    case "Literal":
      return true;
    case "Field":
      // a name every object has (toString…) reads the same through any document: still, keep it simple
      if (typeof n.name !== "string" || n.name in Object.prototype) return false;
      out.add(n.name);
      return true;
    case "Subexpression": {
      // `@.field`
      const [current, field] = n.children ?? [];
      return current?.type === "Current" && field?.type === "Field" && conditionFields(field, out);
    }
    case "Comparator":
    case "AndExpression":
    case "OrExpression":
    case "NotExpression":
      return (n.children ?? []).every((c) => conditionFields(c, out));
    default:
      return false;
  }
}

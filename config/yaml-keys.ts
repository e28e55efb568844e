import { Alias, Document, LineCounter, Node, Pair, isAlias, isCollection, isMap, isScalar, isSeq, visit } from "yaml";
import type { ConfigProblem } from "./problems";

/** How the YAML library marks a merge key (`<<`) once it has recognised one. */
const isMergeKey = (key: unknown) => isScalar(key) && typeof key.value === "symbol" && key.value.description === "<<";

/**
 * Keys a mesh config cannot hold, which the library would otherwise turn into an error or a
 * warning about its own internals:
 * - merge keys (`<<: *base`) whose value is not a mapping, an alias of one, or a list of those
 *   (YAML merges only mappings);
 * - keys that are a list or a mapping (`? [a, b]: c`), which a JavaScript object cannot hold.
 * `targets` are the document's aliasTargets.
 */
export function keyProblems(
  document: Document,
  lineCounter: LineCounter,
  text: string,
  targets: ReadonlyMap<Alias, Node | undefined>,
): ConfigProblem[] {
  const resolved = (node: unknown) => (isAlias(node) ? targets.get(node) : node);
  const problems: ConfigProblem[] = [];
  const report = (node: unknown, message: string) => {
    const [start, end] = (node as Node | undefined)?.range ?? [0, 0];
    problems.push({ path: `line ${lineCounter.linePos(start).line}`, value: text.slice(start, end), message });
  };
  visit(document, {
    Pair: (_key, pair: Pair) => {
      if (isMergeKey(pair.key)) {
        const sources = isSeq(pair.value) ? pair.value.items : [pair.value];
        if (!sources.length || !sources.every((source) => isMap(resolved(source))))
          report(
            pair.value ?? pair.key,
            'is merged with <<, but YAML merges only mappings: merge a mapping or an alias of one (<<: *base), or quote the key ("<<") if it is a name',
          );
      } else if (isCollection(resolved(pair.key))) {
        report(pair.key, "is a key that is a list or a mapping: every key of a mesh config is a name, such as region");
      }
    },
  });
  return problems;
}

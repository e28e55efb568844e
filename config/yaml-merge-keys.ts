import { Document, LineCounter, Node, isAlias, isMap, isScalar, isSeq, visit } from "yaml";
import type { ConfigProblem } from "./problems";
import { aliasTargets } from "./yaml-limits";

/** How the YAML library marks a merge key (`<<`) once it has recognised one. */
const isMergeKey = (key: unknown) => isScalar(key) && typeof key.value === "symbol" && key.value.description === "<<";

/**
 * Merge keys (`<<: *base`) whose value is not a mapping, an alias of one, or a list of those: YAML
 * can merge only mappings, and the library would stop with an error about its own internals.
 */
export function mergeKeyProblems(document: Document, lineCounter: LineCounter, text: string): ConfigProblem[] {
  const targets = aliasTargets(document);
  const isMapping = (node: unknown) => isMap(node) || (isAlias(node) && isMap(targets.get(node)));
  const problems: ConfigProblem[] = [];
  visit(document, {
    Pair: (_key, pair) => {
      if (!isMergeKey(pair.key)) return;
      const sources = isSeq(pair.value) ? pair.value.items : [pair.value];
      if (sources.length && sources.every(isMapping)) return;
      const [start, end] = ((pair.value ?? pair.key) as Node).range ?? [0, 0];
      problems.push({
        path: `line ${lineCounter.linePos(start).line}`,
        value: text.slice(start, end),
        message:
          'is merged with <<, but YAML merges only mappings: merge a mapping or an alias of one (<<: *base), or quote the key ("<<") if it is a name',
      });
    },
  });
  return problems;
}

import { Alias, Document, LineCounter, Node, Parser, isAlias, isMap, isPair, isScalar, isSeq, visit } from "yaml";
import type { ConfigProblem } from "./problems";

/**
 * Limits on the YAML of a config file, checked before its data is built: a mesh config nests
 * about ten levels deep (Helm overrides included) and uses a handful of aliases, if any.
 */
export const MAX_NESTING_DEPTH = 64;
/** Aliases (`*name`) in one file. */
export const MAX_ALIASES = 200;
/** Values (scalars, mappings, lists) that expanding the aliases may add to the file's own. */
export const MAX_EXPANDED_VALUES = 10000;

/** A collection token of the parser's concrete syntax tree, the parts the depth check reads. */
interface CstNode {
  readonly type?: string;
  readonly offset?: number;
  readonly value?: CstNode;
  readonly items?: readonly { readonly key?: CstNode | null; readonly value?: CstNode | null }[];
}

const COLLECTIONS = new Set(["block-map", "block-seq", "flow-collection"]);

/**
 * Where the text first nests deeper than MAX_NESTING_DEPTH, as an offset, or undefined. Runs on
 * the parser's syntax tree with an explicit stack: building the document itself recurses once per
 * level and overflows the call stack near a thousand levels. Deep flow brackets are found by a
 * quick scan first and confirmed on the text up to there, since the parser takes seconds for a
 * file of a hundred thousand brackets.
 */
export function tooDeepAt(text: string): number | undefined {
  const flowDeep = flowTooDeepAt(text);
  const confirmed = flowDeep === undefined ? undefined : syntaxTreeTooDeepAt(text.slice(0, flowDeep + 1));
  return confirmed ?? syntaxTreeTooDeepAt(text);
}

/**
 * Where `[` and `{` outside quotes and comments first nest deeper than the limit. Approximate (a
 * bracket inside a plain scalar counts too), so its answer is only a place to look.
 */
function flowTooDeepAt(text: string): number | undefined {
  let depth = 0;
  let quote = "";
  for (let index = 0; index < text.length; index++) {
    const char = text[index];
    if (quote) {
      if (char === "\\" && quote === '"') index++;
      else if (char === quote) quote = "";
    } else if (char === '"' || char === "'") quote = char;
    else if (char === "#" && (index === 0 || /\s/.test(text[index - 1]))) {
      const end = text.indexOf("\n", index);
      index = end < 0 ? text.length : end;
    } else if (char === "[" || char === "{") {
      if (++depth > MAX_NESTING_DEPTH) return index;
    } else if ((char === "]" || char === "}") && depth > 0) depth--;
  }
  return undefined;
}

function syntaxTreeTooDeepAt(text: string): number | undefined {
  const stack: { node: CstNode; depth: number }[] = [];
  for (const token of new Parser().parse(text)) stack.push({ node: token as CstNode, depth: 0 });
  while (stack.length) {
    const { node, depth: parentDepth } = stack.pop()!;
    const depth = parentDepth + (COLLECTIONS.has(node.type ?? "") ? 1 : 0);
    if (depth > MAX_NESTING_DEPTH) return node.offset ?? 0;
    if (node.value && typeof node.value === "object") stack.push({ node: node.value, depth });
    for (const item of node.items ?? []) {
      if (item.key && typeof item.key === "object") stack.push({ node: item.key, depth });
      if (item.value && typeof item.value === "object") stack.push({ node: item.value, depth });
    }
  }
  return undefined;
}

/**
 * Problems with the document's aliases: unresolved ones, aliases inside their own anchor (which
 * would make the data infinite), more than MAX_ALIASES, or an expansion past MAX_EXPANDED_VALUES.
 * The document must already be within MAX_NESTING_DEPTH; `targets` are its aliasTargets.
 */
export function aliasProblems(
  document: Document,
  lineCounter: LineCounter,
  targets: ReadonlyMap<Alias, Node | undefined>,
): ConfigProblem[] {
  const at = (node: Node) => `line ${lineCounter.linePos(node.range?.[0] ?? 0).line}`;
  const problems: ConfigProblem[] = [];
  const sizes = new Map<Node, number>();
  const expanding = new Set<Node>();
  let aliases = 0;
  let added = 0;

  const sizeOf = (node: unknown): number => {
    if (isPair(node)) return sizeOf(node.key) + sizeOf(node.value);
    if (!node || typeof node !== "object") return 0;
    if (isAlias(node)) {
      if (++aliases > MAX_ALIASES) return 1;
      const target = targets.get(node);
      if (!target) {
        problems.push({
          path: at(node),
          value: `*${node.source}`,
          message: `refers to no anchor: define &${node.source} before this line, or write the value out`,
        });
        return 1;
      }
      if (expanding.has(target)) {
        problems.push({
          path: at(node),
          value: `*${node.source}`,
          message: `is inside the value anchored as &${node.source}, so it would repeat forever: write the value out instead`,
        });
        return 1;
      }
      const size = sizeOf(target);
      added += size;
      return size;
    }
    const known = sizes.get(node as Node);
    if (known !== undefined) return known;
    expanding.add(node as Node);
    let size = 1;
    if (isMap(node) || isSeq(node)) for (const item of node.items) size += sizeOf(item);
    else if (!isScalar(node)) size = 0;
    expanding.delete(node as Node);
    sizes.set(node as Node, size);
    return size;
  };

  sizeOf(document.contents);
  if (aliases > MAX_ALIASES) {
    problems.push({
      path: "",
      message: `uses more aliases (*name) than the limit of ${MAX_ALIASES}: write the repeated values out`,
    });
  } else if (added > MAX_EXPANDED_VALUES) {
    problems.push({
      path: "",
      message: `expands its aliases (*name) to ${added} more values, over the limit of ${MAX_EXPANDED_VALUES}: use fewer aliases, or aliases of smaller values`,
    });
  }
  return problems;
}

/**
 * What each alias refers to: the last node anchored with its name before it, as YAML defines it
 * (the library's own resolve() walks the whole document once per alias).
 */
export function aliasTargets(document: Document): Map<Alias, Node | undefined> {
  const anchored = new Map<string, Node>();
  const targets = new Map<Alias, Node | undefined>();
  visit(document, {
    Node: (_key, node) => {
      if (isAlias(node)) targets.set(node, anchored.get(node.source));
      else if (node.anchor) anchored.set(node.anchor, node);
    },
  });
  return targets;
}

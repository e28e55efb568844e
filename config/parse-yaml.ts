import { ErrorCode, LineCounter, YAMLError, parseDocument } from "yaml";
import { ConfigError } from "./problems";
import { MAX_EXPANDED_VALUES, MAX_NESTING_DEPTH, aliasProblems, aliasTargets, tooDeepAt } from "./yaml-limits";
import { keyProblems } from "./yaml-keys";

/** How to fix each kind of YAML syntax error; the parser's own message says what is wrong. */
const YAML_FIXES: Partial<Record<ErrorCode, string>> = {
  DUPLICATE_KEY: "remove or merge the repeated key",
  TAB_AS_INDENT: "indent with spaces, not tabs",
  BAD_INDENT: "indent the line like its siblings (spaces only)",
  MULTIPLE_DOCS: "keep one document: remove the '---' separator and what follows",
  BLOCK_AS_IMPLICIT_KEY: "check the indentation and the ': ' after each key",
  MULTILINE_IMPLICIT_KEY: "put the key and ':' on one line, or close the open quote",
  UNEXPECTED_TOKEN: "check the indentation and the ': ' after each key",
};

/** What is wrong, where the parser's own words would be advice about its API or its internals. */
const YAML_MESSAGES: Partial<Record<ErrorCode, string>> = {
  MULTIPLE_DOCS: "the file holds more than one YAML document",
  RESOURCE_EXHAUSTION: `it nests deeper than the limit of ${MAX_NESTING_DEPTH} levels or expands past ${MAX_EXPANDED_VALUES} values`,
};

/**
 * The data of a one-document YAML config. YAML 1.1 merge keys (`<<: *base`) are supported;
 * nesting depth and alias expansion are limited (yaml-limits.ts), and every problem is a
 * ConfigError naming its line.
 */
export function parseYaml(text: string, source: string): unknown {
  const lineCounter = new LineCounter();
  const deep = tooDeepAt(text);
  if (deep !== undefined) {
    const line = text.slice(0, deep).split("\n").length;
    throw new ConfigError(source, [
      {
        path: `line ${line}`,
        message: `nests more than ${MAX_NESTING_DEPTH} levels deep, the limit for a mesh config: flatten the data (a mesh config needs about ten levels)`,
      },
    ]);
  }
  const document = parseDocument(text, { uniqueKeys: true, prettyErrors: false, lineCounter, merge: true });
  if (document.errors.length) throw new ConfigError(source, syntaxProblems(document.errors, text, lineCounter));
  // One walk finds what every alias refers to, for both checks.
  const targets = aliasTargets(document);
  const aliases = aliasProblems(document, lineCounter, targets);
  if (aliases.length) throw new ConfigError(source, aliases);
  const keys = keyProblems(document, lineCounter, text, targets);
  if (keys.length) throw new ConfigError(source, keys);
  const data = document.toJS({ maxAliasCount: MAX_EXPANDED_VALUES });
  if (data === null || data === undefined) {
    throw new ConfigError(source, [{ path: "", message: "holds no settings: start from examples/two-clusters.yaml" }]);
  }
  return data;
}

function syntaxProblems(errors: readonly YAMLError[], text: string, lineCounter: LineCounter) {
  const lines = text.split("\n");
  return firstErrorPerLine(errors, lineCounter).map((error) => {
    const { line, col } = lineCounter.linePos(error.pos[0]);
    const fix =
      YAML_FIXES[error.code] ??
      "fix the syntax there (spaces for indents, ': ' after keys, closed quotes and brackets)";
    const what = YAML_MESSAGES[error.code] ?? error.message.split("\n")[0];
    return {
      path: `line ${line}, column ${col}`,
      value: lines[line - 1]?.trim() || undefined,
      message: `is not valid YAML: ${what}: ${fix}`,
    };
  });
}

/** One error per line: after the first, the parser's errors on the same line are echoes of it. */
function firstErrorPerLine<T extends { pos: [number, number] }>(errors: readonly T[], lineCounter: LineCounter): T[] {
  const seen = new Set<number>();
  return errors.filter((error) => {
    const { line } = lineCounter.linePos(error.pos[0]);
    if (seen.has(line)) return false;
    seen.add(line);
    return true;
  });
}

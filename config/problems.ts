/** One thing wrong with the mesh config: where, what value, and what to do about it. */
export interface ConfigProblem {
  /** Field path such as `clusters[1].vpcCidr`; empty for the file as a whole. */
  readonly path: string;
  /** The offending value, when there is one. */
  readonly value?: unknown;
  /** What is wrong and how to fix it, phrased to follow the path and value. */
  readonly message: string;
}

/** Raised before any construct exists, so nothing is synthesized from a bad config. */
export class ConfigError extends Error {
  constructor(
    readonly source: string,
    readonly problems: readonly ConfigProblem[],
  ) {
    super(`${source} is not valid:\n${problems.map((problem) => `  ${formatProblem(problem)}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

export function formatProblem(problem: ConfigProblem): string {
  const subject = problem.path || "the file";
  if (problem.value === undefined) return `${subject} ${problem.message}`;
  return `${subject} ${JSON.stringify(problem.value)} ${problem.message}`;
}

/** Renders a zod-style path as `clusters[1].nodes.minSize`. */
export function formatPath(path: readonly PropertyKey[]): string {
  return path
    .map((segment, index) => (typeof segment === "number" ? `[${segment}]` : `${index ? "." : ""}${String(segment)}`))
    .join("");
}

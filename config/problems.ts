/** One thing wrong with the mesh config: where, what value, and what to do about it. */
export interface ConfigProblem {
  /** Field path such as `clusters[1].vpcCidr`; empty for the file as a whole. */
  readonly path: string;
  /** The offending value, when there is one. */
  readonly value?: unknown;
  /** What is wrong and how to fix it, phrased to follow the path and value. */
  readonly message: string;
}

/** Problems listed in one message; the rest are counted ("and 950 more"), so a runaway file stays readable. */
export const MAX_LISTED_PROBLEMS = 50;
/** Characters of a path or value echoed in a message before it is cut. */
export const MAX_ECHOED_CHARACTERS = 120;

/** Raised before any construct exists, so nothing is synthesized from a bad config. */
export class ConfigError extends Error {
  constructor(
    readonly source: string,
    readonly problems: readonly ConfigProblem[],
  ) {
    const listed = problems.slice(0, MAX_LISTED_PROBLEMS).map((problem) => `  ${formatProblem(problem)}`);
    const more = problems.length - listed.length;
    const rest =
      more > 0 ? [`  and ${more} more problem${more === 1 ? "" : "s"}: fix the ones above and run again`] : [];
    super(`${source} is not valid:\n${[...listed, ...rest].join("\n")}`);
    this.name = "ConfigError";
  }
}

export function formatProblem(problem: ConfigProblem): string {
  const subject = problem.path ? truncate(problem.path) : "the file";
  if (problem.value === undefined) return `${subject} ${problem.message}`;
  return `${subject} ${truncate(JSON.stringify(problem.value) ?? String(problem.value))} ${problem.message}`;
}

/** A long path or value, cut with its full length said, so a message stays one readable line. */
export function truncate(text: string): string {
  if (text.length <= MAX_ECHOED_CHARACTERS) return text;
  return `${text.slice(0, MAX_ECHOED_CHARACTERS)}... (${text.length} characters)`;
}

/** Renders a zod-style path as `clusters[1].nodes.minSize`. */
export function formatPath(path: readonly PropertyKey[]): string {
  return path
    .map((segment, index) => (typeof segment === "number" ? `[${segment}]` : `${index ? "." : ""}${String(segment)}`))
    .join("");
}

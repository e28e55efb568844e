import { ConfigError, formatProblem, truncate } from "../../config/problems";

/** A config as a test edits it before validation. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Config = Record<string, any>;

/** A valid two-cluster config; a test breaks one thing in a fresh copy. */
export const validConfig = (): Config => ({
  meshId: "mesh1",
  apiAllowedCidrs: ["198.51.100.0/24"],
  clusters: [
    { name: "cluster1", region: "us-west-2", vpcCidr: "10.10.0.0/16" },
    { name: "cluster2", region: "us-east-2", vpcCidr: "10.20.0.0/16" },
  ],
});

/** Runs `validate` and returns the ConfigError it throws, failing the test when it accepts the input. */
export function configErrorOf(validate: () => unknown): ConfigError {
  try {
    validate();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error("the config was accepted");
}

/** The problems `validate` reports, one line each as the user sees them. */
export function problemLinesOf(validate: () => unknown): string[] {
  return configErrorOf(validate).problems.map(formatProblem);
}

/**
 * One bad input: the problem line must start with the field path and the quoted value (cut as
 * messages cut long values), and give
 * the fix; no line may be a library's words.
 */
export interface BadInput {
  readonly name: string;
  /** Field path (or "the file", or "line N") the line starts with. */
  readonly path: string;
  /** The offending value as the line quotes it; omitted when the line quotes none. */
  readonly value?: unknown;
  /** A fragment of what is wrong and the fix. */
  readonly fix: string;
}

/** The line of `lines` about `bad`, asserted to name its path, value and fix. */
export function expectProblem(lines: readonly string[], bad: BadInput): void {
  const subject = bad.value === undefined ? `${bad.path} ` : `${bad.path} ${truncate(JSON.stringify(bad.value))} `;
  const line = lines.find((candidate) => candidate.startsWith(subject) && candidate.includes(bad.fix));
  expect({ lines, found: line !== undefined }).toEqual({ lines, found: true });
}

/** A bad input made by editing the valid config. */
export type BadEdit = BadInput & { readonly edit: (config: Config) => void };

/** One test per edit: the validator's problem lines name its field, value and fix. */
export function itNamesEachProblem(bad: readonly BadEdit[], validate: (config: Config) => unknown): void {
  it.each(bad.map((input) => [input.name, input] as const))(
    "%s: names the field, the value and the fix",
    (_name, input) => {
      const config = validConfig();
      input.edit(config);
      expectProblem(
        problemLinesOf(() => validate(config)),
        input,
      );
    },
  );
}

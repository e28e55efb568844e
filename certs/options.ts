import { ROOT_ROTATION_STAGES, RootRotationStage } from "./root-rotation-stage";

/** What `npm run certs` was asked to do. */
export type CertsAction =
  | { readonly kind: "ensure" }
  | { readonly kind: "rotate-intermediate"; readonly clusterName: string }
  | { readonly kind: "rotate-root"; readonly stage: RootRotationStage };

export const CERTS_USAGE = `usage: npm run certs [-- --rotate-intermediate <cluster> | --rotate-root <${ROOT_ROTATION_STAGES.join("|")}>]`;

/** Thrown for arguments the CLI cannot run; the message names the argument and the fix. */
export class CertsUsageError extends Error {}

const usageError = (message: string) => new CertsUsageError(`npm run certs: ${message}\n${CERTS_USAGE}`);

/** A rotation of an intermediate must name a cluster of the config: checked before anything is read. */
export function checkActionAgainstConfig(action: CertsAction, clusterNames: readonly string[]): void {
  if (action.kind === "rotate-intermediate" && !clusterNames.includes(action.clusterName)) {
    throw usageError(
      `--rotate-intermediate ${action.clusterName} names no cluster of the config: use one of ${clusterNames.join(", ")}`,
    );
  }
}

/**
 * The command line of `npm run certs`: nothing (create what is missing), or one rotation.
 * `--option value` and `--option=value` both work.
 */
export function parseCertsArguments(argv: readonly string[]): CertsAction {
  const args = argv.flatMap((arg) =>
    /^--[\w-]+=/.test(arg) ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)] : [arg],
  );
  if (!args.length) return { kind: "ensure" };
  const [option, value, ...rest] = args;
  if (option !== "--rotate-intermediate" && option !== "--rotate-root") throw usageError(`unknown option "${option}"`);
  if (value === undefined || value.startsWith("--")) {
    throw usageError(`${option} needs ${option === "--rotate-root" ? "a stage" : "the name of a cluster"}`);
  }
  if (rest.length) throw usageError(`one rotation at a time: remove "${rest.join(" ")}"`);
  if (option === "--rotate-intermediate") return { kind: "rotate-intermediate", clusterName: value };
  if (!ROOT_ROTATION_STAGES.includes(value as RootRotationStage)) {
    throw usageError(
      `--rotate-root "${value}" is not a stage: use ${ROOT_ROTATION_STAGES.join(", then ")}, in that order`,
    );
  }
  return { kind: "rotate-root", stage: value as RootRotationStage };
}

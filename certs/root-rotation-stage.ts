import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { ROOT_ROTATION_FILE } from "../constructs/names";
import { replaceFiles } from "./replace-files";
import { CERTIFICATE_MODE } from "./staging";

/**
 * The three stages of a root rotation, in the order they must run. Between two stages every
 * cluster is deployed, istiod restarted and `npm run verify` run, so every workload trusts what
 * its peers present before anything presents it.
 */
export const ROOT_ROTATION_STAGES = ["trust", "reissue", "retire"] as const;
export type RootRotationStage = (typeof ROOT_ROTATION_STAGES)[number];

/** What each stage leaves in the CA directory, in the words of the CLI and the README. */
export const ROOT_ROTATION_STAGE_TITLES: Readonly<Record<RootRotationStage, string>> = {
  trust: "stage 1: every cluster trusts the current and the new root; the current root still signs",
  reissue: "stage 2: every intermediate is re-issued under the new root; both roots are still trusted",
  retire: "stage 3: the old root is retired; only the new root is trusted",
};

/** The record of root-rotation.json: the last stage run, and the two roots by SHA-256 fingerprint. */
export interface RootRotationRecord {
  readonly stage: RootRotationStage;
  /** The root being replaced. */
  readonly previousRoot: string;
  /** The root replacing it. */
  readonly nextRoot: string;
  /** When the stage ran (ISO 8601). */
  readonly updated: string;
}

/** The command that runs a stage, as messages show it. */
export function stageCommand(stage: RootRotationStage): string {
  return `npm run certs -- --rotate-root ${stage}`;
}

export function rootRotationFile(caDirectory: string): string {
  return path.join(caDirectory, ROOT_ROTATION_FILE);
}

/** The recorded rotation, or undefined when none was ever run. Throws (with the fix) on a damaged record. */
export function readRootRotation(caDirectory: string, shown: string): RootRotationRecord | undefined {
  const file = rootRotationFile(caDirectory);
  if (!existsSync(file)) return undefined;
  let record: Partial<RootRotationRecord>;
  try {
    record = JSON.parse(readFileSync(file, "utf8")) as Partial<RootRotationRecord>;
  } catch (error) {
    throw new Error(
      `${shown} is not JSON (${(error as Error).message}): restore it from your backup of the CA directory`,
    );
  }
  if (!ROOT_ROTATION_STAGES.includes(record.stage as RootRotationStage) || !record.previousRoot || !record.nextRoot) {
    throw new Error(
      `${shown} does not record a stage (${ROOT_ROTATION_STAGES.join(", ")}) with previousRoot and nextRoot: restore it from your backup of the CA directory`,
    );
  }
  return record as RootRotationRecord;
}

export function writeRootRotation(caDirectory: string, record: RootRotationRecord): void {
  replaceFiles([
    { file: rootRotationFile(caDirectory), contents: `${JSON.stringify(record, null, 2)}\n`, mode: CERTIFICATE_MODE },
  ]);
}

/**
 * Why `requested` may not run after `recorded`, with the command to run instead; undefined when
 * it may. A rotation starts with `trust` (with no record, or after a finished one) and every
 * stage follows the one before it: a stage is never skipped, and never run twice.
 */
export function stageOrderProblem(
  requested: RootRotationStage,
  recorded: RootRotationStage | undefined,
): string | undefined {
  const recordedIndex =
    recorded === undefined ? ROOT_ROTATION_STAGES.length - 1 : ROOT_ROTATION_STAGES.indexOf(recorded);
  const expected = ROOT_ROTATION_STAGES[(recordedIndex + 1) % ROOT_ROTATION_STAGES.length];
  if (requested === expected) return undefined;
  const where =
    recorded === undefined || recorded === "retire"
      ? "no root rotation is in progress"
      : `the root rotation is at ${ROOT_ROTATION_STAGE_TITLES[recorded]}`;
  return `--rotate-root ${requested} cannot run: ${where}, so the next stage is ${expected} (stages run in order, each once); deploy every cluster, run \`npm run verify\`, then \`${stageCommand(expected)}\``;
}

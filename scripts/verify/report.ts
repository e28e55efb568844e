import { CHECKS, CheckResult } from "./checks";

const CHECK_WIDTH = Math.max(...CHECKS.map((check) => check.length));
/** Mesh-wide checks print this in the cluster column. */
export const MESH_COLUMN = "(mesh)";

/**
 * One result as printed: `STATUS  check  cluster  reason`, and on FAIL or SKIP an indented hint
 * line. Fixed columns keep the output readable and easy to grep.
 */
export function formatResult(result: CheckResult, clusterWidth: number): string {
  const line = `${result.status}  ${result.check.padEnd(CHECK_WIDTH)}  ${(result.cluster ?? MESH_COLUMN).padEnd(clusterWidth)}  ${result.reason}`;
  return result.hint && result.status !== "PASS" ? `${line}\n      hint: ${result.hint}` : line;
}

export function clusterColumnWidth(clusterNames: readonly string[]): number {
  return Math.max(MESH_COLUMN.length, ...clusterNames.map((name) => name.length));
}

export function formatSummary(results: readonly CheckResult[], exitCode: number): string {
  const count = (status: CheckResult["status"]) => results.filter((result) => result.status === status).length;
  const verdict = exitCode === 0 ? "the mesh works" : "the mesh is not verified";
  return `${count("PASS")} passed, ${count("FAIL")} failed, ${count("SKIP")} skipped: ${verdict} (exit ${exitCode})`;
}

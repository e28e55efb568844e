import { CHECKS } from "./checks";
import type { CheckResult, CheckStatus } from "./checks/outcome";

const CHECK_WIDTH = Math.max(...CHECKS.map((check) => check.name.length));
const STATUS_WIDTH = 4;
/** Mesh-wide checks print this in the cluster column. */
export const MESH_COLUMN = "(mesh)";

/**
 * One result as printed: `STATUS  check  cluster  reason`, and unless it passed an indented hint
 * line. Fixed columns keep the output readable and easy to grep.
 */
export function formatResult(result: CheckResult, clusterWidth: number): string {
  const line = `${result.status.padEnd(STATUS_WIDTH)}  ${result.check.padEnd(CHECK_WIDTH)}  ${(result.cluster ?? MESH_COLUMN).padEnd(clusterWidth)}  ${result.reason}`;
  return result.hint && result.status !== "PASS" ? `${line}\n      hint: ${result.hint}` : line;
}

/**
 * The checks skipped because of one failure (a cluster not reached), as one line per cluster
 * instead of one per check: the failure above says what to fix. main prints these in place of the
 * results they fold (those with `blockedBy`).
 */
export function formatBlocked(results: readonly CheckResult[], clusterWidth: number): string[] {
  const blocked = new Map<string, CheckResult[]>();
  for (const result of results) {
    if (result.blockedBy && result.cluster !== undefined)
      blocked.set(result.cluster, [...(blocked.get(result.cluster) ?? []), result]);
  }
  return [...blocked].map(([cluster, skipped]) => {
    const column = `${skipped.length} check${skipped.length > 1 ? "s" : ""}`;
    const checks = skipped.map((result) => result.check).join(", ");
    return `${"SKIP".padEnd(STATUS_WIDTH)}  ${column.padEnd(CHECK_WIDTH)}  ${cluster.padEnd(clusterWidth)}  ${skipped[0].reason} (${checks})`;
  });
}

export function clusterColumnWidth(clusterNames: readonly string[]): number {
  return Math.max(MESH_COLUMN.length, ...clusterNames.map((name) => name.length));
}

/**
 * The last line: counts, verdict and exit code. Checks that do not apply to the config are
 * counted apart and named with why, so an exit 0 never hides what was not tested.
 */
export function formatSummary(results: readonly CheckResult[], exitCode: number): string {
  const count = (status: CheckStatus) => results.filter((result) => result.status === status).length;
  const verdict = exitCode === 0 ? "the mesh works" : "the mesh is not verified";
  const notApplicable = results.filter((result) => result.status === "N/A");
  const untested = [...new Set(notApplicable.map((result) => `${result.check} (${result.reason})`))];
  return [
    `${count("PASS")} passed, ${count("FAIL")} failed, ${count("SKIP")} skipped`,
    notApplicable.length ? `, ${notApplicable.length} not applicable` : "",
    `: ${verdict}`,
    untested.length ? `; not tested: ${untested.join(", ")}` : "",
    ` (exit ${exitCode})`,
  ].join("");
}

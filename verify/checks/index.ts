import type { ClusterClient } from "../cluster-client";
import type { Check, CheckContext, ClusterCheck, ClusterConnection, MeshUnderTest, VerifyOptions } from "./check";
import { eastWestGateway } from "./east-west-gw";
import { requestFailure } from "./helpers";
import { istiod } from "./istiod";
import { CheckResult, Outcome, OutcomeWith, skip } from "./outcome";
import { proxies } from "./proxies";
import { reachable } from "./reachable";
import { remoteSecrets } from "./remote-secrets";
import { remoteSync } from "./remote-sync";
import { revisions } from "./revisions";
import { rootCert } from "./root-cert";
import { sharedRoot } from "./shared-root";
import { traffic } from "./traffic";

/** The checks, in the order they run and print. A new check is one file here and one line in this list. */
export const CHECKS: readonly Check[] = [
  reachable,
  rootCert,
  sharedRoot,
  istiod,
  revisions,
  remoteSecrets,
  remoteSync,
  eastWestGateway,
  proxies,
  traffic,
];

/**
 * Runs every check against the mesh and returns the results in print order; `onResult` sees each
 * group as soon as it is done. Never throws for anything a cluster does or lacks: every failure
 * becomes a FAIL (or a SKIP for checks that need what failed) with its reason and a hint.
 */
export async function runChecks(
  mesh: MeshUnderTest,
  connections: ReadonlyMap<string, ClusterConnection>,
  options: VerifyOptions = {},
  onResult: (result: CheckResult) => void = () => undefined,
  checks: readonly Check[] = CHECKS,
): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  const emit = (check: string, cluster: string | undefined, outcome: Outcome) => {
    const result: CheckResult = { check, ...(cluster === undefined ? {} : { cluster }), ...outcome };
    results.push(result);
    onResult(result);
  };
  const clients = new Map<string, ClusterClient>();
  const values = new Map<Check, Map<string, unknown>>();
  const context: CheckContext = {
    mesh,
    options,
    clients,
    valuesOf: <T>(check: ClusterCheck<T>) => (values.get(check) ?? new Map()) as ReadonlyMap<string, T>,
  };

  /** Emits one outcome per cluster in config order, and keeps the values the check returned. */
  const record = (check: Check, outcomes: readonly OutcomeWith<unknown>[]) => {
    const kept = new Map<string, unknown>();
    mesh.clusters.forEach((cluster, index) => {
      const { value, ...outcome } = outcomes[index];
      if (value !== undefined) kept.set(cluster.name, value);
      emit(check.name, cluster.name, outcome);
    });
    values.set(check, kept);
    return kept;
  };

  for (const check of checks) {
    if (check.kind === "mesh") {
      emit(check.name, undefined, check.run(context));
    } else if (check.kind === "connection") {
      const outcomes = await Promise.all(
        mesh.clusters.map((cluster) => check.run(cluster, connections.get(cluster.name))),
      );
      for (const [name, client] of record(check, outcomes)) clients.set(name, client as ClusterClient);
    } else {
      const notApplicable = check.notApplicable?.(mesh);
      if (notApplicable) {
        for (const cluster of mesh.clusters) emit(check.name, cluster.name, notApplicable);
        continue;
      }
      record(check, await runOnClusters(check, context));
    }
  }
  return results;
}

/** Runs one check on every cluster in parallel; unreachable clusters are skipped, errors become FAILs. */
async function runOnClusters(check: ClusterCheck, context: CheckContext): Promise<OutcomeWith<unknown>[]> {
  const prepared = await check.prepare?.(context);
  return Promise.all(
    context.mesh.clusters.map(async (cluster) => {
      const client = context.clients.get(cluster.name);
      if (!client)
        return {
          ...skip(`not checked: ${cluster.name} is not reachable`, "fix the reachability failure above first"),
          blockedBy: reachable.name,
        };
      try {
        return await check.run(cluster, client, context, prepared);
      } catch (error) {
        return requestFailure(error, cluster, client);
      }
    }),
  );
}

/** Exit code of `npm run verify`: 0 only when every applicable check passed (and at least one did). */
export function exitCodeOf(results: readonly CheckResult[]): number {
  const applicable = results.filter((result) => result.status !== "N/A");
  return applicable.length > 0 && applicable.every((result) => result.status === "PASS") ? 0 : 1;
}

import { ISTIO_SYSTEM_NAMESPACE, remoteSecretName } from "../../constructs/names";
import {
  CLUSTERZ_COMMAND,
  ISTIOD_CONTAINER,
  ISTIOD_DEPLOYMENT,
  ISTIOD_MONITORING_PORT,
  ISTIOD_POD_SELECTOR,
  SYNCED,
} from "../chart-names";
import type { ClusterClient } from "../cluster-client";
import type { ClusterCheck } from "./check";
import { kubectl, oneLine, otherClusters, parseQuietly, readPath } from "./helpers";
import { fail, pass } from "./outcome";
import { remoteSecrets } from "./remote-secrets";

/** How long the clusterz exec may take: a loopback request, answered from memory. */
export const CLUSTERZ_TIMEOUT_MS = 30_000;

/** One entry of istiod's /debug/clusterz (pkg/cluster DebugInfo in Istio 1.31). */
export interface ClusterzEntry {
  readonly id: string;
  /** namespace/name of the remote secret the cluster came from; empty for istiod's own cluster. */
  readonly secretName: string;
  /** synced, syncing, timeout or closed (pkg/kube/multicluster SyncStatus*). */
  readonly syncStatus: string;
}

/** What a remote cluster's state in istiod means, for the reason line. */
const SYNC_STATE: Readonly<Record<string, string>> = {
  syncing: "syncing: istiod has not finished reading it",
  timeout: "timeout: istiod could not read it within PILOT_REMOTE_CLUSTER_TIMEOUT, 30s by default",
  closed: "closed: istiod stopped reading it",
};

/**
 * Asks every running istiod replica which clusters it reads (CLUSTERZ_COMMAND) and passes when
 * each replica has synced every other cluster of the config. This is what the remote secrets are
 * for: a secret of the right shape with a bad token, or pointing at an API endpoint that does not
 * admit this cluster's NAT addresses, leaves its cluster at syncing, then timeout.
 */
export const remoteSync: ClusterCheck = {
  kind: "cluster",
  name: "remote-sync",
  async run(cluster, client, { mesh, valuesOf }) {
    const usableSecrets = valuesOf(remoteSecrets).get(cluster.name);
    const others = otherClusters(mesh, cluster);
    if (!others.length) return pass("a single cluster has no remote cluster to sync");
    const pods = (await client.listPods(ISTIO_SYSTEM_NAMESPACE, ISTIOD_POD_SELECTOR))
      .filter((pod) => pod.status?.phase === "Running")
      .flatMap((pod) => pod.metadata?.name ?? []);
    if (!pods.length) {
      return fail(
        `no running istiod pod (label ${ISTIOD_POD_SELECTOR}) in ${ISTIO_SYSTEM_NAMESPACE} to ask`,
        "fix the istiod check above first",
      );
    }

    // Each replica reads the remote clusters on its own, and a proxy gets its endpoints from one of them.
    const views = await Promise.all(pods.map(async (pod) => ({ pod, view: await readClusterz(client, pod) })));
    const unreadable = views.flatMap(({ pod, view }) => ("problem" in view ? [`${pod} ${view.problem}`] : []));
    if (unreadable.length) {
      return fail(
        unreadable.join("; "),
        `istiod serves /debug/clusterz on 127.0.0.1:${ISTIOD_MONITORING_PORT} unless ENABLE_DEBUG_ON_HTTP=false; try: ${kubectl(cluster)} -n ${ISTIO_SYSTEM_NAMESPACE} exec ${pods[0]} -c ${ISTIOD_CONTAINER} -- ${CLUSTERZ_COMMAND.join(" ")}`,
      );
    }

    /** Per replica: the other clusters it has not synced, and their state (undefined: not in its list). */
    const lagging = views.map(({ pod, view }) => {
      const entries = "entries" in view ? view.entries : [];
      const behind = others.flatMap((other) => {
        const state = entries.find((entry) => entry.id === other.name)?.syncStatus;
        return state === SYNCED ? [] : [{ name: other.name, state }];
      });
      return { pod, behind };
    });
    const described = new Map<string, string[]>();
    for (const { pod, behind } of lagging) {
      if (!behind.length) continue;
      const text = behind
        .map(({ name, state }) =>
          state === undefined
            ? `${name} (not in its list: no remote secret for it loaded)`
            : `${name} (${SYNC_STATE[state] ?? `syncStatus ${JSON.stringify(state)}`})`,
        )
        .join(", ");
      described.set(text, [...(described.get(text) ?? []), pod]);
    }
    const names = others.map((other) => other.name).join(", ");
    const replicas = `${pods.length} istiod replica${pods.length > 1 ? "s" : ""}`;
    if (!described.size) return pass(`${replicas} synced ${names}`);

    const reason = [...described]
      .map(([text, replicaPods]) => {
        const who =
          pods.length === 1
            ? "istiod"
            : replicaPods.length === pods.length
              ? `all ${replicas}`
              : replicaPods.join(", ");
        return `${who} ${replicaPods.length > 1 ? "have" : "has"} not synced ${text}`;
      })
      .join("; ");
    const behind = lagging.flatMap((replica) => replica.behind);
    if (behind.every(({ name }) => !usableSecrets?.has(name)))
      return fail(
        reason,
        "fix the remote-secrets failure above first: istiod reads a cluster through its remote secret",
      );
    // istiod names the cluster when it gives up on one; client-go's errors (401, dial timeouts) do not.
    const logs = (pattern: string) =>
      `${kubectl(cluster)} -n ${ISTIO_SYSTEM_NAMESPACE} logs deployment/${ISTIOD_DEPLOYMENT} | grep -iE "${pattern}"`;
    const unreached = behind.find(({ name, state }) => state !== undefined && usableSecrets?.has(name));
    if (!unreached) {
      const [{ name }] = behind;
      return fail(
        reason,
        `istiod drops a remote secret whose kubeconfig it cannot build a client from, or has not seen it yet: re-run in a minute, and see its log: ${logs(name)}`,
      );
    }
    const remote = unreached.name;
    return fail(
      reason,
      `istiod in ${cluster.name} cannot read ${remote}'s API: check the token in ${remoteSecretName(remote)} (re-apply ${remote}-platform, then ${cluster.name}-mesh-links) and that ${remote}'s API endpoint admits ${cluster.name}'s NAT addresses (its public_access_cidrs, every cluster's NAT addresses plus apiAllowedCidrs: re-apply ${remote}-eks); istiod logs the cause: ${logs(`${remote}|unauthorized|timeout`)}`,
    );
  },
};

/** One istiod replica's /debug/clusterz, or what is wrong with its answer. */
async function readClusterz(
  client: ClusterClient,
  pod: string,
): Promise<{ entries: readonly ClusterzEntry[] } | { problem: string }> {
  const result = await client.exec({
    namespace: ISTIO_SYSTEM_NAMESPACE,
    pod,
    container: ISTIOD_CONTAINER,
    command: CLUSTERZ_COMMAND,
    timeoutMs: CLUSTERZ_TIMEOUT_MS,
  });
  if (result.exitCode !== undefined && result.exitCode !== 0) {
    const error = result.stderr.split("\n").find((line) => line.trim());
    return { problem: `could not ask /debug/clusterz (exit ${result.exitCode})${error ? `: ${oneLine(error)}` : ""}` };
  }
  const answer = parseQuietly(result.stdout, JSON.parse);
  const valid =
    Array.isArray(answer) &&
    answer.every(
      (entry) => typeof readPath(entry, ["id"]) === "string" && typeof readPath(entry, ["syncStatus"]) === "string",
    );
  if (!valid) {
    const text = oneLine(result.stdout) || oneLine(result.stderr);
    return {
      problem: `answered /debug/clusterz with ${text ? JSON.stringify(text.slice(0, 80)) : "nothing"}, not a list of clusters`,
    };
  }
  return { entries: answer as ClusterzEntry[] };
}

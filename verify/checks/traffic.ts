import { SAMPLE_NAMESPACE } from "../../constructs/names";
import {
  CURL_CONTAINER,
  CURL_DEPLOYMENT,
  CURL_POD_SELECTOR,
  HELLO_URL,
  HELLOWORLD_POD_SELECTOR,
  SIDECAR_CONTAINER,
} from "../chart-names";
import type { KubePod } from "../cluster-client";
import type { CheckContext, ClusterCheck } from "./check";
import { kubectl, oneLine } from "./helpers";
import { fail, notApplicable, pass, skip } from "./outcome";

/**
 * Requests per curl pod, per cluster in the mesh: N = 10k requests for k clusters. With endpoints
 * spread evenly, all N miss a given cluster with chance (1 - 1/k)^(10k) < e^-10 ≈ 4.5e-5, so some
 * cluster stays silent (a false FAIL) with chance at most k(1 - 1/k)^(10k), by the union bound:
 * 1.9e-6 for k = 2, 7.1e-5 for k = 5, 1.1e-4 for k = 6, 2.7e-4 for k = 10, 5.2e-4 for k = 16.
 * That is under 1e-4 up to 5 clusters and under k × 4.6e-5 for any k; --requests lowers it.
 */
export const DEFAULT_REQUESTS_PER_CLUSTER = 10;
/** curl's limit for one request, in seconds. */
export const DEFAULT_CURL_TIMEOUT_SECONDS = 5;

/** Why the traffic check does not apply without the samples: its reason, and the summary's. */
export const NO_SAMPLES = "samples: false in the config";

/**
 * The helloworld versions a cluster serves, or why they are not known; `notReached` for a cluster
 * verify could not reach (its reachable FAIL says why): it is not expected to answer.
 */
type ServedVersions =
  { readonly versions: readonly string[] } | { readonly unknown: string } | { readonly notReached: true };

/** Reads which helloworld versions each cluster runs, from its pods' `version` label. */
async function helloworldVersions({ mesh, clients }: CheckContext): Promise<Map<string, ServedVersions>> {
  const entries = await Promise.all(
    mesh.clusters.map(async (cluster): Promise<[string, ServedVersions]> => {
      const client = clients.get(cluster.name);
      if (!client) return [cluster.name, { notReached: true }];
      try {
        const pods = await client.listPods(SAMPLE_NAMESPACE, HELLOWORLD_POD_SELECTOR);
        const versions = pods
          .filter((pod) => pod.status?.phase === "Running")
          .map((pod) => pod.metadata?.labels?.version ?? "");
        return [cluster.name, { versions: [...new Set(versions.filter(Boolean))].sort() }];
      } catch (error) {
        return [cluster.name, { unknown: oneLine((error as Error).message) }];
      }
    }),
  );
  return new Map(entries);
}

/** How many answers each helloworld version gave, and what else came back. */
export function tallyAnswers(stdout: string): {
  readonly byVersion: ReadonlyMap<string, number>;
  readonly other: readonly string[];
} {
  const byVersion = new Map<string, number>();
  const other: string[] = [];
  for (const line of stdout.split("\n").map((text) => text.trim())) {
    if (!line) continue;
    const version = /^Hello version: ([^,\s]+), instance: \S+/.exec(line)?.[1];
    if (version) byVersion.set(version, (byVersion.get(version) ?? 0) + 1);
    else other.push(line);
  }
  return { byVersion, other };
}

/** The curl command: one process for all requests, each on a new connection so the sidecar balances each. */
export function curlCommand(requests: number, timeoutSeconds: number): string[] {
  return [
    "curl",
    "-sS",
    "--max-time",
    String(timeoutSeconds),
    "-H",
    "Connection: close",
    "-w",
    "\\n",
    ...Array.from({ length: requests }, () => HELLO_URL),
  ];
}

/**
 * From each cluster's curl pod, requests to helloworld reach every cluster: each answer names its
 * version, and each cluster runs its own.
 */
export const traffic: ClusterCheck<never, ReadonlyMap<string, ServedVersions>> = {
  kind: "cluster",
  name: "traffic",
  notApplicable: (mesh) =>
    mesh.samples
      ? undefined
      : notApplicable(
          NO_SAMPLES,
          "traffic is sent from the sample curl pods to the helloworld samples: set samples: true and apply the platform stacks to test it",
        ),
  prepare: helloworldVersions,
  async run(cluster, client, { mesh, options }, served) {
    const requests = options.requests ?? DEFAULT_REQUESTS_PER_CLUSTER * mesh.clusters.length;
    const curlTimeoutSeconds = options.curlTimeoutSeconds ?? DEFAULT_CURL_TIMEOUT_SECONDS;
    const sampleHint = `deploy the samples to ${cluster.name} (samples: true in the mesh config, the default) and wait for their pods: ${kubectl(cluster)} -n ${SAMPLE_NAMESPACE} get pods`;
    const owners = new Map<string, string[]>();
    for (const [name, entry] of served) {
      if ("versions" in entry)
        for (const version of entry.versions) owners.set(version, [...(owners.get(version) ?? []), name]);
    }
    const shared = [...owners].filter(([, names]) => names.length > 1);
    if (shared.length) {
      const [version, names] = shared[0];
      return fail(
        `${names.join(" and ")} both run helloworld ${version}: answers cannot tell them apart`,
        "give each cluster its own helloworld version (v1, v2, …)",
      );
    }

    const pods = await client.listPods(SAMPLE_NAMESPACE, CURL_POD_SELECTOR);
    const pod = pods.find(isReady) ?? pods.find((candidate) => candidate.status?.phase === "Running");
    if (!pod?.metadata?.name) {
      const states = pods
        .map(
          (candidate) =>
            `${candidate.metadata?.name ?? "a pod without a name"} is ${candidate.status?.phase ?? "in no phase"}`,
        )
        .join(", ");
      return fail(
        `no running curl pod (label ${CURL_POD_SELECTOR}) in namespace ${SAMPLE_NAMESPACE}${states ? `: ${states}` : ""}`,
        sampleHint,
      );
    }
    const result = await client.exec({
      namespace: SAMPLE_NAMESPACE,
      pod: pod.metadata.name,
      container: CURL_CONTAINER,
      command: curlCommand(requests, curlTimeoutSeconds),
      timeoutMs: (requests * curlTimeoutSeconds + 30) * 1000,
    });
    const { byVersion, other } = tallyAnswers(result.stdout);

    const answered = [...byVersion.values()].reduce((sum, count) => sum + count, 0);
    const counts = [...byVersion]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(
        ([version, count]) => `${version}${owners.has(version) ? ` (${owners.get(version)!.join()})` : ""} ${count}`,
      );
    const parts = [`${answered}/${requests} answered${counts.length ? `: ${counts.join(", ")}` : ""}`];

    const silent: string[] = [];
    const unknown: string[] = [];
    const notReached: string[] = [];
    for (const [name, entry] of served) {
      if ("notReached" in entry) notReached.push(name);
      else if ("unknown" in entry) unknown.push(`${name} (${entry.unknown})`);
      else if (!entry.versions.length) silent.push(`${name} (runs no helloworld pod)`);
      else if (!entry.versions.some((version) => byVersion.has(version)))
        silent.push(`${name} (${entry.versions.join()})`);
    }
    if (silent.length) parts.push(`none from ${silent.join(", ")}`);
    if (unknown.length) parts.push(`versions unknown for ${unknown.join(", ")}`);
    if (notReached.length) parts.push(`${notReached.join(", ")} not reached, not expected to answer`);
    if (other.length) parts.push(`${other.length} other answers such as ${JSON.stringify(other[0].slice(0, 80))}`);
    const failedRequests = requests - answered - other.length;
    const firstError = result.stderr.split("\n").find((line) => line.trim());
    if (failedRequests > 0) parts.push(`${failedRequests} failed${firstError ? `: ${oneLine(firstError)}` : ""}`);
    const reason = parts.join("; ");

    if (silent.length) {
      const sidecar = hasSidecar(pod);
      if (!sidecar)
        return fail(
          `${reason}; the curl pod has no ${SIDECAR_CONTAINER} sidecar`,
          `label namespace ${SAMPLE_NAMESPACE} istio-injection=enabled, then ${kubectl(cluster)} -n ${SAMPLE_NAMESPACE} rollout restart deployment/${CURL_DEPLOYMENT}`,
        );
      if (silent.some((entry) => entry.includes("runs no helloworld pod"))) return fail(reason, sampleHint);
      return fail(
        reason,
        `requests do not cross clusters: fix the checks above (remote secrets, east-west gateways, root), then see istiod's endpoints: istioctl --context ${cluster.kubeContext} proxy-config endpoints ${pod.metadata.name}.${SAMPLE_NAMESPACE} | grep helloworld`,
      );
    }
    if (unknown.length) {
      const unlisted = mesh.clusters.filter((each) => unknown.some((entry) => entry.startsWith(`${each.name} (`)));
      const commands = unlisted.map((each) => `${kubectl(each)} -n ${SAMPLE_NAMESPACE} get pods`).join("; ");
      return skip(reason, `retry; if it persists, see why the helloworld pods could not be listed: ${commands}`);
    }
    return pass(reason);
  },
};

function isReady(pod: KubePod): boolean {
  const statuses = pod.status?.containerStatuses ?? [];
  return pod.status?.phase === "Running" && statuses.length > 0 && statuses.every((status) => status.ready);
}

/** Istio injects the proxy as a container, or as a native sidecar (an init container that keeps running). */
function hasSidecar(pod: KubePod): boolean {
  return [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])].some(
    (container) => container.name === SIDECAR_CONTAINER,
  );
}

import { parse as parseYaml } from "yaml";
import type { ClusterSpec, MeshSpec } from "../config/spec";
import { CLUSTER_CA_FILES, ROOT_CERT_FILE } from "../constructs/names";
import { CertificateSummary, describeCertificate, parsePemCertificates, shortFingerprint } from "../certs/pem";
import { ClusterClient, ClusterRequestError, KubePod, KubeSecret } from "./cluster-client";
import {
  CACERTS_SECRET_NAME,
  CROSS_NETWORK_PORT,
  EAST_WEST_GATEWAY_RELEASE,
  HELLOWORLD_PATH,
  HELLOWORLD_PORT,
  ISTIO_SYSTEM_NAMESPACE,
  MULTICLUSTER_SECRET_LABEL,
  NETWORK_LABEL,
  REMOTE_CLUSTER_ANNOTATION,
  REMOTE_SECRET_PREFIX,
  SAMPLE_NAMESPACE,
  remoteSecretName,
} from "../constructs/names";

/*
 * What the checks read is what the constructs deploy: names the program sets come from
 * constructs/names.ts, which the constructs use too. The names below are set not by this
 * program but by Istio's charts and istiod itself, or by the mesh chart's sample templates
 * (manifests/mesh/templates), which hard-code them.
 */

/** istiod publishes the root it signs with in this ConfigMap, in every namespace. */
export const CA_ROOT_CONFIGMAP = "istio-ca-root-cert";
/** The istiod chart names its Deployment `istiod` (without a revision), whatever the release is called. */
export const ISTIOD_DEPLOYMENT = "istiod";
/** The istiod chart's pod label, which `istioctl remote-clusters` also finds istiod by. */
export const ISTIOD_POD_SELECTOR = "app=istiod";
/** The istiod chart's container that runs pilot-discovery. */
export const ISTIOD_CONTAINER = "discovery";
/** The istiod chart's mesh config (key `mesh`, defaultConfig.meshId = global.meshID). */
export const MESH_CONFIGMAP = "istio";
/** The istiod chart's injector ConfigMap: key `values` is JSON of the chart's `global` values, which sidecars get. */
export const INJECTOR_CONFIGMAP = "istio-sidecar-injector";
/** The container Istio injects into every meshed pod. */
export const SIDECAR_CONTAINER = "istio-proxy";
/** The helloworld Service of the samples (manifests/mesh/templates/sample-helloworld.yaml). */
export const HELLO_URL = `helloworld.${SAMPLE_NAMESPACE}:${HELLOWORLD_PORT}${HELLOWORLD_PATH}`;
/** Pod labels of the samples, and the curl pod's container (manifests/mesh/templates/sample-*.yaml). */
export const HELLOWORLD_POD_SELECTOR = "app=helloworld";
export const CURL_POD_SELECTOR = "app=curl";
export const CURL_CONTAINER = "curl";

/**
 * istiod's list of the clusters it reads, and how far it got with each (pilot/pkg/xds/debug.go,
 * Istio 1.31): JSON `[{"id", "secretName", "syncStatus"}]`, its own cluster first with an empty
 * secretName, then one entry per cluster of every remote secret it loaded
 * (pkg/kube/multicluster ListRemoteClusters).
 *
 * It is asked from inside istiod's container, as `pilot-discovery request` (which GETs
 * 127.0.0.1:15014, the chart's --monitoringAddr), because istiod 1.31 serves debug endpoints
 * without credentials to loopback callers only. Through the API server's service proxy
 * (/api/v1/namespaces/istio-system/services/http:istiod:15014/proxy/debug/clusterz) the request
 * arrives from the API server's address with no Authorization header (the API server strips it
 * once it has authenticated the user), and istiod answers 401. The path is the pilot image's
 * entrypoint, so it does not depend on the image's PATH (debug and distroless images alike).
 */
export const CLUSTERZ_COMMAND = ["/usr/local/bin/pilot-discovery", "request", "GET", "/debug/clusterz"] as const;
/** The syncStatus of a cluster istiod has fully read (pkg/kube/multicluster SyncStatusSynced). */
export const SYNCED = "synced";
/** How long the clusterz exec may take: a loopback request, answered from memory. */
export const CLUSTERZ_TIMEOUT_MS = 30_000;

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

export type ClusterUnderTest = Pick<ClusterSpec, "name" | "region" | "network" | "kubeContext">;

/** What verify needs of the mesh config: its id, its clusters, and whether the samples are deployed. */
export interface MeshUnderTest extends Pick<MeshSpec, "meshId" | "samples"> {
  readonly clusters: readonly ClusterUnderTest[];
}

/** A cluster's API client, or why there is none (for instance its context is missing from the kubeconfig). */
export type ClusterConnection = { readonly client: ClusterClient } | { readonly reason: string; readonly hint: string };

/**
 * PASS and FAIL say what was found; SKIP that a check could not run because of a failure above,
 * so it counts against the mesh; N/A that the check does not apply to this config (the traffic
 * check without the samples), so it does not.
 */
export type CheckStatus = "PASS" | "FAIL" | "SKIP" | "N/A";

/** The checks, in the order they run and print. */
export const CHECKS = [
  "reachable",
  "root-cert",
  "shared-root",
  "istiod",
  "remote-secrets",
  "remote-sync",
  "east-west-gw",
  "traffic",
] as const;
export type CheckName = (typeof CHECKS)[number];

export interface CheckResult {
  readonly check: CheckName;
  /** The cluster checked; undefined for a mesh-wide check. */
  readonly cluster?: string;
  readonly status: CheckStatus;
  /** One line: what was found. */
  readonly reason: string;
  /** One line: what to do about it (never on PASS). */
  readonly hint?: string;
}

export interface VerifyOptions {
  /**
   * Requests from each cluster's curl pod.
   * @default DEFAULT_REQUESTS_PER_CLUSTER times the number of clusters
   */
  readonly requests?: number;
  /**
   * curl's limit per request, in seconds.
   * @default DEFAULT_CURL_TIMEOUT_SECONDS
   */
  readonly curlTimeoutSeconds?: number;
}

interface Outcome {
  readonly status: CheckStatus;
  readonly reason: string;
  readonly hint?: string;
}

const pass = (reason: string): Outcome => ({ status: "PASS", reason });
const fail = (reason: string, hint: string): Outcome => ({ status: "FAIL", reason, hint });
const skip = (reason: string, hint: string): Outcome => ({ status: "SKIP", reason, hint });
const notApplicable = (reason: string, hint: string): Outcome => ({ status: "N/A", reason, hint });

/** Why the traffic check does not apply without the samples: its reason, and the summary's. */
export const NO_SAMPLES = "samples: false in the config";

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
): Promise<CheckResult[]> {
  const requests = options.requests ?? DEFAULT_REQUESTS_PER_CLUSTER * mesh.clusters.length;
  const curlTimeoutSeconds = options.curlTimeoutSeconds ?? DEFAULT_CURL_TIMEOUT_SECONDS;
  const results: CheckResult[] = [];
  const emit = (check: CheckName, cluster: string | undefined, outcome: Outcome) => {
    const result: CheckResult = { check, ...(cluster === undefined ? {} : { cluster }), ...outcome };
    results.push(result);
    onResult(result);
  };

  const reachable = new Map<string, ClusterClient>();
  const reachability = await Promise.all(
    mesh.clusters.map((cluster) => checkReachable(cluster, connections.get(cluster.name))),
  );
  mesh.clusters.forEach((cluster, index) => {
    const { outcome, client } = reachability[index];
    if (client) reachable.set(cluster.name, client);
    emit("reachable", cluster.name, outcome);
  });

  /** Runs one check on every cluster in parallel; unreachable clusters are skipped, errors become FAILs. */
  const perCluster = async <T>(
    check: CheckName,
    run: (cluster: ClusterUnderTest, client: ClusterClient) => Promise<Outcome & { value?: T }>,
  ) => {
    const outcomes = await Promise.all(
      mesh.clusters.map(async (cluster): Promise<Outcome & { value?: T }> => {
        const client = reachable.get(cluster.name);
        if (!client)
          return skip(`not checked: ${cluster.name} is not reachable`, "fix the reachability failure above first");
        try {
          return await run(cluster, client);
        } catch (error) {
          return requestFailure(error, cluster, client);
        }
      }),
    );
    const values = new Map<string, T>();
    mesh.clusters.forEach((cluster, index) => {
      const { value, ...outcome } = outcomes[index];
      if (value !== undefined) values.set(cluster.name, value);
      emit(check, cluster.name, outcome);
    });
    return values;
  };

  const roots = await perCluster("root-cert", checkRootCertificate);
  emit("shared-root", undefined, compareRoots(mesh, roots));
  await perCluster("istiod", (cluster, client) => checkIstiod(mesh.meshId, cluster, client));
  const usableSecrets = await perCluster("remote-secrets", (cluster, client) =>
    checkRemoteSecrets(mesh, cluster, client),
  );
  await perCluster("remote-sync", (cluster, client) =>
    checkRemoteSync(mesh, cluster, client, usableSecrets.get(cluster.name)),
  );
  await perCluster("east-west-gw", checkEastWestGateway);

  if (!mesh.samples) {
    const outcome = notApplicable(
      NO_SAMPLES,
      "traffic is sent from the sample curl pods to the helloworld samples: set samples: true and apply the platform stacks to test it",
    );
    for (const cluster of mesh.clusters) emit("traffic", cluster.name, outcome);
    return results;
  }
  const servedVersions = await helloworldVersions(mesh, reachable);
  await perCluster("traffic", (cluster, client) =>
    checkTraffic(cluster, client, servedVersions, requests, curlTimeoutSeconds),
  );
  return results;
}

/** Exit code of `npm run verify`: 0 only when every applicable check passed (and at least one did). */
export function exitCodeOf(results: readonly CheckResult[]): number {
  const applicable = results.filter((result) => result.status !== "N/A");
  return applicable.length > 0 && applicable.every((result) => result.status === "PASS") ? 0 : 1;
}

// ---------------------------------------------------------------------------------------------
// Reachability

async function checkReachable(
  cluster: ClusterUnderTest,
  connection: ClusterConnection | undefined,
): Promise<{ outcome: Outcome; client?: ClusterClient }> {
  if (!connection) return { outcome: fail(`no kubeconfig context for ${cluster.name}`, updateKubeconfig(cluster)) };
  if (!("client" in connection)) return { outcome: fail(connection.reason, connection.hint) };
  const { client } = connection;
  try {
    const version = await client.serverVersion();
    return { outcome: pass(`Kubernetes ${version} at ${client.server} (context ${cluster.kubeContext})`), client };
  } catch (error) {
    return { outcome: requestFailure(error, cluster, client) };
  }
}

/** Turns any error from a client call into a FAIL with a hint that fits its kind. */
function requestFailure(error: unknown, cluster: ClusterUnderTest, client: ClusterClient): Outcome {
  const message = oneLine(error instanceof Error ? error.message : String(error));
  if (!(error instanceof ClusterRequestError))
    return fail(`unexpected error: ${message}`, `retry; if it persists, run: ${kubectl(cluster)} get --raw /version`);
  switch (error.kind) {
    case "unreachable":
    case "timeout":
      return fail(
        message,
        `check that the cluster exists (npx cdktf deploy ${cluster.name}-eks) and that your address is inside apiAllowedCidrs, the only sources the EKS endpoint of ${client.server} admits`,
      );
    case "tls":
      return fail(message, `the kubeconfig does not trust this server: ${updateKubeconfig(cluster)}`);
    case "unauthorized":
      return fail(
        message,
        `your credentials were rejected: refresh them (aws sso login or aws configure), then ${updateKubeconfig(cluster)}`,
      );
    case "forbidden":
      return fail(
        message,
        "your IAM principal lacks read access: add it to `admins` in the mesh config and apply the eks stacks, or use a cluster-admin context",
      );
    case "credentials":
      return fail(
        message,
        "the kubeconfig's credential plugin failed: install the AWS CLI v2 and check `aws sts get-caller-identity`",
      );
    default:
      return fail(message, `run ${kubectl(cluster)} get --raw /version to see the server's full answer`);
  }
}

// ---------------------------------------------------------------------------------------------
// Root of trust

async function checkRootCertificate(
  cluster: ClusterUnderTest,
  client: ClusterClient,
): Promise<Outcome & { value?: CertificateSummary }> {
  const restart = `${kubectl(cluster)} -n ${ISTIO_SYSTEM_NAMESPACE} rollout restart deployment/${ISTIOD_DEPLOYMENT}`;
  const restartIstiod = `then restart istiod: ${restart}`;
  const secret = await client.readSecret(ISTIO_SYSTEM_NAMESPACE, CACERTS_SECRET_NAME);
  if (!secret) {
    return fail(
      `no secret ${CACERTS_SECRET_NAME} in ${ISTIO_SYSTEM_NAMESPACE}: istiod signs with a self-signed root of its own`,
      `run \`npm run certs\` (or configure your own CA) and apply ${cluster.name}'s platform stack, ${restartIstiod}`,
    );
  }
  const encoded = secret.data?.[ROOT_CERT_FILE];
  if (!encoded)
    return fail(
      `secret ${CACERTS_SECRET_NAME} has no key ${ROOT_CERT_FILE}`,
      `recreate ${CACERTS_SECRET_NAME} with ${CLUSTER_CA_FILES.join(", ")}, ${restartIstiod}`,
    );
  let root: CertificateSummary;
  try {
    [root] = parsePemCertificates(Buffer.from(encoded, "base64").toString("utf8"));
  } catch (error) {
    return fail(
      `${ROOT_CERT_FILE} in secret ${CACERTS_SECRET_NAME} ${(error as Error).message}`,
      `recreate ${CACERTS_SECRET_NAME} from the CA directory (npm run certs), ${restartIstiod}`,
    );
  }
  if (root.validTo.getTime() < Date.now()) {
    return {
      ...fail(
        `root ${describeCertificate(root)} expired on ${root.validTo.toISOString()}`,
        "rotate the mesh root (a new CA directory), apply every cluster and restart istiod everywhere",
      ),
      value: root,
    };
  }

  const published = await client.readConfigMap(ISTIO_SYSTEM_NAMESPACE, CA_ROOT_CONFIGMAP);
  // istiod publishes the root under the same key that cacerts holds it in.
  const publishedPem = published?.data?.[ROOT_CERT_FILE];
  if (!publishedPem) {
    return {
      ...fail(
        `istiod has not published ConfigMap ${CA_ROOT_CONFIGMAP} in ${ISTIO_SYSTEM_NAMESPACE}: it is not running or not yet started`,
        `see the istiod check below: ${kubectl(cluster)} -n ${ISTIO_SYSTEM_NAMESPACE} logs deployment/${ISTIOD_DEPLOYMENT}`,
      ),
      value: root,
    };
  }
  let served: CertificateSummary[];
  try {
    served = parsePemCertificates(publishedPem);
  } catch (error) {
    return {
      ...fail(
        `ConfigMap ${CA_ROOT_CONFIGMAP} ${(error as Error).message}`,
        `restart istiod so it loads ${CACERTS_SECRET_NAME}: ${restart}`,
      ),
      value: root,
    };
  }
  if (!served.some((certificate) => certificate.fingerprint === root.fingerprint)) {
    return {
      ...fail(
        `istiod distributes root ${describeCertificate(served[0])}, not the ${CACERTS_SECRET_NAME} root ${describeCertificate(root)}: istiod started before ${CACERTS_SECRET_NAME} existed or has not reloaded it`,
        `restart istiod so it loads ${CACERTS_SECRET_NAME}: ${restart}`,
      ),
      value: root,
    };
  }
  return { ...pass(`istiod signs with the ${CACERTS_SECRET_NAME} root ${describeCertificate(root)}`), value: root };
}

function compareRoots(mesh: MeshUnderTest, roots: ReadonlyMap<string, CertificateSummary>): Outcome {
  const unknown = mesh.clusters.filter((cluster) => !roots.has(cluster.name)).map((cluster) => cluster.name);
  const fingerprints = new Set([...roots.values()].map((root) => root.fingerprint));
  if (fingerprints.size > 1) {
    const each = [...roots].map(([cluster, root]) => `${cluster} ${shortFingerprint(root.fingerprint)}`).join(", ");
    return fail(
      `clusters trust different roots (${each}): cross-cluster mTLS fails`,
      `give every cluster's ${CACERTS_SECRET_NAME} the same ${ROOT_CERT_FILE} (\`npm run certs\` makes one root for all clusters), apply, then restart istiod and the workloads in every cluster`,
    );
  }
  if (unknown.length) {
    return skip(`cannot compare: no root read from ${unknown.join(", ")}`, "fix the root-cert failures above first");
  }
  const [root] = roots.values();
  return pass(`all ${mesh.clusters.length} clusters share root ${describeCertificate(root)}`);
}

// ---------------------------------------------------------------------------------------------
// istiod

interface Finding {
  readonly problem: string;
  readonly hint: string;
}

async function checkIstiod(meshId: string, cluster: ClusterUnderTest, client: ClusterClient): Promise<Outcome> {
  const [deployment, meshConfig, injector, namespace] = await Promise.all([
    client.readDeployment(ISTIO_SYSTEM_NAMESPACE, ISTIOD_DEPLOYMENT),
    client.readConfigMap(ISTIO_SYSTEM_NAMESPACE, MESH_CONFIGMAP),
    client.readConfigMap(ISTIO_SYSTEM_NAMESPACE, INJECTOR_CONFIGMAP),
    client.readNamespace(ISTIO_SYSTEM_NAMESPACE),
  ]);
  if (!deployment) {
    return fail(
      `no Deployment ${ISTIOD_DEPLOYMENT} in ${ISTIO_SYSTEM_NAMESPACE}`,
      `deploy ${cluster.name}'s platform stack (npx cdktf deploy ${cluster.name}-platform)`,
    );
  }
  const reapply = `istiod's values must be global.meshID=${meshId}, global.multiCluster.clusterName=${cluster.name}, global.network=${cluster.network}: re-apply ${cluster.name}'s platform stack`;
  const findings: Finding[] = [];
  const mismatch = (what: string, actual: unknown, expected: string) => {
    if (actual !== expected) {
      const found = actual === undefined || actual === "" ? "is not set" : `is ${JSON.stringify(actual)}`;
      findings.push({ problem: `${what} ${found}, expected ${JSON.stringify(expected)}`, hint: reapply });
    }
  };

  const desired = deployment.spec?.replicas ?? deployment.status?.replicas ?? 1;
  const ready = deployment.status?.readyReplicas ?? 0;
  if (ready < 1) {
    findings.push({
      problem: `${ready}/${desired} replicas ready`,
      hint: `see why: ${kubectl(cluster)} -n ${ISTIO_SYSTEM_NAMESPACE} describe deployment/${ISTIOD_DEPLOYMENT} and its logs`,
    });
  }

  const containers = deployment.spec?.template?.spec?.containers ?? [];
  const discovery = containers.find((container) => container.name === ISTIOD_CONTAINER) ?? containers[0];
  mismatch(
    "clusterName (env CLUSTER_ID)",
    discovery?.env?.find((variable) => variable.name === "CLUSTER_ID")?.value,
    cluster.name,
  );

  if (!meshConfig?.data?.mesh) {
    findings.push({ problem: `ConfigMap ${MESH_CONFIGMAP} has no mesh config`, hint: reapply });
  } else {
    mismatch(
      `meshID (ConfigMap ${MESH_CONFIGMAP}, defaultConfig.meshId)`,
      readPath(parseQuietly(meshConfig.data.mesh, parseYaml), ["defaultConfig", "meshId"]),
      meshId,
    );
  }

  mismatch(
    `network label ${NETWORK_LABEL} of namespace ${ISTIO_SYSTEM_NAMESPACE}`,
    namespace?.metadata?.labels?.[NETWORK_LABEL],
    cluster.network,
  );
  if (!injector?.data?.values) {
    findings.push({ problem: `ConfigMap ${INJECTOR_CONFIGMAP} has no values`, hint: reapply });
  } else {
    mismatch(
      `sidecars' network (ConfigMap ${INJECTOR_CONFIGMAP}, global.network)`,
      readPath(parseQuietly(injector.data.values, JSON.parse), ["global", "network"]),
      cluster.network,
    );
  }

  if (findings.length) return fail(findings.map((finding) => finding.problem).join("; "), findings[0].hint);
  return pass(`${ready}/${desired} ready; meshID ${meshId}, clusterName ${cluster.name}, network ${cluster.network}`);
}

// ---------------------------------------------------------------------------------------------
// Remote secrets

/** Checks the remote secrets' shape; its value names the other clusters whose secret istiod can use. */
async function checkRemoteSecrets(
  mesh: MeshUnderTest,
  cluster: ClusterUnderTest,
  client: ClusterClient,
): Promise<Outcome & { value?: ReadonlySet<string> }> {
  const others = otherClusters(mesh, cluster);
  if (!others.length) return pass("a single cluster needs no remote secrets");
  const labelled = await client.listSecrets(ISTIO_SYSTEM_NAMESPACE, `${MULTICLUSTER_SECRET_LABEL}=true`);
  const byName = new Map(labelled.map((secret) => [secret.metadata?.name ?? "", secret]));
  const hint = `apply the mesh-links stacks, which create ${REMOTE_SECRET_PREFIX}<cluster> in every cluster for every other cluster`;

  const problems: string[] = [];
  const servers: string[] = [];
  const usable = new Set<string>();
  for (const other of others) {
    const name = remoteSecretName(other.name);
    const secret = byName.get(name);
    if (!secret) {
      const unlabelled = await client.readSecret(ISTIO_SYSTEM_NAMESPACE, name);
      problems.push(
        unlabelled
          ? `${name} lacks label ${MULTICLUSTER_SECRET_LABEL}=true, so istiod ignores it`
          : `no ${name} for ${other.name}`,
      );
      continue;
    }
    const annotated = secret.metadata?.annotations?.[REMOTE_CLUSTER_ANNOTATION];
    if (annotated !== other.name) {
      problems.push(
        `${name} is annotated ${REMOTE_CLUSTER_ANNOTATION}=${JSON.stringify(annotated ?? "")}, expected ${JSON.stringify(other.name)}`,
      );
      continue;
    }
    const kubeconfig = remoteKubeconfig(secret, other.name);
    if ("problem" in kubeconfig) problems.push(`${name} ${kubeconfig.problem}`);
    else {
      servers.push(`${other.name} (${kubeconfig.server})`);
      usable.add(other.name);
    }
  }
  const known = new Set(others.map((other) => remoteSecretName(other.name)));
  const stale = [...byName.keys()].filter((name) => name.startsWith(REMOTE_SECRET_PREFIX) && !known.has(name));
  const staleNote = stale.length ? `; also ${stale.join(", ")}, for clusters not in the config` : "";

  if (problems.length) return { ...fail(problems.join("; ") + staleNote, hint), value: usable };
  return { ...pass(`remote secrets for ${servers.join(", ")}${staleNote}`), value: usable };
}

/** The API server a remote secret's kubeconfig points istiod at, or what makes it unusable. */
function remoteKubeconfig(secret: KubeSecret, clusterName: string): { server: string } | { problem: string } {
  const encoded = secret.data?.[clusterName];
  if (!encoded) return { problem: `has no data key ${JSON.stringify(clusterName)} (the kubeconfig istiod reads)` };
  const config = parseQuietly(Buffer.from(encoded, "base64").toString("utf8"), parseYaml);
  const currentContext = readPath(config, ["current-context"]);
  if (typeof currentContext !== "string" || !currentContext)
    return { problem: "holds a kubeconfig without current-context" };
  const named = (list: string, name: unknown) =>
    (readPath(config, [list]) as unknown[] | undefined)?.find((entry) => readPath(entry, ["name"]) === name);
  const context = named("contexts", currentContext);
  const server = readPath(named("clusters", readPath(context, ["context", "cluster"])), ["cluster", "server"]);
  if (typeof server !== "string" || !server)
    return { problem: `holds a kubeconfig whose context ${currentContext} names no cluster server` };
  const user = readPath(named("users", readPath(context, ["context", "user"])), ["user"]);
  if (readPath(user, ["exec"])) return { problem: "holds a kubeconfig with an exec user, which istiod cannot run" };
  if (!readPath(user, ["token"])) return { problem: "holds a kubeconfig whose user has no token" };
  return { server };
}

// ---------------------------------------------------------------------------------------------
// Remote sync: what istiod made of the remote secrets

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
async function checkRemoteSync(
  mesh: MeshUnderTest,
  cluster: ClusterUnderTest,
  client: ClusterClient,
  usableSecrets: ReadonlySet<string> | undefined,
): Promise<Outcome> {
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
      `istiod serves /debug/clusterz on 127.0.0.1:15014 unless ENABLE_DEBUG_ON_HTTP=false; try: ${kubectl(cluster)} -n ${ISTIO_SYSTEM_NAMESPACE} exec ${pods[0]} -c ${ISTIOD_CONTAINER} -- ${CLUSTERZ_COMMAND.join(" ")}`,
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
        pods.length === 1 ? "istiod" : replicaPods.length === pods.length ? `all ${replicas}` : replicaPods.join(", ");
      return `${who} ${replicaPods.length > 1 ? "have" : "has"} not synced ${text}`;
    })
    .join("; ");
  const behind = lagging.flatMap((replica) => replica.behind);
  if (behind.every(({ name }) => !usableSecrets?.has(name)))
    return fail(reason, "fix the remote-secrets failure above first: istiod reads a cluster through its remote secret");
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
}

/** One istiod replica's /debug/clusterz, or what is wrong with its answer. */
async function readClusterz(
  client: ClusterClient,
  pod: string,
): Promise<{ entries: readonly ClusterzEntry[] } | { problem: string }> {
  const result = await client.exec(
    ISTIO_SYSTEM_NAMESPACE,
    pod,
    ISTIOD_CONTAINER,
    CLUSTERZ_COMMAND,
    CLUSTERZ_TIMEOUT_MS,
  );
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

// ---------------------------------------------------------------------------------------------
// East-west gateway

async function checkEastWestGateway(cluster: ClusterUnderTest, client: ClusterClient): Promise<Outcome> {
  const service = await client.readService(ISTIO_SYSTEM_NAMESPACE, EAST_WEST_GATEWAY_RELEASE);
  const reapply = `re-apply ${cluster.name}'s platform stack (release ${EAST_WEST_GATEWAY_RELEASE}, networkGateway=${cluster.network})`;
  if (!service) return fail(`no Service ${EAST_WEST_GATEWAY_RELEASE} in ${ISTIO_SYSTEM_NAMESPACE}`, reapply);

  const problems: string[] = [];
  if (service.spec?.type !== "LoadBalancer")
    problems.push(`type is ${service.spec?.type ?? "unset"}, expected LoadBalancer`);
  if (!service.spec?.ports?.some((port) => port.port === CROSS_NETWORK_PORT))
    problems.push(`no port ${CROSS_NETWORK_PORT}, which carries cross-network mTLS`);
  const network = service.metadata?.labels?.[NETWORK_LABEL];
  if (network !== cluster.network) {
    problems.push(
      `label ${NETWORK_LABEL} is ${JSON.stringify(network ?? "")}, expected ${JSON.stringify(cluster.network)} (istiod finds a network's gateway by it)`,
    );
  }
  if (problems.length) return fail(problems.join("; "), reapply);

  const addresses = (service.status?.loadBalancer?.ingress ?? [])
    .map((ingress) => ingress.hostname || ingress.ip)
    .filter(Boolean);
  if (!addresses.length) {
    return fail(
      "no external address yet: the load balancer is not provisioned",
      `the AWS Load Balancer Controller provisions it: ${kubectl(cluster)} -n ${ISTIO_SYSTEM_NAMESPACE} describe service ${EAST_WEST_GATEWAY_RELEASE}, and the controller's logs in kube-system`,
    );
  }
  return pass(`${addresses.join(", ")} port ${CROSS_NETWORK_PORT}, network ${cluster.network}`);
}

// ---------------------------------------------------------------------------------------------
// Cross-cluster traffic

/** The helloworld versions a cluster serves, or why they are not known. */
type ServedVersions = { readonly versions: readonly string[] } | { readonly unknown: string };

/** Reads which helloworld versions each cluster runs, from its pods' `version` label. */
async function helloworldVersions(
  mesh: MeshUnderTest,
  reachable: ReadonlyMap<string, ClusterClient>,
): Promise<Map<string, ServedVersions>> {
  const entries = await Promise.all(
    mesh.clusters.map(async (cluster): Promise<[string, ServedVersions]> => {
      const client = reachable.get(cluster.name);
      if (!client) return [cluster.name, { unknown: "not reachable" }];
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

async function checkTraffic(
  cluster: ClusterUnderTest,
  client: ClusterClient,
  served: ReadonlyMap<string, ServedVersions>,
  requests: number,
  curlTimeoutSeconds: number,
): Promise<Outcome> {
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
      .map((candidate) => `${candidate.metadata?.name} is ${candidate.status?.phase ?? "unknown"}`)
      .join(", ");
    return fail(
      `no running curl pod (label ${CURL_POD_SELECTOR}) in namespace ${SAMPLE_NAMESPACE}${states ? `: ${states}` : ""}`,
      sampleHint,
    );
  }
  const result = await client.exec(
    SAMPLE_NAMESPACE,
    pod.metadata.name,
    CURL_CONTAINER,
    curlCommand(requests, curlTimeoutSeconds),
    (requests * curlTimeoutSeconds + 30) * 1000,
  );
  const { byVersion, other } = tallyAnswers(result.stdout);

  const answered = [...byVersion.values()].reduce((sum, count) => sum + count, 0);
  const counts = [...byVersion]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([version, count]) => `${version}${owners.has(version) ? ` (${owners.get(version)!.join()})` : ""} ${count}`);
  const parts = [`${answered}/${requests} answered${counts.length ? `: ${counts.join(", ")}` : ""}`];

  const silent: string[] = [];
  const unknown: string[] = [];
  for (const [name, entry] of served) {
    if (!("versions" in entry)) unknown.push(`${name} (${entry.unknown})`);
    else if (!entry.versions.length) silent.push(`${name} (runs no helloworld pod)`);
    else if (!entry.versions.some((version) => byVersion.has(version)))
      silent.push(`${name} (${entry.versions.join()})`);
  }
  if (silent.length) parts.push(`none from ${silent.join(", ")}`);
  if (unknown.length) parts.push(`versions unknown for ${unknown.join(", ")}`);
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
        `label namespace ${SAMPLE_NAMESPACE} istio-injection=enabled, then ${kubectl(cluster)} -n ${SAMPLE_NAMESPACE} rollout restart deployment/curl`,
      );
    if (silent.some((entry) => entry.includes("runs no helloworld pod"))) return fail(reason, sampleHint);
    return fail(
      reason,
      `requests do not cross clusters: fix the checks above (remote secrets, east-west gateways, root), then see istiod's endpoints: istioctl --context ${cluster.kubeContext} proxy-config endpoints ${pod.metadata.name}.${SAMPLE_NAMESPACE} | grep helloworld`,
    );
  }
  if (unknown.length) return skip(reason, "fix the reachability failures above first");
  return pass(reason);
}

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

// ---------------------------------------------------------------------------------------------
// Helpers

function otherClusters(mesh: MeshUnderTest, cluster: ClusterUnderTest): readonly ClusterUnderTest[] {
  return mesh.clusters.filter((other) => other.name !== cluster.name);
}

function kubectl(cluster: ClusterUnderTest): string {
  return `kubectl --context ${cluster.kubeContext}`;
}

export function updateKubeconfig(cluster: ClusterUnderTest): string {
  return `aws eks update-kubeconfig --name ${cluster.name} --region ${cluster.region} --alias ${cluster.kubeContext}`;
}

function oneLine(text: string): string {
  return text.split("\n")[0].trim();
}

function parseQuietly(text: string, parse: (text: string) => unknown): unknown {
  try {
    return parse(text);
  } catch {
    return undefined;
  }
}

function readPath(value: unknown, path: readonly string[]): unknown {
  return path.reduce<unknown>(
    (current, key) =>
      current !== null && typeof current === "object" ? (current as Record<string, unknown>)[key] : undefined,
    value,
  );
}

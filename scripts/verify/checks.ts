import { parse as parseYaml } from "yaml";
import type { ClusterSpec } from "../../constructs/config/spec";
import { CertificateSummary, describeCertificate, parsePemCertificates, shortFingerprint } from "./certificates";
import { ClusterClient, ClusterRequestError, KubePod, KubeSecret } from "./cluster-client";

/** Where the deployed mesh keeps what the checks read; these names are the platform's contract. */
export const ISTIO_NAMESPACE = "istio-system";
export const SAMPLE_NAMESPACE = "sample";
export const NETWORK_LABEL = "topology.istio.io/network";
export const MULTICLUSTER_LABEL = "istio/multiCluster";
export const REMOTE_CLUSTER_ANNOTATION = "networking.istio.io/cluster";
export const REMOTE_SECRET_PREFIX = "istio-remote-secret-";
export const CA_SECRET = "cacerts";
/** istiod publishes the root it signs with in this ConfigMap, in every namespace. */
export const CA_ROOT_CONFIGMAP = "istio-ca-root-cert";
export const ROOT_CERT_KEY = "root-cert.pem";
export const ISTIOD_DEPLOYMENT = "istiod";
/** The istiod chart's mesh config (key `mesh`, defaultConfig.meshId = global.meshID). */
export const MESH_CONFIGMAP = "istio";
/** The istiod chart's injector ConfigMap: key `values` is JSON of the chart's `global` values, which sidecars get. */
export const INJECTOR_CONFIGMAP = "istio-sidecar-injector";
export const EAST_WEST_GATEWAY_SERVICE = "istio-eastwestgateway";
/** The port the cross-network Gateway passes mTLS through (AUTO_PASSTHROUGH). */
export const CROSS_NETWORK_PORT = 15443;
export const HELLO_URL = "helloworld.sample:5000/hello";

/**
 * Requests per curl pod, per cluster in the mesh. With endpoints spread evenly over k clusters,
 * the chance that 10k requests miss one cluster is below k(1 - 1/k)^(10k): under 1e-4 for any k.
 */
export const DEFAULT_REQUESTS_PER_CLUSTER = 10;
/** curl's limit for one request, in seconds. */
export const DEFAULT_CURL_TIMEOUT_SECONDS = 5;

export type ClusterUnderTest = Pick<ClusterSpec, "name" | "region" | "network" | "kubeContext">;

export interface MeshUnderTest {
  readonly meshId: string;
  readonly clusters: readonly ClusterUnderTest[];
}

/** A cluster's API client, or why there is none (for instance its context is missing from the kubeconfig). */
export type ClusterConnection = { readonly client: ClusterClient } | { readonly reason: string; readonly hint: string };

export type CheckStatus = "PASS" | "FAIL" | "SKIP";

/** The checks, in the order they run and print. */
export const CHECKS = [
  "reachable",
  "root-cert",
  "shared-root",
  "istiod",
  "remote-secrets",
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
  /** One line: what to do about it (FAIL and SKIP only). */
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
  await perCluster("remote-secrets", (cluster, client) => checkRemoteSecrets(mesh, cluster, client));
  await perCluster("east-west-gw", checkEastWestGateway);

  const servedVersions = await helloworldVersions(mesh, reachable);
  await perCluster("traffic", (cluster, client) =>
    checkTraffic(cluster, client, servedVersions, requests, curlTimeoutSeconds),
  );
  return results;
}

/** Exit code of `npm run verify`: 0 only when every check passed. */
export function exitCodeOf(results: readonly CheckResult[]): number {
  return results.length > 0 && results.every((result) => result.status === "PASS") ? 0 : 1;
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
  const restart = `${kubectl(cluster)} -n ${ISTIO_NAMESPACE} rollout restart deployment/${ISTIOD_DEPLOYMENT}`;
  const restartIstiod = `then restart istiod: ${restart}`;
  const secret = await client.readSecret(ISTIO_NAMESPACE, CA_SECRET);
  if (!secret) {
    return fail(
      `no secret ${CA_SECRET} in ${ISTIO_NAMESPACE}: istiod signs with a self-signed root of its own`,
      `run \`npm run certs\` (or configure your own CA) and apply ${cluster.name}'s platform stack, ${restartIstiod}`,
    );
  }
  const encoded = secret.data?.[ROOT_CERT_KEY];
  if (!encoded)
    return fail(
      `secret ${CA_SECRET} has no key ${ROOT_CERT_KEY}`,
      `recreate ${CA_SECRET} with ca-cert.pem, ca-key.pem, root-cert.pem and cert-chain.pem, ${restartIstiod}`,
    );
  let root: CertificateSummary;
  try {
    [root] = parsePemCertificates(Buffer.from(encoded, "base64").toString("utf8"));
  } catch (error) {
    return fail(
      `${ROOT_CERT_KEY} in secret ${CA_SECRET} ${(error as Error).message}`,
      `recreate ${CA_SECRET} from the CA directory (npm run certs), ${restartIstiod}`,
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

  const published = await client.readConfigMap(ISTIO_NAMESPACE, CA_ROOT_CONFIGMAP);
  const publishedPem = published?.data?.[ROOT_CERT_KEY];
  if (!publishedPem) {
    return {
      ...fail(
        `istiod has not published ConfigMap ${CA_ROOT_CONFIGMAP} in ${ISTIO_NAMESPACE}: it is not running or not yet started`,
        `see the istiod check below: ${kubectl(cluster)} -n ${ISTIO_NAMESPACE} logs deployment/${ISTIOD_DEPLOYMENT}`,
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
        `restart istiod so it loads ${CA_SECRET}: ${restart}`,
      ),
      value: root,
    };
  }
  if (!served.some((certificate) => certificate.fingerprint === root.fingerprint)) {
    return {
      ...fail(
        `istiod distributes root ${describeCertificate(served[0])}, not the ${CA_SECRET} root ${describeCertificate(root)}: istiod started before ${CA_SECRET} existed or has not reloaded it`,
        `restart istiod so it loads ${CA_SECRET}: ${restart}`,
      ),
      value: root,
    };
  }
  return { ...pass(`istiod signs with the ${CA_SECRET} root ${describeCertificate(root)}`), value: root };
}

function compareRoots(mesh: MeshUnderTest, roots: ReadonlyMap<string, CertificateSummary>): Outcome {
  const unknown = mesh.clusters.filter((cluster) => !roots.has(cluster.name)).map((cluster) => cluster.name);
  const fingerprints = new Set([...roots.values()].map((root) => root.fingerprint));
  if (fingerprints.size > 1) {
    const each = [...roots].map(([cluster, root]) => `${cluster} ${shortFingerprint(root.fingerprint)}`).join(", ");
    return fail(
      `clusters trust different roots (${each}): cross-cluster mTLS fails`,
      "give every cluster's cacerts the same root-cert.pem (`npm run certs` makes one root for all clusters), apply, then restart istiod and the workloads in every cluster",
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
    client.readDeployment(ISTIO_NAMESPACE, ISTIOD_DEPLOYMENT),
    client.readConfigMap(ISTIO_NAMESPACE, MESH_CONFIGMAP),
    client.readConfigMap(ISTIO_NAMESPACE, INJECTOR_CONFIGMAP),
    client.readNamespace(ISTIO_NAMESPACE),
  ]);
  if (!deployment) {
    return fail(
      `no Deployment ${ISTIOD_DEPLOYMENT} in ${ISTIO_NAMESPACE}`,
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
      hint: `see why: ${kubectl(cluster)} -n ${ISTIO_NAMESPACE} describe deployment/${ISTIOD_DEPLOYMENT} and its logs`,
    });
  }

  const containers = deployment.spec?.template?.spec?.containers ?? [];
  const discovery = containers.find((container) => container.name === "discovery") ?? containers[0];
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
    `network label ${NETWORK_LABEL} of namespace ${ISTIO_NAMESPACE}`,
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

async function checkRemoteSecrets(
  mesh: MeshUnderTest,
  cluster: ClusterUnderTest,
  client: ClusterClient,
): Promise<Outcome> {
  const others = mesh.clusters.filter((other) => other.name !== cluster.name);
  if (!others.length) return pass("a single cluster needs no remote secrets");
  const labelled = await client.listSecrets(ISTIO_NAMESPACE, `${MULTICLUSTER_LABEL}=true`);
  const byName = new Map(labelled.map((secret) => [secret.metadata?.name ?? "", secret]));
  const hint = `apply the mesh-links stacks, which create ${REMOTE_SECRET_PREFIX}<cluster> in every cluster for every other cluster`;

  const problems: string[] = [];
  const servers: string[] = [];
  for (const other of others) {
    const name = `${REMOTE_SECRET_PREFIX}${other.name}`;
    const secret = byName.get(name);
    if (!secret) {
      const unlabelled = await client.readSecret(ISTIO_NAMESPACE, name);
      problems.push(
        unlabelled
          ? `${name} lacks label ${MULTICLUSTER_LABEL}=true, so istiod ignores it`
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
    else servers.push(`${other.name} (${kubeconfig.server})`);
  }
  const known = new Set(others.map((other) => `${REMOTE_SECRET_PREFIX}${other.name}`));
  const stale = [...byName.keys()].filter((name) => name.startsWith(REMOTE_SECRET_PREFIX) && !known.has(name));
  const staleNote = stale.length ? `; also ${stale.join(", ")}, for clusters not in the config` : "";

  if (problems.length) return fail(problems.join("; ") + staleNote, hint);
  return pass(`remote secrets for ${servers.join(", ")}${staleNote}`);
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
// East-west gateway

async function checkEastWestGateway(cluster: ClusterUnderTest, client: ClusterClient): Promise<Outcome> {
  const service = await client.readService(ISTIO_NAMESPACE, EAST_WEST_GATEWAY_SERVICE);
  const reapply = `re-apply ${cluster.name}'s platform stack (release ${EAST_WEST_GATEWAY_SERVICE}, networkGateway=${cluster.network})`;
  if (!service) return fail(`no Service ${EAST_WEST_GATEWAY_SERVICE} in ${ISTIO_NAMESPACE}`, reapply);

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
      `the AWS Load Balancer Controller provisions it: ${kubectl(cluster)} -n ${ISTIO_NAMESPACE} describe service ${EAST_WEST_GATEWAY_SERVICE}, and the controller's logs in kube-system`,
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
        const pods = await client.listPods(SAMPLE_NAMESPACE, "app=helloworld");
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

  const pods = await client.listPods(SAMPLE_NAMESPACE, "app=curl");
  const pod = pods.find(isReady) ?? pods.find((candidate) => candidate.status?.phase === "Running");
  if (!pod?.metadata?.name) {
    const states = pods
      .map((candidate) => `${candidate.metadata?.name} is ${candidate.status?.phase ?? "unknown"}`)
      .join(", ");
    return fail(
      `no running curl pod (label app=curl) in namespace ${SAMPLE_NAMESPACE}${states ? `: ${states}` : ""}`,
      sampleHint,
    );
  }
  const result = await client.exec(
    SAMPLE_NAMESPACE,
    pod.metadata.name,
    "curl",
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
        `${reason}; the curl pod has no istio-proxy sidecar`,
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
    (container) => container.name === "istio-proxy",
  );
}

// ---------------------------------------------------------------------------------------------
// Helpers

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

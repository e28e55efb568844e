import { readFileSync } from "node:fs";
import * as path from "node:path";
import { stringify } from "yaml";
import type { ClusterClient, ExecRequest, ExecResult } from "../../verify/cluster-client";
import type { MeshUnderTest } from "../../verify/checks/check";
import type { ClusterzEntry } from "../../verify/checks/remote-sync";

/**
 * A deployed mesh as its API servers would serve it: the objects `npm run verify` reads, per
 * cluster, shaped like the Kubernetes JSON. Tests build a healthy mesh, break one thing, and serve
 * it through an in-memory ClusterClient or a fake API server (fake-kube-api.ts).
 */

/** Self-signed roots (O=Istio, CN=Root CA, EC P-256, valid until 2126) made with openssl; no key is kept. */
export const ROOT_A = readFileSync(path.join(__dirname, "..", "fixtures", "verify", "root-a.pem"), "utf8");
export const ROOT_B = readFileSync(path.join(__dirname, "..", "fixtures", "verify", "root-b.pem"), "utf8");

export type Resource = "secrets" | "configmaps" | "services" | "pods" | "deployments";
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type KubeJson = Record<string, any>;

export interface FakeCluster {
  /** The cluster's name: its istiod's CLUSTER_ID. */
  name: string;
  gitVersion: string;
  namespaces: Record<string, KubeJson>;
  /** objects[namespace][resource][name] */
  objects: Record<string, Partial<Record<Resource, Record<string, KubeJson>>>>;
  /** What a command run in a sample pod prints: the fake of `kubectl exec` (istiod's are istiodExec's). */
  exec: (pod: string, container: string, command: readonly string[]) => ExecResult;
  /**
   * How far istiod got with each remote cluster it loaded, by cluster ID: its /debug/clusterz
   * syncStatus. A cluster not named here is "synced".
   */
  remoteSyncStatus: Record<string, string>;
  /** Replaces the istiod model for a pod's exec: an istiod that answers oddly. */
  istiodExec?: (pod: string, command: readonly string[]) => ExecResult | undefined;
}

/*
 * What a real mesh answers, as literals of their own: never verify's constants, so a checker that
 * asks for the wrong thing gets what a real cluster would give it (a 404, a failed request). The
 * contract test (verify-contract.test.ts) derives each from the rendered charts.
 */

/** The helloworld URL the mesh chart's samples serve (Service helloworld in namespace sample, port 5000, path /hello). */
export const SAMPLE_HELLO_URL = "helloworld.sample:5000/hello";
/** The command istiod 1.31's image answers /debug/clusterz to, from inside its container. */
export const ISTIOD_CLUSTERZ_COMMAND = ["/usr/local/bin/pilot-discovery", "request", "GET", "/debug/clusterz"] as const;

/** The istiod replica of every fake cluster. */
export const ISTIOD_POD = "istiod-6c8f9d7b5-q2w4e";

/**
 * What istiod 1.31 answers to /debug/clusterz, as `pilot-discovery request` prints it: its own
 * cluster, then one entry per kubeconfig key of every remote secret it watches (label
 * istio/multiCluster=true in istio-system), except its own cluster ID (pkg/kube/multicluster
 * ListRemoteClusters and addRemoteConfig).
 */
export function clusterzAnswer(cluster: FakeCluster): ClusterzEntry[] {
  const remotes = listObjects(cluster, "istio-system", "secrets", "istio/multiCluster=true").flatMap((secret) =>
    Object.keys(secret.data ?? {})
      .filter((id) => id !== cluster.name)
      .map((id) => ({
        id,
        secretName: `istio-system/${secret.metadata.name}`,
        syncStatus: cluster.remoteSyncStatus[id] ?? "synced",
      })),
  );
  return [{ id: cluster.name, secretName: "", syncStatus: "synced" }, ...remotes];
}

/** A command run in a pod of the cluster: istiod's pilot-discovery, or the sample pods' exec. */
export function execIn(
  cluster: FakeCluster,
  namespace: string,
  pod: string,
  container: string,
  command: readonly string[],
): ExecResult {
  if (!cluster.objects[namespace]?.pods?.[pod])
    return { stdout: "", stderr: `pods "${pod}" not found in ${namespace}`, exitCode: 1 };
  if (namespace !== "istio-system" || container !== "discovery") return cluster.exec(pod, container, command);
  const odd = cluster.istiodExec?.(pod, command);
  if (odd) return odd;
  if (command.join(" ") !== ISTIOD_CLUSTERZ_COMMAND.join(" "))
    return { stdout: "", stderr: `unexpected exec ${command.join(" ")}`, exitCode: 127 };
  // pilot-discovery request prints the body with a newline (fmt.Println).
  return { stdout: `${JSON.stringify(clusterzAnswer(cluster))}\n`, stderr: "", exitCode: 0 };
}

const b64 = (text: string) => Buffer.from(text, "utf8").toString("base64");

/** helloworld's answer, as the sample prints it, plus the newline curl's `-w "\n"` adds. */
export function helloAnswer(version: string): string {
  return `Hello version: ${version}, instance: helloworld-${version}-7d5c9b8f4-x2x9q\n\n`;
}

/**
 * An exec that answers every helloworld request in the command in turn from `versions`; a URL
 * other than the sample's fails as curl reports it (a wrong port: refused; a wrong host: not
 * resolved; a wrong path: helloworld's 404 page).
 */
export function answersFrom(versions: readonly string[]): FakeCluster["exec"] {
  return (_pod, container, command) => {
    if (container !== "curl" || command[0] !== "curl")
      return { stdout: "", stderr: `unexpected exec ${command.join(" ")}`, exitCode: 127 };
    // curl's operands: what is neither an option nor an option's value (a number, a header, "\\n").
    const urls = command.slice(1).filter((arg) => !arg.startsWith("-") && !/\s/.test(arg) && /[./:]/.test(arg));
    let answered = 0;
    const stdout: string[] = [];
    const stderr: string[] = [];
    for (const url of urls) {
      if (url === SAMPLE_HELLO_URL) stdout.push(helloAnswer(versions[answered++ % versions.length]));
      else {
        const failure = curlFailure(url);
        stdout.push(failure.stdout ?? "");
        stderr.push(failure.stderr ?? "");
      }
    }
    return { stdout: stdout.join(""), stderr: stderr.join(""), exitCode: answered === urls.length ? 0 : 7 };
  };
}

/** What curl prints for a request the sample does not serve. */
function curlFailure(url: string): { stdout?: string; stderr?: string } {
  const [, host, port = "80"] = /^([^:/]+)(?::(\d+))?/.exec(url) ?? [];
  const sampleHost = SAMPLE_HELLO_URL.split(":")[0];
  if (host !== sampleHost) return { stderr: `curl: (6) Could not resolve host: ${host}\n` };
  if (!SAMPLE_HELLO_URL.startsWith(`${host}:${port}/`))
    return { stderr: `curl: (7) Failed to connect to ${host} port ${port} after 3 ms: Couldn't connect to server\n` };
  // helloworld's 404 page, with curl's -w "\n".
  return { stdout: "<!doctype html>\n<title>404 Not Found</title>\n\n" };
}

/** The kubeconfig a remote secret carries: token user, no exec, as istiod needs it. */
export function remoteKubeconfig(clusterName: string, server: string): string {
  return stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: clusterName, cluster: { server, "certificate-authority-data": b64("ca") } }],
    users: [{ name: clusterName, user: { token: "reader-token" } }],
    contexts: [{ name: clusterName, context: { cluster: clusterName, user: clusterName } }],
    "current-context": clusterName,
  });
}

export function remoteSecret(
  clusterName: string,
  kubeconfig = remoteKubeconfig(clusterName, `https://${clusterName}.gr7.example.eks.amazonaws.com`),
): KubeJson {
  return {
    metadata: {
      name: `istio-remote-secret-${clusterName}`,
      namespace: "istio-system",
      labels: { "istio/multiCluster": "true" },
      annotations: { "networking.istio.io/cluster": clusterName },
    },
    type: "Opaque",
    data: { [clusterName]: b64(kubeconfig) },
  };
}

/** The annotation istiod's injector writes on a pod it injected (pkg/kube/inject SidecarInjectionStatus). */
export function sidecarStatus(revision = "default"): Record<string, string> {
  return {
    "sidecar.istio.io/status": JSON.stringify({
      initContainers: ["istio-validation"],
      containers: ["istio-proxy"],
      volumes: ["workload-socket", "istio-envoy", "istio-data", "istio-podinfo", "istio-token", "istiod-ca-cert"],
      imagePullSecrets: null,
      revision,
    }),
  };
}

/** The injected proxy container, with the image of its release. */
export function proxyContainer(version: string): KubeJson {
  return { name: "istio-proxy", image: `docker.io/istio/proxyv2:${version}` };
}

/**
 * Every cluster of the mesh deployed as the platform intends: cluster i serves helloworld v(i+1),
 * and with samples: false there is no sample namespace at all.
 */
export function healthyMesh(mesh: MeshUnderTest, rootPem = ROOT_A): Map<string, FakeCluster> {
  const versions = mesh.clusters.map((_, index) => `v${index + 1}`);
  return new Map(
    mesh.clusters.map((cluster, index): [string, FakeCluster] => {
      const version = versions[index];
      const meshYaml = stringify({
        trustDomain: "cluster.local",
        rootNamespace: "istio-system",
        defaultConfig: { meshId: mesh.meshId, discoveryAddress: "istiod.istio-system.svc:15012" },
      });
      const injectorValues = JSON.stringify(
        {
          global: { meshID: mesh.meshId, network: cluster.network, multiCluster: { clusterName: cluster.name } },
          revision: "",
        },
        null,
        2,
      );
      const others = mesh.clusters.filter((other) => other.name !== cluster.name);
      return [
        cluster.name,
        {
          name: cluster.name,
          gitVersion: "v1.35.2-eks-1234567",
          namespaces: {
            "istio-system": {
              metadata: { name: "istio-system", labels: { "topology.istio.io/network": cluster.network } },
            },
            ...(mesh.samples && {
              sample: { metadata: { name: "sample", labels: { "istio-injection": "enabled" } } },
            }),
          },
          objects: {
            "istio-system": {
              secrets: {
                cacerts: {
                  metadata: { name: "cacerts" },
                  type: "Opaque",
                  data: { "root-cert.pem": b64(rootPem), "ca-cert.pem": b64("intermediate") },
                },
                ...Object.fromEntries(
                  others.map((other) => [`istio-remote-secret-${other.name}`, remoteSecret(other.name)]),
                ),
                "istio-reader-service-account-token": {
                  metadata: { name: "istio-reader-service-account-token" },
                  type: "kubernetes.io/service-account-token",
                  data: {},
                },
              },
              configmaps: {
                "istio-ca-root-cert": { metadata: { name: "istio-ca-root-cert" }, data: { "root-cert.pem": rootPem } },
                istio: { metadata: { name: "istio" }, data: { mesh: meshYaml, meshNetworks: "networks: {}" } },
                "istio-sidecar-injector": {
                  metadata: { name: "istio-sidecar-injector" },
                  data: { values: injectorValues, config: "policy: enabled" },
                },
              },
              deployments: {
                istiod: {
                  metadata: { name: "istiod", labels: { app: "istiod" } },
                  spec: {
                    replicas: 1,
                    template: {
                      spec: {
                        containers: [
                          {
                            name: "discovery",
                            image: `docker.io/istio/pilot:${mesh.istioVersion}`,
                            args: ["discovery", "--monitoringAddr=:15014"],
                            env: [
                              { name: "REVISION", value: "default" },
                              { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
                              { name: "CLUSTER_ID", value: cluster.name },
                            ],
                          },
                        ],
                      },
                    },
                  },
                  status: { replicas: 1, readyReplicas: 1 },
                },
              },
              pods: {
                [ISTIOD_POD]: {
                  metadata: { name: ISTIOD_POD, labels: { app: "istiod", istio: "pilot" } },
                  spec: { containers: [{ name: "discovery" }] },
                  status: { phase: "Running", containerStatuses: [{ name: "discovery", ready: true }] },
                },
              },
              services: {
                "istio-eastwestgateway": {
                  metadata: {
                    name: "istio-eastwestgateway",
                    labels: { istio: "eastwestgateway", "topology.istio.io/network": cluster.network },
                  },
                  spec: {
                    type: "LoadBalancer",
                    ports: [15021, 15443, 15012, 15017].map((port) => ({
                      name: `port-${port}`,
                      port,
                      protocol: "TCP",
                    })),
                  },
                  status: {
                    loadBalancer: {
                      ingress: [{ hostname: `k8s-istiosys-eastwest-${index}.elb.${cluster.region}.amazonaws.com` }],
                    },
                  },
                },
              },
            },
            ...(mesh.samples && {
              sample: {
                pods: {
                  [`helloworld-${version}-7d5c9b8f4-x2x9q`]: {
                    metadata: {
                      name: `helloworld-${version}-7d5c9b8f4-x2x9q`,
                      labels: { app: "helloworld", version },
                      annotations: sidecarStatus(),
                    },
                    spec: { containers: [{ name: "helloworld" }, proxyContainer(mesh.istioVersion)] },
                    status: {
                      phase: "Running",
                      containerStatuses: [
                        { name: "helloworld", ready: true },
                        { name: "istio-proxy", ready: true },
                      ],
                    },
                  },
                  "curl-5b549b49b8-mg7nl": {
                    metadata: { name: "curl-5b549b49b8-mg7nl", labels: { app: "curl" }, annotations: sidecarStatus() },
                    spec: { containers: [{ name: "curl" }, proxyContainer(mesh.istioVersion)] },
                    status: {
                      phase: "Running",
                      containerStatuses: [
                        { name: "curl", ready: true },
                        { name: "istio-proxy", ready: true },
                      ],
                    },
                  },
                },
              },
            }),
          },
          exec: answersFrom(versions),
          remoteSyncStatus: {},
        },
      ];
    }),
  );
}

/** Whether an object's labels satisfy an equality selector such as `app=curl,tier=web`. */
export function matchesSelector(object: KubeJson, selector: string | undefined | null): boolean {
  if (!selector) return true;
  return selector.split(",").every((term) => {
    if (!term.includes("=")) return object.metadata?.labels?.[term] !== undefined;
    const [key, value] = term.split("=");
    return object.metadata?.labels?.[key] === value;
  });
}

/** Objects of one resource in a namespace, as a list call returns them. */
export function listObjects(
  cluster: FakeCluster,
  namespace: string,
  resource: Resource,
  selector?: string | null,
): KubeJson[] {
  return Object.values(cluster.objects[namespace]?.[resource] ?? {}).filter((object) =>
    matchesSelector(object, selector),
  );
}

/** A ClusterClient over a FakeCluster, for tests of the check logic without HTTP. */
export class MemoryClient implements ClusterClient {
  /** Every call, as "method args", in order. */
  readonly calls: string[] = [];
  /** Makes every call of the named method reject with this error. */
  readonly failures = new Map<keyof ClusterClient, Error>();

  constructor(
    readonly cluster: FakeCluster,
    readonly server = "https://fake.eks.amazonaws.com",
  ) {}

  serverVersion() {
    return this.answer("serverVersion", [], () => this.cluster.gitVersion);
  }
  readNamespace(name: string) {
    return this.answer("readNamespace", [name], () => this.cluster.namespaces[name]);
  }
  listNamespaces(labelSelector: string) {
    return this.answer("listNamespaces", [labelSelector], () =>
      Object.values(this.cluster.namespaces).filter((namespace) => matchesSelector(namespace, labelSelector)),
    );
  }
  readSecret(namespace: string, name: string) {
    return this.answer("readSecret", [namespace, name], () => this.cluster.objects[namespace]?.secrets?.[name]);
  }
  listSecrets(namespace: string, labelSelector: string) {
    return this.answer("listSecrets", [namespace, labelSelector], () =>
      listObjects(this.cluster, namespace, "secrets", labelSelector),
    );
  }
  readConfigMap(namespace: string, name: string) {
    return this.answer("readConfigMap", [namespace, name], () => this.cluster.objects[namespace]?.configmaps?.[name]);
  }
  readDeployment(namespace: string, name: string) {
    return this.answer("readDeployment", [namespace, name], () => this.cluster.objects[namespace]?.deployments?.[name]);
  }
  readService(namespace: string, name: string) {
    return this.answer("readService", [namespace, name], () => this.cluster.objects[namespace]?.services?.[name]);
  }
  listPods(namespace: string, labelSelector: string) {
    return this.answer("listPods", [namespace, labelSelector], () =>
      listObjects(this.cluster, namespace, "pods", labelSelector),
    );
  }
  exec({ namespace, pod, container, command }: ExecRequest) {
    return this.answer("exec", [namespace, pod, container, command.join(" ")], () =>
      execIn(this.cluster, namespace, pod, container, command),
    );
  }

  private async answer<T>(method: keyof ClusterClient, args: readonly string[], value: () => T): Promise<T> {
    this.calls.push([method, ...args].join(" "));
    const failure = this.failures.get(method);
    if (failure) throw failure;
    // Deep copy: the checks get the server's data, never a reference into the fixture.
    const result = value();
    return result === undefined ? result : JSON.parse(JSON.stringify(result));
  }
}

import { readFileSync } from "node:fs";
import * as path from "node:path";
import { stringify } from "yaml";
import type { ClusterClient, ExecResult } from "../../scripts/verify/cluster-client";
import { HELLO_URL, MeshUnderTest } from "../../scripts/verify/checks";

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
  gitVersion: string;
  namespaces: Record<string, KubeJson>;
  /** objects[namespace][resource][name] */
  objects: Record<string, Partial<Record<Resource, Record<string, KubeJson>>>>;
  /** What a command run in a pod prints: the fake of `kubectl exec`. */
  exec: (pod: string, container: string, command: readonly string[]) => ExecResult;
}

const b64 = (text: string) => Buffer.from(text, "utf8").toString("base64");

/** helloworld's answer, as the sample prints it, plus the newline curl's `-w "\n"` adds. */
export function helloAnswer(version: string): string {
  return `Hello version: ${version}, instance: helloworld-${version}-7d5c9b8f4-x2x9q\n\n`;
}

/** An exec that answers every helloworld request in the command in turn from `versions`. */
export function answersFrom(versions: readonly string[]): FakeCluster["exec"] {
  return (_pod, container, command) => {
    if (container !== "curl" || command[0] !== "curl")
      return { stdout: "", stderr: `unexpected exec ${command.join(" ")}`, exitCode: 127 };
    const requests = command.filter((arg) => arg === HELLO_URL).length;
    return {
      stdout: Array.from({ length: requests }, (_, index) => helloAnswer(versions[index % versions.length])).join(""),
      stderr: "",
      exitCode: 0,
    };
  };
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

/** Every cluster of the mesh deployed as the platform intends: cluster i serves helloworld v(i+1). */
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
          gitVersion: "v1.35.2-eks-1234567",
          namespaces: {
            "istio-system": {
              metadata: { name: "istio-system", labels: { "topology.istio.io/network": cluster.network } },
            },
            sample: { metadata: { name: "sample", labels: { "istio-injection": "enabled" } } },
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
            sample: {
              pods: {
                [`helloworld-${version}-7d5c9b8f4-x2x9q`]: {
                  metadata: { name: `helloworld-${version}-7d5c9b8f4-x2x9q`, labels: { app: "helloworld", version } },
                  spec: { containers: [{ name: "helloworld" }, { name: "istio-proxy" }] },
                  status: {
                    phase: "Running",
                    containerStatuses: [
                      { name: "helloworld", ready: true },
                      { name: "istio-proxy", ready: true },
                    ],
                  },
                },
                "curl-5b549b49b8-mg7nl": {
                  metadata: { name: "curl-5b549b49b8-mg7nl", labels: { app: "curl" } },
                  spec: { containers: [{ name: "curl" }, { name: "istio-proxy" }] },
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
          },
          exec: answersFrom(versions),
        },
      ];
    }),
  );
}

/** Whether an object's labels satisfy an equality selector such as `app=curl,tier=web`. */
export function matchesSelector(object: KubeJson, selector: string | undefined | null): boolean {
  if (!selector) return true;
  return selector.split(",").every((term) => {
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
  exec(namespace: string, pod: string, container: string, command: readonly string[]) {
    return this.answer("exec", [namespace, pod, container, command.join(" ")], () =>
      this.cluster.exec(pod, container, command),
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

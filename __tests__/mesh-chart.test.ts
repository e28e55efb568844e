import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { App } from "cdktf";
import { parse, stringify } from "yaml";
import { validateMeshConfig } from "../config/load";
import { buildMesh, stackName } from "../constructs/mesh";
import { MESH_CHART_DIRECTORY, MESH_MANIFESTS_RELEASE } from "../constructs/istio/mesh-manifests";
import { helmLint, helmTemplate, K8sObject } from "./helpers/helm";
import { example, resourcesOf, StackJson } from "./helpers/synth";
import { SAMPLE_NAMESPACE } from "../constructs/names";

/**
 * The mesh chart as it ships: synthesized into cdktf.out, then linted and rendered by a real helm
 * with the exact values each cluster's helm_release passes. The default two-cluster mesh, with an
 * ACM certificate on cluster1 only, covers both the HTTPS and the plain-HTTP Ingress.
 */
const CERTIFICATE_ARN = "arn:aws:acm:us-west-2:111122223333:certificate/0b9e4f6a-1c2d-4e5f-8a9b-0c1d2e3f4a5b";
const raw = parse(readFileSync(example("two-clusters.yaml"), "utf8"));
raw.clusters[0].ingress = { certificateArn: CERTIFICATE_ARN };
const { spec } = validateMeshConfig(raw, "two-clusters.yaml with a certificate on cluster1");
const [httpsCluster, httpCluster] = spec.clusters;

const outdir = mkdtempSync(path.join(tmpdir(), "mesh-chart-"));
afterAll(() => rmSync(outdir, { recursive: true, force: true }));
const app = new App({ outdir });
buildMesh(app, spec);
app.synth();

interface ShippedRelease {
  /** The chart path as written in cdk.tf.json. */
  readonly chart: string;
  /** Where that path points, from the stack's working directory. */
  readonly chartDir: string;
  readonly namespace: string;
  readonly values: string;
}

function shippedRelease(clusterName: string): ShippedRelease {
  const stackDir = path.join(outdir, "stacks", stackName(clusterName, "platform"));
  const stack: StackJson = JSON.parse(readFileSync(path.join(stackDir, "cdk.tf.json"), "utf8"));
  const releases = Object.values(resourcesOf(stack, "helm_release")).filter(
    (release) => release.name === MESH_MANIFESTS_RELEASE,
  );
  if (releases.length !== 1)
    throw new Error(`expected one ${MESH_MANIFESTS_RELEASE} release in ${clusterName}, found ${releases.length}`);
  const [release] = releases;
  if (release.values?.length !== 1) throw new Error(`expected one values document, found ${release.values?.length}`);
  return {
    chart: release.chart,
    chartDir: path.join(stackDir, release.chart),
    namespace: release.namespace,
    values: release.values[0],
  };
}

const ofKind = (objects: K8sObject[], kind: string): K8sObject[] => objects.filter((object) => object.kind === kind);
const onlyOfKind = (objects: K8sObject[], kind: string): K8sObject => {
  const matching = ofKind(objects, kind);
  expect(matching).toHaveLength(1);
  return matching[0];
};

describe.each([
  ["HTTPS", httpsCluster.name],
  ["plain HTTP", httpCluster.name],
])("mesh chart of a cluster with %s ingress (%s)", (_mode, clusterName) => {
  const release = shippedRelease(clusterName);
  // The sample apps have a describe block of their own.
  const objects = helmTemplate(release.chartDir, MESH_MANIFESTS_RELEASE, release.namespace, release.values).filter(
    (object) => object.metadata.namespace !== SAMPLE_NAMESPACE,
  );

  it("ships inside cdktf.out under a relative path, with values that need no Terraform interpolation", () => {
    expect(path.isAbsolute(release.chart)).toBe(false);
    expect(release.chart.startsWith("assets/")).toBe(true);
    expect(path.relative(outdir, release.chartDir).startsWith("..")).toBe(false);
    expect(release.values).not.toContain("${");
    expect(readFileSync(path.join(release.chartDir, "Chart.yaml"), "utf8")).toBe(
      readFileSync(path.join(MESH_CHART_DIRECTORY, "Chart.yaml"), "utf8"),
    );
  });

  it("passes helm lint --strict with the release's values", () => {
    expect(helmLint(release.chartDir, release.values, release.namespace)).toMatch(
      /1 chart\(s\) linted, 0 chart\(s\) failed/,
    );
  });

  it("renders exactly a cross-network Gateway, the server-header EnvoyFilter and the ALB Ingress", () => {
    expect(objects.map((object) => `${object.apiVersion}/${object.kind}`).sort()).toEqual([
      "networking.istio.io/v1/Gateway",
      "networking.istio.io/v1alpha3/EnvoyFilter",
      "networking.k8s.io/v1/Ingress",
    ]);
  });

  it("exposes *.local on the east-west gateway's port 15443 as TLS AUTO_PASSTHROUGH", () => {
    const gateway = onlyOfKind(objects, "Gateway");
    expect(gateway.metadata).toMatchObject({ name: "cross-network-gateway", namespace: "istio-system" });
    expect(gateway.spec.selector).toEqual({ istio: "eastwestgateway" });
    expect(gateway.spec.servers).toEqual([
      { port: { number: 15443, name: "tls", protocol: "TLS" }, tls: { mode: "AUTO_PASSTHROUGH" }, hosts: ["*.local"] },
    ]);
  });

  it("replaces the ingress gateway's server header through the v3 HttpConnectionManager", () => {
    const filter = onlyOfKind(objects, "EnvoyFilter");
    expect(filter.metadata.namespace).toBe("istio-ingress");
    expect(filter.spec.workloadSelector).toEqual({ labels: { istio: "ingressgateway" } });
    expect(filter.spec.configPatches).toHaveLength(1);
    const [patch] = filter.spec.configPatches;
    expect(patch.applyTo).toBe("NETWORK_FILTER");
    expect(patch.match.context).toBe("GATEWAY");
    expect(patch.match.listener.filterChain.filter.name).toBe("envoy.filters.network.http_connection_manager");
    expect(patch.patch.operation).toBe("MERGE");
    expect(patch.patch.value.typed_config).toEqual({
      "@type": "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager",
      server_name: expect.stringMatching(/\S/),
      server_header_transformation: "OVERWRITE",
    });
    expect(JSON.stringify(filter)).not.toMatch(/\.v2\./);
  });

  it("sends the ALB straight to the ingress gateway pods, health-checked on their readiness endpoint", () => {
    const ingress = onlyOfKind(objects, "Ingress");
    expect(ingress.metadata.namespace).toBe("istio-ingress");
    expect(ingress.spec.ingressClassName).toBe("alb");
    expect(ingress.metadata.annotations).toMatchObject({
      "alb.ingress.kubernetes.io/scheme": "internet-facing",
      "alb.ingress.kubernetes.io/target-type": "ip",
      "alb.ingress.kubernetes.io/healthcheck-port": "15021",
      "alb.ingress.kubernetes.io/healthcheck-path": "/healthz/ready",
    });
    expect(ingress.spec.rules).toEqual([
      {
        http: {
          paths: [
            {
              path: "/",
              pathType: "Prefix",
              backend: { service: { name: "istio-ingressgateway", port: { number: 80 } } },
            },
          ],
        },
      },
    ]);
  });

  it("listens on HTTPS with the certificate and redirects HTTP only when a certificate is configured", () => {
    const annotations: Record<string, string> = onlyOfKind(objects, "Ingress").metadata.annotations;
    const listeners = JSON.parse(annotations["alb.ingress.kubernetes.io/listen-ports"]);
    if (clusterName === httpsCluster.name) {
      expect(listeners).toEqual([{ HTTP: 80 }, { HTTPS: 443 }]);
      expect(annotations["alb.ingress.kubernetes.io/ssl-redirect"]).toBe("443");
      expect(annotations["alb.ingress.kubernetes.io/certificate-arn"]).toBe(CERTIFICATE_ARN);
      expect(annotations["alb.ingress.kubernetes.io/ssl-policy"]).toMatch(/^ELBSecurityPolicy-TLS13-/);
    } else {
      expect(listeners).toEqual([{ HTTP: 80 }]);
      expect(Object.keys(annotations).filter((key) => /ssl|certificate/.test(key))).toEqual([]);
    }
  });
});

describe("mesh chart values schema", () => {
  const { values, chartDir, namespace } = shippedRelease(httpCluster.name);

  it("rejects a key the templates do not read, so a mistyped meshManifests override fails instead of being ignored", () => {
    expect(() => helmTemplate(chartDir, MESH_MANIFESTS_RELEASE, namespace, `${values}\ningressClass: nginx\n`)).toThrow(
      /additional properties 'ingressClass' not allowed/,
    );
  });

  it("rejects a certificate that is not an ACM ARN", () => {
    const badValues = values.replace('certificateArn: ""', 'certificateArn: "my-cert"');
    expect(badValues).not.toBe(values);
    expect(() => helmTemplate(chartDir, MESH_MANIFESTS_RELEASE, namespace, badValues)).toThrow(/certificateArn/);
  });
});

/** What `npm run verify` relies on, rendered by helm from each cluster's shipped values. */
describe.each(spec.clusters.map((cluster) => [cluster.name]))("sample apps of %s", (clusterName) => {
  // Each cluster serves helloworld at its own name, so answers say which cluster gave them.
  const version = clusterName;
  const release = shippedRelease(clusterName);
  const samples = helmTemplate(release.chartDir, MESH_MANIFESTS_RELEASE, release.namespace, release.values).filter(
    (object) => object.metadata.namespace === SAMPLE_NAMESPACE,
  );
  const named = (kind: string, name: string): K8sObject => {
    const matching = samples.filter((object) => object.kind === kind && object.metadata.name === name);
    expect(matching).toHaveLength(1);
    return matching[0];
  };

  it("renders helloworld and curl (account, Service, Deployment each) and the ingress Gateway and route, all in the sample namespace", () => {
    expect(samples.map((object) => `${object.kind}/${object.metadata.name}`).sort()).toEqual(
      [
        "ServiceAccount/helloworld",
        "Service/helloworld",
        `Deployment/helloworld-${version}`,
        "ServiceAccount/curl",
        "Service/curl",
        "Deployment/curl",
        "Gateway/helloworld-gateway",
        "VirtualService/helloworld",
      ].sort(),
    );
  });

  it(`serves helloworld ${version} on port 5000 (http), answering with SERVICE_VERSION=${version}`, () => {
    const service = named("Service", "helloworld");
    expect(service.spec.selector).toEqual({ app: "helloworld" });
    expect(service.spec.ports).toEqual([{ name: "http", port: 5000, targetPort: "http" }]);

    const deployment = named("Deployment", `helloworld-${version}`);
    expect(deployment.spec.selector.matchLabels).toEqual({ app: "helloworld", version });
    expect(deployment.spec.template.metadata.labels).toEqual({ app: "helloworld", version });
    const [container] = deployment.spec.template.spec.containers;
    expect(deployment.spec.template.spec.containers).toHaveLength(1);
    expect(container.image).toBe("registry.istio.io/release/examples-helloworld-v1:1.0");
    expect(container.env).toEqual([
      { name: "SERVICE_VERSION", value: version },
      { name: "TMPDIR", value: "/var/tmp" },
    ]);
    expect(container.volumeMounts).toEqual([{ name: "tmp", mountPath: "/var/tmp" }]);
    expect(deployment.spec.template.spec.volumes).toEqual([{ name: "tmp", emptyDir: { sizeLimit: "16Mi" } }]);
    expect(container.ports).toEqual([{ name: "http", containerPort: 5000 }]);
    expect(container.readinessProbe.httpGet).toEqual({ path: "/health", port: "http" });
  });

  it("runs a curl client in a container named curl, under its own service account", () => {
    const deployment = named("Deployment", "curl");
    expect(deployment.spec.selector.matchLabels).toEqual({ app: "curl" });
    expect(deployment.spec.template.metadata.labels).toEqual({ app: "curl" });
    expect(deployment.spec.template.spec.serviceAccountName).toBe("curl");
    expect(deployment.spec.template.spec.containers.map((container: K8sObject) => container.name)).toEqual(["curl"]);
    expect(deployment.spec.template.spec.containers[0].image).toBe("docker.io/curlimages/curl:8.16.0");
    expect(named("Service", "curl").spec.selector).toEqual({ app: "curl" });
  });

  it("runs every sample container as non-root and unprivileged, with requests and a memory limit", () => {
    for (const name of [`helloworld-${version}`, "curl"]) {
      const pod = named("Deployment", name).spec.template.spec;
      expect(pod.securityContext.seccompProfile).toEqual({ type: "RuntimeDefault" });
      for (const container of pod.containers) {
        expect(container.securityContext).toMatchObject({
          runAsNonRoot: true,
          runAsUser: expect.any(Number),
          allowPrivilegeEscalation: false,
          capabilities: { drop: ["ALL"] },
        });
        expect(container.securityContext.runAsUser).toBeGreaterThan(0);
        expect(container.resources.requests).toEqual({ cpu: expect.any(String), memory: expect.any(String) });
        expect(container.resources.limits).toEqual({ memory: expect.any(String) });
      }
    }
  });

  it("gives the ingress gateway an HTTP listener on port 80 that routes /hello to helloworld.sample:5000", () => {
    const gateway = named("Gateway", "helloworld-gateway");
    expect(gateway.apiVersion).toBe("networking.istio.io/v1");
    expect(gateway.spec.selector).toEqual({ istio: "ingressgateway" });
    expect(gateway.spec.servers).toEqual([{ port: { number: 80, name: "http", protocol: "HTTP" }, hosts: ["*"] }]);

    const route = named("VirtualService", "helloworld");
    expect(route.apiVersion).toBe("networking.istio.io/v1");
    expect(route.spec.hosts).toEqual(["*"]);
    expect(route.spec.gateways).toEqual(["helloworld-gateway"]);
    expect(route.spec.http).toEqual([
      {
        match: [{ uri: { exact: "/hello" } }],
        route: [{ destination: { host: "helloworld.sample.svc.cluster.local", port: { number: 5000 } } }],
      },
    ]);
  });
});

describe("mesh chart without samples", () => {
  const { values, chartDir, namespace } = shippedRelease(httpCluster.name);
  const withoutSamples = stringify({ ...parse(values), samples: { enabled: false } });

  it("renders no sample object at all, and still the mesh's own three", () => {
    const objects = helmTemplate(chartDir, MESH_MANIFESTS_RELEASE, namespace, withoutSamples);
    expect(objects.map((object) => object.kind).sort()).toEqual(["EnvoyFilter", "Gateway", "Ingress"]);
    expect(objects.filter((object) => object.metadata.namespace === SAMPLE_NAMESPACE)).toEqual([]);
  });

  it("rejects a helloworld version that cannot name a Deployment", () => {
    const badValues = stringify({ ...parse(values), samples: { enabled: true, helloworld: { version: "Cluster 1" } } });
    expect(() => helmTemplate(chartDir, MESH_MANIFESTS_RELEASE, namespace, badValues)).toThrow(/version/);
  });
});

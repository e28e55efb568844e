import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { App } from "cdktf";
import { parse } from "yaml";
import { validateMeshConfig } from "../constructs/config/load";
import { buildMesh, stackName } from "../constructs/mesh-app";
import { MESH_CHART_DIRECTORY, MESH_MANIFESTS_RELEASE } from "../constructs/kubernetes/mesh-manifests";
import { helmLint, helmTemplate, K8sObject } from "./helpers/helm";
import { example, resourcesOf, StackJson } from "./helpers/synth";

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
  const objects = helmTemplate(release.chartDir, MESH_MANIFESTS_RELEASE, release.namespace, release.values);

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

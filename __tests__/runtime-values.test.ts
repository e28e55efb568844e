import { parse } from "yaml";
import { loadMeshConfig } from "../config/load";
import { AWS_IDLE_FLOW_TIMEOUT_SECONDS } from "../constructs/istio/connection-keepalive";
import { resourcesOf, synthApp, StackJson } from "./helpers/synth";
import { hasTerraform, terraformEval } from "./helpers/terraform";

/**
 * What keeps a live mesh healthy under real traffic, read from the synthesized Helm values: the
 * keepalives that outlast AWS's idle-flow timeout, zone spread, cross-zone NLBs, and the plan-time
 * guard that keeps the east-west NLB from opening to everyone.
 */
const mesh = loadMeshConfig().spec;
const { stacks } = synthApp(mesh);
const platform = stacks[`${mesh.clusters[0].name}-platform`];

function release(stack: StackJson, name: string): StackJson {
  const found = Object.values(resourcesOf(stack, "helm_release")).find((candidate) => candidate.name === name);
  if (!found) throw new Error(`no helm_release ${name}`);
  return found;
}
const valuesOf = (name: string): StackJson => parse(release(platform, name).values[0]);

/** Go/protobuf duration strings ("240s") in seconds. */
const seconds = (duration: string): number => {
  expect(duration).toMatch(/^\d+s$/);
  return Number(duration.slice(0, -1));
};

describe("connections through NAT gateways and NLBs", () => {
  const { meshConfig } = valuesOf("istiod");

  it("sets a mesh-wide TCP keepalive whose probes start well before the 350 s idle timeout", () => {
    const { time, interval, probes } = meshConfig.tcpKeepalive;
    expect(seconds(time)).toBeLessThan(AWS_IDLE_FLOW_TIMEOUT_SECONDS);
    expect(seconds(interval)).toBeLessThan(AWS_IDLE_FLOW_TIMEOUT_SECONDS);
    expect(probes).toBeGreaterThan(0);
  });

  it("closes idle upstream HTTP connections before a middlebox forgets them", () => {
    const { idleTimeout } = meshConfig.defaultTrafficPolicy.connectionPool.http;
    expect(seconds(idleTimeout)).toBeLessThan(AWS_IDLE_FLOW_TIMEOUT_SECONDS);
  });
});

describe("availability across zones", () => {
  const spreadOf = (name: string) => valuesOf(name).topologySpreadConstraints;

  it.each([
    ["istiod", { app: "istiod" }],
    ["istio-ingressgateway", { istio: "ingressgateway" }],
    ["istio-eastwestgateway", { istio: "eastwestgateway" }],
  ])("spreads %s over topology.kubernetes.io/zone, selecting its own pods", (name, matchLabels) => {
    expect(spreadOf(name)).toEqual([
      expect.objectContaining({
        topologyKey: "topology.kubernetes.io/zone",
        maxSkew: 1,
        labelSelector: { matchLabels },
      }),
    ]);
  });

  it("selects pods by the labels the gateways' own values give them", () => {
    for (const name of ["istio-ingressgateway", "istio-eastwestgateway"]) {
      const values = valuesOf(name);
      expect(values.topologySpreadConstraints[0].labelSelector.matchLabels.istio).toBe(values.labels.istio);
    }
  });

  it("turns on cross-zone load balancing for the east-west NLB", () => {
    expect(valuesOf("istio-eastwestgateway").service.annotations).toMatchObject({
      "service.beta.kubernetes.io/aws-load-balancer-attributes": "load_balancing.cross_zone.enabled=true",
    });
  });
});

describe("the east-west NLB's source ranges", () => {
  const [precondition] = release(platform, "istio-eastwestgateway").lifecycle.precondition;

  it("are checked at plan time, on the list read from the cluster", () => {
    expect(precondition.condition).toMatch(
      /^\$\{\(length\(tolist\(data\.aws_eks_cluster\.[\w-]+\.vpc_config\[0\]\.public_access_cidrs\)\) >= 1\)\}$/,
    );
    expect(precondition.error_message).toContain("apiAllowedCidrs");
  });

  (hasTerraform || process.env.CI ? it : it.skip)("stop a plan when the list is empty, and only then", () => {
    const withList = (list: string) =>
      precondition.condition
        .slice(2, -1)
        .replace(/data\.aws_eks_cluster\.[\w-]+\.vpc_config\[0\]\.public_access_cidrs/, list);
    expect(terraformEval(withList("[]"))).toBe("false");
    expect(terraformEval(withList('["203.0.113.0/24"]'))).toBe("true");
  });
});

describe("rolling updates behind the load balancers", () => {
  const labels = Object.entries(resourcesOf(platform, "kubernetes_labels"));
  const controller = Object.entries(resourcesOf(platform, "helm_release")).find(
    ([, candidate]) => candidate.name === "aws-load-balancer-controller",
  )![0];

  it("labels both gateways' namespaces for the controller's readiness gates, after the controller exists", () => {
    expect(labels.map(([, label]) => label.metadata.name).sort()).toEqual(["istio-ingress", "istio-system"]);
    for (const [, label] of labels) {
      expect(label).toMatchObject({
        api_version: "v1",
        kind: "Namespace",
        labels: { "elbv2.k8s.aws/pod-readiness-gate-inject": "enabled" },
      });
      expect(label.depends_on).toContain(`helm_release.${controller}`);
    }
  });

  it("creates the gateway pods only once their namespace carries the label", () => {
    for (const name of ["istio-ingressgateway", "istio-eastwestgateway"]) {
      const gateway = release(platform, name);
      const [id] = labels.find(([, label]) => label.metadata.name === gateway.namespace)!;
      expect(gateway.depends_on).toContain(`kubernetes_labels.${id}`);
    }
  });

  it("keeps the namespace resources from removing the label again", () => {
    for (const namespace of Object.values(resourcesOf(platform, "kubernetes_namespace_v1"))) {
      if (!["istio-system", "istio-ingress"].includes(namespace.metadata.name)) continue;
      expect(namespace.lifecycle.ignore_changes).toEqual([
        'metadata[0].labels["elbv2.k8s.aws/pod-readiness-gate-inject"]',
      ]);
    }
  });
});

import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { Testing } from "cdktf";
import { parse } from "yaml";
import { parseIstioVersion } from "../config/istio-versions";
import { loadMeshConfig } from "../config/load";
import type { MeshSpec } from "../config/spec";
import { ChartRelease } from "../constructs/addons/chart-release";
import { gatewaySchemaChart, helmAcceptsValues } from "./helpers/helm";
import { dataOf, example, PROJECT_DIR, resourcesOf, synthApp, synthExample, StackJson } from "./helpers/synth";

/** The Kubernetes side of every cluster, for the default mesh and for examples/three-regions.yaml. */
const ISTIO_REPOSITORY = "https://blob.istio.io/istio-release/charts";

const meshes: [string, MeshSpec, Record<string, StackJson>][] = [];
const defaultMesh = loadMeshConfig().spec;
const defaultSynth = synthApp(defaultMesh);
meshes.push(["the default mesh (two-clusters.yaml)", defaultMesh, defaultSynth.stacks]);
const threeRegions = loadMeshConfig(example("three-regions.yaml")).spec;
meshes.push(["three-regions.yaml", threeRegions, synthExample("three-regions.yaml")]);

/** helm_release blocks of a stack by release name. */
function releasesOf(stack: StackJson): Record<string, StackJson> {
  return Object.fromEntries(
    Object.values(resourcesOf(stack, "helm_release")).map((release) => [release.name, release]),
  );
}

/** What a helm_release waits for, by readable name: `release/<name>`, `namespace/<name>`, or the Terraform type. */
function waitsFor(stack: StackJson, releaseName: string): string[] {
  const names = new Map<string, string>();
  for (const [id, release] of Object.entries(resourcesOf(stack, "helm_release")))
    names.set(`helm_release.${id}`, `release/${release.name}`);
  for (const [id, namespace] of Object.entries(resourcesOf(stack, "kubernetes_namespace_v1"))) {
    names.set(`kubernetes_namespace_v1.${id}`, `namespace/${namespace.metadata.name}`);
  }
  for (const [id, secret] of Object.entries(resourcesOf(stack, "kubernetes_secret_v1"))) {
    names.set(`kubernetes_secret_v1.${id}`, `secret/${secret.metadata.name}`);
  }
  const dependsOn: string[] = releasesOf(stack)[releaseName].depends_on ?? [];
  return dependsOn.map((address) => names.get(address) ?? address.split(".")[0]).sort();
}

function valuesOf(stack: StackJson, releaseName: string): StackJson {
  const release = releasesOf(stack)[releaseName];
  expect(release.values).toHaveLength(1);
  return parse(release.values[0]);
}

/**
 * Upstream values.yaml of each released chart (verbatim copies, see fixtures/upstream-values/README.md),
 * and the maps in it whose keys are free-form (labels, annotations, mesh config).
 */
const UPSTREAM_VALUES: Record<string, { file: string; freeFormMaps: string[] }> = {
  "aws-load-balancer-controller": { file: "aws-load-balancer-controller-3.5.0-values.yaml", freeFormMaps: [] },
  "metrics-server": { file: "metrics-server-3.13.1-values.yaml", freeFormMaps: [] },
  "istio-base": { file: "istio-1.31-base-values.yaml", freeFormMaps: [] },
  istiod: { file: "istio-1.31-istiod-values.yaml", freeFormMaps: ["meshConfig", "env"] },
  "istio-ingressgateway": { file: "istio-1.31-gateway-values.yaml", freeFormMaps: ["labels", "service.annotations"] },
  "istio-eastwestgateway": { file: "istio-1.31-gateway-values.yaml", freeFormMaps: ["labels", "service.annotations"] },
};

function upstreamValues(file: string): StackJson {
  // Istio charts keep their defaults under _internal_defaults_do_not_set and read them at the top level.
  const { _internal_defaults_do_not_set: internal = {}, ...topLevel } = parse(
    readFileSync(path.join(__dirname, "fixtures", "upstream-values", file), "utf8"),
  );
  return { ...internal, ...topLevel };
}

const isMap = (value: unknown): value is StackJson =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** Key paths of `values` the chart does not define; below a free-form or empty map, anything goes. */
function undefinedKeys(values: StackJson, upstream: StackJson, freeFormMaps: string[], prefix = ""): string[] {
  return Object.entries(values).flatMap(([key, value]) => {
    const keyPath = prefix ? `${prefix}.${key}` : key;
    if (!(key in upstream)) return [keyPath];
    const defined = upstream[key];
    if (freeFormMaps.includes(keyPath) || !isMap(value) || !isMap(defined) || Object.keys(defined).length === 0)
      return [];
    return undefinedKeys(value, defined, freeFormMaps, keyPath);
  });
}

/** Terraform references (`${...}`) anywhere in a block. */
function referencesIn(block: unknown): string[] {
  return [...JSON.stringify(block).matchAll(/\$\{([^}]*)\}/g)].map((match) => match[1]);
}

describe.each(meshes)("platform stacks of %s", (_name, mesh, stacks) => {
  const platform = (clusterName: string): StackJson => stacks[`${clusterName}-platform`];

  it("has one platform stack per cluster", () => {
    expect(
      Object.keys(stacks)
        .filter((name) => name.endsWith("-platform"))
        .sort(),
    ).toEqual(mesh.clusters.map((cluster) => `${cluster.name}-platform`).sort());
  });

  it("gives every cluster's istiod the same meshID but its own clusterName and network", () => {
    const globals = mesh.clusters.map((cluster) => valuesOf(platform(cluster.name), "istiod").global);
    expect(new Set(globals.map((global) => global.meshID))).toEqual(new Set([mesh.meshId]));
    expect(globals.map((global) => global.multiCluster.clusterName)).toEqual(
      mesh.clusters.map((cluster) => cluster.name),
    );
    expect(globals.map((global) => global.network)).toEqual(mesh.clusters.map((cluster) => cluster.network));
    expect(new Set(globals.map((global) => global.network)).size).toBe(mesh.clusters.length);
  });

  it("sets istiod values only at the top level the chart reads, never under pilot", () => {
    for (const cluster of mesh.clusters) {
      const values = valuesOf(platform(cluster.name), "istiod");
      expect(Object.keys(values).sort()).toEqual(["autoscaleMin", "global", "meshConfig", "topologySpreadConstraints"]);
      expect(values.autoscaleMin).toBeGreaterThanOrEqual(2);
      // Images of the release being installed, from Istio's published hub.
      expect(values.global).toMatchObject({ hub: "docker.io/istio", tag: mesh.istioVersion });
    }
  });

  it("installs every chart from its pinned repository and version, in its namespace", () => {
    const istio = (chart: string, namespace: string) => ({
      chart,
      namespace,
      repository: ISTIO_REPOSITORY,
      version: mesh.istioVersion,
    });
    const expected: Record<string, object> = {
      "aws-load-balancer-controller": {
        chart: "aws-load-balancer-controller",
        namespace: "kube-system",
        repository: "https://aws.github.io/eks-charts",
        version: "3.5.0",
      },
      "metrics-server": {
        chart: "metrics-server",
        namespace: "kube-system",
        repository: "https://kubernetes-sigs.github.io/metrics-server/",
        version: "3.13.1",
      },
      "istio-base": istio("base", "istio-system"),
      istiod: istio("istiod", "istio-system"),
      "istio-ingressgateway": istio("gateway", "istio-ingress"),
      "istio-eastwestgateway": istio("gateway", "istio-system"),
      "mesh-manifests": {
        chart: expect.stringMatching(/^assets\//),
        namespace: "istio-system",
        repository: undefined,
        version: undefined,
      },
    };
    for (const cluster of mesh.clusters) {
      const releases = releasesOf(platform(cluster.name));
      expect(Object.keys(releases).sort()).toEqual(Object.keys(expected).sort());
      for (const [name, release] of Object.entries(releases)) {
        const { chart, namespace, repository, version } = release;
        expect({ name, chart, namespace, repository, version }).toEqual({ name, ...expected[name] });
      }
    }
  });

  it("sets only values the upstream charts define (Helm ignores any other key)", () => {
    for (const cluster of mesh.clusters) {
      for (const [releaseName, { file, freeFormMaps }] of Object.entries(UPSTREAM_VALUES)) {
        const values = valuesOf(platform(cluster.name), releaseName);
        expect({ releaseName, undefinedKeys: undefinedKeys(values, upstreamValues(file), freeFormMaps) }).toEqual({
          releaseName,
          undefinedKeys: [],
        });
      }
    }
  });

  it("gives both gateways values their chart's schema accepts, by Helm's own check", () => {
    const scratch = mkdtempSync(path.join(tmpdir(), "gateway-values-"));
    try {
      const chart = gatewaySchemaChart(parseIstioVersion(mesh.istioVersion)!.minor, scratch);
      for (const cluster of mesh.clusters) {
        for (const releaseName of ["istio-ingressgateway", "istio-eastwestgateway"]) {
          const values = valuesOf(platform(cluster.name), releaseName);
          expect({ releaseName, accepted: helmAcceptsValues(chart, values, scratch) }).toEqual({
            releaseName,
            accepted: true,
          });
        }
      }
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });

  it("orders releases: namespaces first, the LB controller before every Service, base -> istiod -> gateways -> mesh chart", () => {
    for (const cluster of mesh.clusters) {
      const stack = platform(cluster.name);
      expect(waitsFor(stack, "aws-load-balancer-controller")).toEqual([
        "aws_eks_pod_identity_association",
        "aws_iam_role_policy_attachment",
      ]);
      expect(waitsFor(stack, "metrics-server")).toEqual(["release/aws-load-balancer-controller"]);
      expect(waitsFor(stack, "istio-base")).toEqual(["namespace/istio-system"]);
      expect(waitsFor(stack, "istiod")).toEqual([
        "namespace/istio-system",
        "release/aws-load-balancer-controller",
        "release/istio-base",
        "secret/cacerts",
      ]);
      // Gateway pods start after their namespace's readiness-gate label (kubernetes_labels).
      expect(waitsFor(stack, "istio-ingressgateway")).toEqual([
        "kubernetes_labels",
        "namespace/istio-ingress",
        "release/aws-load-balancer-controller",
        "release/istiod",
      ]);
      // Releases whose objects become load balancers depend on the controller, so on destroy it
      // is uninstalled after them: Helm waits for their Service or Ingress to be gone, which the
      // controller's finalizer allows only once their NLB or ALB is deleted.
      expect(waitsFor(stack, "istio-eastwestgateway")).toEqual([
        "kubernetes_labels",
        "namespace/istio-system",
        "release/aws-load-balancer-controller",
        "release/istiod",
      ]);
      expect(waitsFor(stack, "mesh-manifests")).toEqual(
        [
          "namespace/istio-ingress",
          "namespace/istio-system",
          "release/aws-load-balancer-controller",
          "release/istio-eastwestgateway",
          "release/istio-ingressgateway",
          "release/istiod",
          ...(mesh.samples ? ["namespace/sample"] : []),
        ].sort(),
      );
      // Every release waits on uninstall (the provider's default), and none turns it off.
      for (const release of Object.values(resourcesOf(stack, "helm_release"))) expect(release.wait).not.toBe(false);
      expect(resourcesOf(stack, "time_sleep")).toEqual({});
    }
  });

  it("labels istio-system with the cluster's network, istio-ingress (and sample, with samples) for sidecar injection", () => {
    for (const cluster of mesh.clusters) {
      const namespaces = Object.fromEntries(
        Object.values(resourcesOf(platform(cluster.name), "kubernetes_namespace_v1")).map((namespace) => [
          namespace.metadata.name,
          namespace.metadata.labels,
        ]),
      );
      expect(namespaces).toEqual({
        "istio-system": { "topology.istio.io/network": cluster.network },
        "istio-ingress": { "istio-injection": "enabled" },
        ...(mesh.samples ? { sample: { "istio-injection": "enabled" } } : {}),
      });
    }
  });

  it("configures the helm and kubernetes providers from data sources keyed by the cluster name, never from a resource", () => {
    for (const cluster of mesh.clusters) {
      const stack = platform(cluster.name);
      expect(resourcesOf(stack, "aws_eks_cluster")).toEqual({});
      expect(Object.values(dataOf(stack, "aws_eks_cluster")).map((data) => data.name)).toEqual([cluster.name]);
      // Fresh tokens for every connection: a token read at plan time expires mid-apply.
      expect(dataOf(stack, "aws_eks_cluster_auth")).toEqual({});
      const exec = {
        api_version: "client.authentication.k8s.io/v1beta1",
        command: "aws",
        args: ["eks", "get-token", "--cluster-name", cluster.name, "--region", cluster.region, "--output", "json"],
      };
      expect(stack.provider.kubernetes[0].exec).toEqual([exec]);
      expect(stack.provider.helm[0].kubernetes.exec).toEqual(exec);
      const providers = [
        ...stack.provider.helm.map((helm: StackJson) => helm.kubernetes),
        ...stack.provider.kubernetes,
      ];
      expect(providers).toHaveLength(2);
      for (const provider of providers) {
        expect(Object.keys(provider).sort()).toEqual(["cluster_ca_certificate", "exec", "host"]);
        const references = referencesIn(provider);
        expect(references.length).toBeGreaterThanOrEqual(2);
        for (const reference of references) expect(reference).toMatch(/(^|\()data\.aws_eks_cluster\.[^.]+\./);
      }
    }
  });

  it("runs the LB controller with Pod Identity, its region and VPC set, and the upstream IAM policy scoped to its VPC", () => {
    const upstreamPolicy = JSON.parse(
      readFileSync(
        path.join(PROJECT_DIR, "constructs", "addons", "aws-load-balancer-controller-iam-policy.json"),
        "utf8",
      ),
    );
    for (const cluster of mesh.clusters) {
      const stack = platform(cluster.name);
      const values = valuesOf(stack, "aws-load-balancer-controller");
      expect(values).toEqual({
        clusterName: cluster.name,
        region: cluster.region,
        vpcId: expect.stringMatching(/^\$\{data\.aws_eks_cluster\.[^.]+\.vpc_config\[0\]\.vpc_id\}$/),
        serviceAccount: { create: true, name: "aws-load-balancer-controller" },
      });
      const [association] = Object.values(resourcesOf(stack, "aws_eks_pod_identity_association"));
      expect(association).toMatchObject({
        cluster_name: cluster.name,
        namespace: "kube-system",
        service_account: "aws-load-balancer-controller",
      });
      const [role] = Object.values(resourcesOf(stack, "aws_iam_role"));
      expect(JSON.parse(role.assume_role_policy).Statement).toEqual([
        {
          Effect: "Allow",
          Principal: { Service: "pods.eks.amazonaws.com" },
          Action: ["sts:AssumeRole", "sts:TagSession"],
        },
      ]);
      const [policy] = Object.values(resourcesOf(stack, "aws_iam_policy"));
      const statements = JSON.parse(policy.policy).Statement;
      expect(statements).toHaveLength(upstreamPolicy.Statement.length);
      // Only the one statement that could open any security group in the account gains a condition.
      const changed = statements.filter((statement: StackJson, index: number) => {
        return JSON.stringify(statement) !== JSON.stringify(upstreamPolicy.Statement[index]);
      });
      expect(changed).toEqual([
        {
          Effect: "Allow",
          Action: ["ec2:AuthorizeSecurityGroupIngress", "ec2:RevokeSecurityGroupIngress"],
          Resource: "*",
          Condition: {
            ArnEquals: {
              "ec2:Vpc": expect.stringMatching(
                new RegExp(
                  `^arn:aws:ec2:${cluster.region}:\\$\\{data\\.aws_caller_identity\\.[^}]+\\}:vpc/\\$\\{data\\.aws_eks_cluster\\.`,
                ),
              ),
            },
          },
        },
      ]);
      expect(policy.name).toBe(`${cluster.name}-aws-load-balancer-controller`);
    }
  });

  it("makes the east-west gateway the network gateway on an internet-facing NLB with IP targets", () => {
    for (const cluster of mesh.clusters) {
      const values = valuesOf(platform(cluster.name), "istio-eastwestgateway");
      expect(values.networkGateway).toBe(cluster.network);
      expect(values.labels).toEqual({ istio: "eastwestgateway" });
      expect(values.networkGatewayPorts).toEqual({
        "status-port": { port: 15021, targetPort: 15021 },
        tls: { port: 15443, targetPort: 15443 },
        "tls-istiod": { port: 15012, targetPort: 15012 },
        "tls-webhook": { port: 15017, targetPort: 15017 },
      });
      expect(values.service.type).toBe("LoadBalancer");
      expect(values.service.annotations).toMatchObject({
        "service.beta.kubernetes.io/aws-load-balancer-type": "external",
        "service.beta.kubernetes.io/aws-load-balancer-nlb-target-type": "ip",
        "service.beta.kubernetes.io/aws-load-balancer-scheme": "internet-facing",
        "service.beta.kubernetes.io/aws-load-balancer-healthcheck-port": "15021",
        "service.beta.kubernetes.io/aws-load-balancer-healthcheck-path": "/healthz/ready",
      });
    }
  });

  it("admits to the east-west NLB exactly the sources its cluster's API endpoint admits, read from the cluster", () => {
    for (const cluster of mesh.clusters) {
      const stack = platform(cluster.name);
      const release = releasesOf(stack)["istio-eastwestgateway"];
      expect(valuesOf(stack, "istio-eastwestgateway").service.loadBalancerSourceRanges).toBeUndefined();
      const [eksData] = Object.entries(dataOf(stack, "aws_eks_cluster"));
      expect(eksData[1].name).toBe(cluster.name);
      // The EKS public_access_cidrs: every cluster's NAT addresses plus apiAllowedCidrs (aws-stacks.test.ts).
      expect(release.set_list).toEqual([
        {
          name: "service.loadBalancerSourceRanges",
          value: `\${tolist(data.aws_eks_cluster.${eksData[0]}.vpc_config[0].public_access_cidrs)}`,
        },
      ]);
    }
  });

  it("keeps the ingress gateway off any load balancer of its own: the ALB reaches its pods", () => {
    for (const cluster of mesh.clusters) {
      const values = valuesOf(platform(cluster.name), "istio-ingressgateway");
      expect(values.service).toEqual({ type: "ClusterIP" });
      expect(values.labels).toEqual({ istio: "ingressgateway" });
    }
  });
});

describe("the default mesh's stack graph", () => {
  it("deploys each platform stack after its cluster's EKS stack", () => {
    for (const cluster of defaultMesh.clusters) {
      expect(defaultSynth.manifest.stacks[`${cluster.name}-platform`].dependencies).toContain(`${cluster.name}-eks`);
    }
  });

  it("warns at synth time that an ingress without a certificate serves plain HTTP", () => {
    for (const cluster of defaultMesh.clusters) {
      expect(cluster.ingressCertificateArn).toBeUndefined();
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      const annotations: any[] = (defaultSynth.manifest.stacks[`${cluster.name}-platform`] as any).annotations;
      expect(annotations).toContainEqual(
        expect.objectContaining({
          level: "@cdktf/warn",
          message: expect.stringMatching(new RegExp(`${cluster.name}.*plain HTTP.*certificateArn`)),
        }),
      );
    }
  });
});

describe("release values", () => {
  const synthValues = (values: object, overrides?: Record<string, unknown>): StackJson => {
    const synthesized = JSON.parse(
      Testing.synthScope((scope) => {
        new ChartRelease(scope, "release", {
          releaseName: "r",
          namespace: "n",
          source: { chart: "c" },
          values,
          overrides,
        });
      }),
    );
    const [release] = Object.values(synthesized.resource.helm_release) as StackJson[];
    return { yaml: release.values[0], values: parse(release.values[0]) };
  };

  it("merges the user's overrides last: nested keys merge, lists are replaced", () => {
    const computed = {
      global: { meshID: "mesh1", network: "n1" },
      service: { ranges: ["10.0.0.0/8", "192.0.2.0/24"] },
    };
    const { values } = synthValues(computed, {
      global: { network: "n2", logAsJson: true },
      service: { ranges: ["198.51.100.0/24"] },
    });
    expect(values).toEqual({
      global: { meshID: "mesh1", network: "n2", logAsJson: true },
      service: { ranges: ["198.51.100.0/24"] },
    });
  });

  it("catches keys a chart does not define, such as the pilot.* keys older istiod charts read", () => {
    const istiod = upstreamValues(UPSTREAM_VALUES.istiod.file);
    expect(
      undefinedKeys({ pilot: { env: { A: "1" } }, global: { meshId: "typo", network: "n1" } }, istiod, []),
    ).toEqual(["pilot", "global.meshId"]);
  });

  it("writes the same YAML whatever order the values were built in", () => {
    expect(synthValues({ b: 1, a: { d: 2, c: 3 } }).yaml).toBe(synthValues({ a: { c: 3, d: 2 }, b: 1 }).yaml);
  });
});

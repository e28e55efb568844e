import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { loadMeshConfig, validateMeshConfig } from "../config/load";
import type { MeshSpec } from "../config/spec";
import { example, resourcesOf, synthApp, StackJson, SynthOutput } from "./helpers/synth";
import { evaluateOutputs, hasTerraform, needs } from "./helpers/terraform";
import { REMOTE_STATE_OUTPUT, remoteOutputReference, remoteStateReferences } from "./helpers/cdktf-names";

/**
 * The remote-secret exchange: every cluster's reader token, every ordered pair's remote secret,
 * the stack graph that orders them, and the kubeconfig each secret carries once Terraform fills in
 * the other stacks' outputs.
 */
const twoClusters = loadMeshConfig().spec;
const threeRegions = loadMeshConfig(example("three-regions.yaml")).spec;
const meshes: [string, MeshSpec, SynthOutput][] = [
  ["the default mesh (two-clusters.yaml)", twoClusters, synthApp(twoClusters)],
  ["three-regions.yaml", threeRegions, synthApp(threeRegions)],
];

/** kubernetes_secret_v1 resources of a stack, by secret name. */
function secretsOf(stack: StackJson): Record<string, StackJson> {
  return Object.fromEntries(
    Object.values(resourcesOf(stack, "kubernetes_secret_v1")).map((secret) => [secret.metadata.name, secret]),
  );
}

/** The Terraform address of the one resource of `type` whose metadata.name is `name`. */
function addressOf(stack: StackJson, type: string, name: string): string {
  const ids = Object.entries(resourcesOf(stack, type))
    .filter(([, resource]) => (resource.metadata?.name ?? resource.name) === name)
    .map(([id]) => id);
  expect(ids).toHaveLength(1);
  return `${type}.${ids[0]}`;
}

/** The longest chain of stacks in the manifest's dependency graph; throws on a cycle. */
function graphDepth(manifest: SynthOutput["manifest"]): number {
  const depth = new Map<string, number>();
  const visiting = new Set<string>();
  const visit = (name: string): number => {
    if (depth.has(name)) return depth.get(name)!;
    if (visiting.has(name)) throw new Error(`stack dependency cycle through ${name}`);
    visiting.add(name);
    const own = 1 + Math.max(0, ...manifest.stacks[name].dependencies.map(visit));
    visiting.delete(name);
    depth.set(name, own);
    return own;
  };
  return Math.max(...Object.keys(manifest.stacks).map(visit));
}

describe.each(meshes)("mesh links of %s", (_name, mesh, { stacks, manifest }) => {
  const names = mesh.clusters.map((cluster) => cluster.name);
  const pairs = names.flatMap((local) => names.filter((remote) => remote !== local).map((remote) => [local, remote]));
  const links = (name: string) => stacks[`${name}-mesh-links`];

  it("has one mesh-links stack per cluster holding only remote secrets, N(N-1) in all", () => {
    expect(
      Object.keys(stacks)
        .filter((name) => name.endsWith("-mesh-links"))
        .sort(),
    ).toEqual(names.map((name) => `${name}-mesh-links`).sort());
    const all = names.flatMap((name) => Object.keys(secretsOf(links(name))).map((secret) => `${name}/${secret}`));
    expect(all).toHaveLength(names.length * (names.length - 1));
    expect(all.sort()).toEqual(pairs.map(([local, remote]) => `${local}/istio-remote-secret-${remote}`).sort());
    for (const name of names) expect(Object.keys(links(name).resource)).toEqual(["kubernetes_secret_v1"]);
  });

  it("labels and annotates every remote secret as istiod expects, with the kubeconfig under the remote's name", () => {
    for (const [local, remote] of pairs) {
      const secret = secretsOf(links(local))[`istio-remote-secret-${remote}`];
      expect(secret.metadata).toEqual({
        name: `istio-remote-secret-${remote}`,
        namespace: "istio-system",
        labels: { "istio/multiCluster": "true" },
        annotations: { "networking.istio.io/cluster": remote },
      });
      expect(Object.keys(secret.data)).toEqual([remote]);
      expect(secret.data[remote]).toMatch(remoteOutputReference(`${remote}-platform`));
      expect(secret.type).toBeUndefined();
    }
  });

  it("connects each links stack to its own cluster only, through data sources keyed by its name and no helm provider", () => {
    for (const name of names) {
      const stack = links(name);
      expect(Object.keys(stack.provider).sort()).toEqual(["aws", "kubernetes"]);
      expect(Object.values(stack.data.aws_eks_cluster).map((data) => (data as StackJson).name)).toEqual([name]);
      expect(stack.provider.kubernetes[0].exec[0].args).toEqual(expect.arrayContaining(["--cluster-name", name]));
      expect(stack.provider.kubernetes).toHaveLength(1);
    }
  });

  it("reads each remote's kubeconfig as one sensitive output of its platform stack, built there from its endpoint, CA and reader token", () => {
    for (const [local, remote] of pairs) {
      const expression: string = secretsOf(links(local))[`istio-remote-secret-${remote}`].data[remote];
      const [reference] = remoteStateReferences(expression);
      const [, stackName, output] = REMOTE_STATE_OUTPUT.exec(reference)!;
      expect(stackName).toBe(`${remote}-platform`);
      const platform = stacks[stackName];
      expect(platform.output[output]).toEqual({ sensitive: true, value: "${local.remote-kubeconfig}" });

      const kubeconfig: string = platform.locals["remote-kubeconfig"];
      const [[eksId, eks]] = Object.entries(platform.data.aws_eks_cluster as Record<string, StackJson>);
      expect(eks.name).toBe(remote);
      const token = addressOf(platform, "kubernetes_secret_v1", "istio-reader-service-account-token");
      expect(kubeconfig).toContain(`"server" = data.aws_eks_cluster.${eksId}.endpoint`);
      expect(kubeconfig).toContain(
        `"certificate-authority-data" = data.aws_eks_cluster.${eksId}.certificate_authority[0].data`,
      );
      // With rotation (the default) the token is the newer of two slots; slot a is this one.
      expect(kubeconfig).toContain(`? ${token}.data.token : `);
      expect(kubeconfig).not.toContain("exec");
    }
  });

  it("mints reader tokens per cluster (two rotating slots), after the releases that create istio-reader-service-account and its RBAC", () => {
    for (const name of names) {
      const platform = stacks[`${name}-platform`];
      const tokens = Object.values(secretsOf(platform)).filter(
        (secret) => secret.type === "kubernetes.io/service-account-token",
      );
      expect(tokens.map((token) => token.metadata.name).sort()).toEqual([
        "istio-reader-service-account-token",
        "istio-reader-service-account-token-b",
      ]);
      const token = tokens.find((each) => each.metadata.name === "istio-reader-service-account-token")!;
      expect(token.metadata).toEqual({
        name: "istio-reader-service-account-token",
        namespace: "istio-system",
        annotations: { "kubernetes.io/service-account.name": "istio-reader-service-account" },
      });
      expect(token.wait_for_service_account_token).toBe(true);
      expect(token.data).toBeUndefined();
      // istio-base creates the account, istiod its ClusterRole and binding (Istio 1.31 charts).
      expect([...token.depends_on].sort()).toEqual(
        [
          addressOf(platform, "helm_release", "istio-base"),
          addressOf(platform, "helm_release", "istiod"),
          addressOf(platform, "kubernetes_namespace_v1", "istio-system"),
        ].sort(),
      );
    }
  });

  it("deploys each links stack after every cluster's platform stack", () => {
    for (const name of names) {
      expect([...manifest.stacks[`${name}-mesh-links`].dependencies].sort()).toEqual(
        names.map((other) => `${other}-platform`).sort(),
      );
    }
  });

  it("keeps the stack graph acyclic and four stages deep (network, eks, platform, mesh-links), whatever N", () => {
    expect(graphDepth(manifest)).toBe(4);
    for (const name of names) {
      for (const dependency of manifest.stacks[`${name}-platform`].dependencies)
        expect(dependency).not.toMatch(/-mesh-links$/);
    }
  });

  it("creates the injection-labelled sample namespace in every cluster, each serving helloworld at its own name", () => {
    expect(mesh.samples).toBe(true);
    const versions = names.map((name) => {
      const platform = stacks[`${name}-platform`];
      const [sample] = Object.values(resourcesOf(platform, "kubernetes_namespace_v1")).filter(
        (namespace) => namespace.metadata.name === "sample",
      );
      expect(sample.metadata.labels).toEqual({ "istio-injection": "enabled" });
      const [release] = Object.values(resourcesOf(platform, "helm_release")).filter(
        (helm) => helm.name === "mesh-manifests",
      );
      expect(release.depends_on).toContain(addressOf(platform, "kubernetes_namespace_v1", "sample"));
      return parse(release.values[0]).samples.helloworld.version;
    });
    expect(versions).toEqual(names);
  });
});

describe("a mesh without samples", () => {
  const raw = parse(readFileSync(example("two-clusters.yaml"), "utf8"));
  const { stacks } = synthApp(validateMeshConfig({ ...raw, samples: false }, "two-clusters.yaml, samples: false").spec);

  it("creates no sample namespace and renders the mesh chart with samples off, still exchanging remote secrets", () => {
    for (const name of ["cluster1", "cluster2"]) {
      const platform = stacks[`${name}-platform`];
      expect(
        Object.values(resourcesOf(platform, "kubernetes_namespace_v1"))
          .map((namespace) => namespace.metadata.name)
          .sort(),
      ).toEqual(["istio-ingress", "istio-system"]);
      const [release] = Object.values(resourcesOf(platform, "helm_release")).filter(
        (helm) => helm.name === "mesh-manifests",
      );
      expect(parse(release.values[0]).samples).toEqual({ enabled: false });
      expect(JSON.stringify(release.depends_on)).not.toContain("sample");
      expect(Object.keys(secretsOf(stacks[`${name}-mesh-links`]))).toHaveLength(1);
    }
  });
});

/**
 * The kubeconfigs as Terraform computes them: each platform stack's kubeconfig expression, with
 * its references to the cluster's data source and reader token replaced by fake values, applied
 * in a throwaway module that has no provider, so nothing touches a cloud.
 */
const fakeEndpoint = (cluster: string) => `https://${cluster}.api.example.test`;
const fakeCa = (cluster: string) =>
  Buffer.from(`-----BEGIN CERTIFICATE-----\nfake CA of ${cluster}\n-----END CERTIFICATE-----\n`).toString("base64");
const fakeToken = (cluster: string) => `fake-reader-token-of-${cluster}`;

let evaluatedKubeconfigs: Record<string, { value: string }> | undefined;

/** Every mesh's kubeconfigs in one Terraform run (cluster names differ between the meshes). */
function evaluateKubeconfigs(): Record<string, { value: string }> {
  if (evaluatedKubeconfigs) return evaluatedKubeconfigs;
  const outputs: Record<string, { value: string }> = {};
  for (const [, mesh, { stacks }] of meshes) {
    for (const { name: cluster } of mesh.clusters) {
      const expression: string = stacks[`${cluster}-platform`].locals["remote-kubeconfig"];
      const filled = expression
        .replace(/data\.aws_eks_cluster\.[\w-]+\.endpoint/g, JSON.stringify(fakeEndpoint(cluster)))
        .replace(/data\.aws_eks_cluster\.[\w-]+\.certificate_authority\[0\]\.data/g, JSON.stringify(fakeCa(cluster)))
        .replace(/kubernetes_secret_v1\.[\w-]+\.data\.token/g, JSON.stringify(fakeToken(cluster)))
        // With rotating reader tokens, both slots hold the same fake token here (reader-token-rotation tests tell them apart).
        .replace(/time_rotating\.[\w-]+\.rotation_rfc3339/g, JSON.stringify("2027-01-30T00:00:00Z"));
      // Every reference was one of the four above.
      expect(filled).not.toMatch(/(^|[^"\w])(data|kubernetes_secret_v1|local|time_rotating)\./);
      expect(outputs[cluster]).toBeUndefined();
      outputs[cluster] = { value: filled };
    }
  }
  evaluatedKubeconfigs = evaluateOutputs<string>(outputs, "mesh-links-tf-");
  return evaluatedKubeconfigs;
}

(needs("terraform", hasTerraform) ? describe : describe.skip).each(meshes)(
  "kubeconfigs of the remote secrets of %s, evaluated by terraform",
  (_name, mesh) => {
    const names = mesh.clusters.map((cluster) => cluster.name);

    it.each(names)(
      "gives the other clusters a token kubeconfig for %s: its server and CA, a static token user, one context, current-context set",
      (remote) => {
        // Inside the test, so a skipped describe (no terraform) runs nothing.
        const kubeconfig = parse(evaluateKubeconfigs()[remote].value);
        expect(kubeconfig).toEqual({
          apiVersion: "v1",
          kind: "Config",
          clusters: [
            { name: remote, cluster: { server: fakeEndpoint(remote), "certificate-authority-data": fakeCa(remote) } },
          ],
          users: [{ name: remote, user: { token: fakeToken(remote) } }],
          contexts: [{ name: remote, context: { cluster: remote, user: remote } }],
          "current-context": remote,
          preferences: {},
        });
        expect(
          Buffer.from(kubeconfig.clusters[0].cluster["certificate-authority-data"], "base64").toString(),
        ).toContain(`fake CA of ${remote}`);
      },
    );
  },
);

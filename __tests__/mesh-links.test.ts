import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { parse } from "yaml";
import { loadMeshConfig, validateMeshConfig } from "../constructs/config/load";
import type { MeshSpec } from "../constructs/config/spec";
import { example, resourcesOf, synthApp, StackJson, SynthOutput } from "./helpers/synth";
import { hasTerraform } from "./helpers/terraform";

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

const REMOTE_STATE_OUTPUT = /^data\.terraform_remote_state\.cross-stack-reference-input-([\w-]+)\.outputs\.([\w-]+)$/;

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

/** Bare references (`data.x.y.outputs.z`) inside a `${yamlencode({...})}` expression. */
function remoteStateReferences(expression: string): string[] {
  return [...expression.matchAll(/data\.terraform_remote_state\.[\w-]+\.outputs\.[\w-]+/g)].map((match) => match[0]);
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
      expect(secret.data[remote]).toMatch(/^\$\{yamlencode\(\{.*\}\)\}$/);
      expect(secret.type).toBeUndefined();
    }
  });

  it("connects each links stack to its own cluster only, through data sources keyed by its name and no helm provider", () => {
    for (const name of names) {
      const stack = links(name);
      expect(Object.keys(stack.provider).sort()).toEqual(["aws", "kubernetes"]);
      expect(Object.values(stack.data.aws_eks_cluster).map((data) => (data as StackJson).name)).toEqual([name]);
      expect(Object.values(stack.data.aws_eks_cluster_auth).map((data) => (data as StackJson).name)).toEqual([name]);
      expect(stack.provider.kubernetes).toHaveLength(1);
    }
  });

  it("reads the remote's endpoint and CA from its EKS stack and the token from its platform stack, all through sensitive outputs", () => {
    for (const [local, remote] of pairs) {
      const expression: string = secretsOf(links(local))[`istio-remote-secret-${remote}`].data[remote];
      const sources = remoteStateReferences(expression).map((reference) => {
        const [, stackName, output] = REMOTE_STATE_OUTPUT.exec(reference)!;
        const origin = stacks[stackName].output[output];
        expect(origin.sensitive).toBe(true);
        return `${stackName}: ${origin.value}`;
      });
      const eks = addressOf(stacks[`${remote}-eks`], "aws_eks_cluster", remote);
      const token = addressOf(
        stacks[`${remote}-platform`],
        "kubernetes_secret_v1",
        "istio-reader-service-account-token",
      );
      expect(sources.sort()).toEqual(
        [
          `${remote}-eks: \${${eks}.endpoint}`,
          `${remote}-eks: \${${eks}.certificate_authority[0].data}`,
          `${remote}-platform: \${${token}.data.token}`,
        ].sort(),
      );
    }
  });

  it("mints one reader token per cluster, after the releases that create istio-reader-service-account and its RBAC", () => {
    for (const name of names) {
      const platform = stacks[`${name}-platform`];
      const tokens = Object.values(secretsOf(platform)).filter(
        (secret) => secret.type === "kubernetes.io/service-account-token",
      );
      expect(tokens).toHaveLength(1);
      const [token] = tokens;
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

  it("deploys each links stack after its own platform stack and every other cluster's EKS and platform stacks", () => {
    for (const name of names) {
      const others = names.filter((other) => other !== name);
      expect([...manifest.stacks[`${name}-mesh-links`].dependencies].sort()).toEqual(
        [`${name}-platform`, ...others.flatMap((other) => [`${other}-eks`, `${other}-platform`])].sort(),
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

describe("adding a cluster", () => {
  // three-regions.yaml with and without its last cluster: everything else the same.
  const raw = parse(readFileSync(example("three-regions.yaml"), "utf8"));
  const before = synthApp(validateMeshConfig({ ...raw, clusters: raw.clusters.slice(0, 2) }, "first two").spec).stacks;
  const after = meshes[1][2].stacks;
  const existing = threeRegions.clusters.slice(0, 2).map((cluster) => cluster.name);
  const added = threeRegions.clusters[2].name;

  /** Every resource and data source of a stack, as its JSON, by Terraform address. */
  const blocks = (stack: StackJson): Map<string, string> =>
    new Map(
      (["resource", "data"] as const).flatMap((kind) =>
        Object.entries((stack[kind] ?? {}) as Record<string, Record<string, unknown>>).flatMap(([type, byId]) =>
          Object.entries(byId).map(([id, block]) => [`${kind}.${type}.${id}`, JSON.stringify(block)] as const),
        ),
      ),
    );

  it("only adds to the existing links stacks: a secret for the new cluster and the reads of its stacks", () => {
    for (const name of existing) {
      const old = blocks(before[`${name}-mesh-links`]);
      const now = blocks(after[`${name}-mesh-links`]);
      for (const [address, json] of old) expect({ address, json: now.get(address) }).toEqual({ address, json });
      const additions = [...now.keys()].filter((address) => !old.has(address)).sort();
      expect(additions).toEqual([
        `data.terraform_remote_state.cross-stack-reference-input-${added}-eks`,
        `data.terraform_remote_state.cross-stack-reference-input-${added}-platform`,
        expect.stringMatching(new RegExp(`^resource\\.kubernetes_secret_v1\\.istio-remote-secret-${added}_secret_`)),
      ]);
      expect(JSON.stringify(before[`${name}-mesh-links`].provider)).toBe(
        JSON.stringify(after[`${name}-mesh-links`].provider),
      );
    }
  });

  it("changes no existing platform resource but the east-west NLB's source ranges, which gain the new cluster's NAT addresses", () => {
    for (const name of existing) {
      const old = blocks(before[`${name}-platform`]);
      const now = blocks(after[`${name}-platform`]);
      const changed = [...old].filter(([address, json]) => now.get(address) !== json).map(([address]) => address);
      const eastWest = Object.entries(resourcesOf(before[`${name}-platform`], "helm_release"))
        .filter(([, release]) => release.name === "istio-eastwestgateway")
        .map(([id]) => `resource.helm_release.${id}`);
      expect(changed).toEqual(eastWest);

      const values = (stacks: Record<string, StackJson>) => {
        const [release] = Object.values(resourcesOf(stacks[`${name}-platform`], "helm_release")).filter(
          (helm) => helm.name === "istio-eastwestgateway",
        );
        return parse(release.values[0]);
      };
      const [oldValues, newValues] = [values(before), values(after)];
      const oldRanges: string[] = oldValues.service.loadBalancerSourceRanges;
      const newRanges: string[] = newValues.service.loadBalancerSourceRanges;
      expect(newRanges).toEqual(expect.arrayContaining(oldRanges));
      expect(
        newRanges.filter((range) => !oldRanges.includes(range)).every((range) => range.includes(`${added}-network`)),
      ).toBe(true);
      oldValues.service.loadBalancerSourceRanges = newValues.service.loadBalancerSourceRanges = [];
      expect(newValues).toEqual(oldValues);
    }
  });
});

/**
 * The kubeconfigs as Terraform computes them: each links stack's remote-state reads, copied
 * verbatim into a throwaway root module at cdktf.out/stacks/<stack> of a stand-in project, fake state files of the other stacks next to where those reads look, and
 * every secret's data expression as an output. `terraform apply` there touches no cloud: the
 * module has no provider but the built-in terraform_remote_state.
 */

(hasTerraform ? describe : describe.skip).each(meshes)(
  "kubeconfigs of the remote secrets of %s, evaluated by terraform",
  (_name, mesh, { stacks }) => {
    const names = mesh.clusters.map((cluster) => cluster.name);
    const fake = (stackName: string, output: string): string => {
      const cluster = stackName.replace(/-(eks|platform)$/, "");
      if (output.endsWith("endpoint")) return `https://${cluster}.api.example.test`;
      if (output.endsWith("certificate_authority0data"))
        return Buffer.from(`-----BEGIN CERTIFICATE-----\nfake CA of ${cluster}\n-----END CERTIFICATE-----\n`).toString(
          "base64",
        );
      if (output.endsWith("datatoken")) return `fake-reader-token-of-${cluster}`;
      throw new Error(`unexpected cross-stack output ${stackName}.${output}`);
    };

    const root = mkdtempSync(path.join(tmpdir(), "mesh-links-tf-"));
    afterAll(() => rmSync(root, { recursive: true, force: true }));
    // root stands for the project directory, where local state files live.
    const moduleDir = path.join(root, "cdktf.out", "stacks", "mesh-links");
    mkdirSync(moduleDir, { recursive: true });

    const remoteStates: Record<string, StackJson> = {};
    const outputs: Record<string, { value: string; sensitive: boolean }> = {};
    const stateOutputs: Record<string, Record<string, object>> = {};
    for (const local of names) {
      const stack = stacks[`${local}-mesh-links`];
      for (const [id, block] of Object.entries(stack.data.terraform_remote_state as Record<string, StackJson>)) {
        if (remoteStates[id]) expect(block).toEqual(remoteStates[id]);
        remoteStates[id] = block;
      }
      for (const [secretName, secret] of Object.entries(secretsOf(stack))) {
        const remote = secretName.replace("istio-remote-secret-", "");
        outputs[`${local}--${remote}`] = { value: secret.data[remote], sensitive: true };
        for (const reference of remoteStateReferences(secret.data[remote])) {
          const [, stackName, output] = REMOTE_STATE_OUTPUT.exec(reference)!;
          stateOutputs[stackName] = {
            ...stateOutputs[stackName],
            [output]: { value: fake(stackName, output), type: "string", sensitive: true },
          };
        }
      }
    }
    writeFileSync(
      path.join(moduleDir, "main.tf.json"),
      JSON.stringify({ data: { terraform_remote_state: remoteStates }, output: outputs }),
    );
    for (const [stackName, stackOutputs] of Object.entries(stateOutputs)) {
      const state = {
        version: 4,
        terraform_version: "1.11.0",
        serial: 1,
        lineage: "fake",
        outputs: stackOutputs,
        resources: [],
      };
      // Where the remote-state reads look from the module: ../../../terraform.<stack>.tfstate.
      const statePath = path.resolve(moduleDir, remoteStates[`cross-stack-reference-input-${stackName}`].config.path);
      expect(path.dirname(statePath)).toBe(root);
      writeFileSync(statePath, JSON.stringify(state));
    }
    const env = { ...process.env, TF_IN_AUTOMATION: "1", CHECKPOINT_DISABLE: "1", TF_CLI_CONFIG_FILE: "/dev/null" };
    const terraform = (...args: string[]) =>
      execFileSync("terraform", args, { cwd: moduleDir, env, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    terraform("init", "-input=false", "-backend=false");
    terraform("apply", "-auto-approve", "-input=false");
    const evaluated: Record<string, { value: string }> = JSON.parse(terraform("output", "-json"));

    it.each(names.flatMap((local) => names.filter((remote) => remote !== local).map((remote) => [local, remote])))(
      "gives %s a token kubeconfig for %s: its server and CA, a static token user, one context, current-context set",
      (local, remote) => {
        const kubeconfig = parse(evaluated[`${local}--${remote}`].value);
        expect(kubeconfig).toEqual({
          apiVersion: "v1",
          kind: "Config",
          clusters: [
            {
              name: remote,
              cluster: {
                server: fake(`${remote}-eks`, "endpoint"),
                "certificate-authority-data": fake(`${remote}-eks`, "certificate_authority0data"),
              },
            },
          ],
          users: [{ name: remote, user: { token: fake(`${remote}-platform`, "datatoken") } }],
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

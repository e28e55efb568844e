import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { validateMeshConfig } from "../config/load";
import { staleLocalStateWarnings } from "../config/stale-state";
import { ConfigError, formatProblem } from "../config/problems";
import { StackJson, synthApp, SynthOutput } from "./helpers/synth";

/**
 * Retiring a cluster (clusters[].retire) must, on the next deploy, cut every tie between it and
 * the rest of the mesh, so that `cdktf destroy` of its four stacks is accepted and touches nothing
 * else. The check cdktf runs before a destroy is its own (`checkIfAllDependantsAreIncluded`, in
 * the CLI core shipped with cdktf-cli): it refuses when a stack outside the selection depends on
 * one inside it.
 */
// Loading the CLI core would run `terraform version` on import, and its usage errors report
// themselves to HashiCorp's telemetry service; the check under test needs neither.
process.env.CHECKPOINT_DISABLE = "1";
jest.doMock("@cdktf/commons/src/terraform", () => ({
  terraformBinaryName: "terraform",
  terraformVersion: Promise.resolve("unused"),
}));
// eslint-disable-next-line @typescript-eslint/no-require-imports
const cdktfStackHelpers = require("@cdktf/cli-core/src/lib/helpers/stack-helpers") as {
  getMultipleStacks(stacks: CliStack[], patterns: string[], action: string): CliStack[];
  checkIfAllDependantsAreIncluded(stacksToRun: CliStack[], allStacks: CliStack[]): void;
};
interface CliStack {
  readonly name: string;
  readonly dependencies: string[];
}

const CLUSTERS = [
  { name: "cluster1", region: "us-west-2", vpcCidr: "10.10.0.0/16" },
  { name: "cluster2", region: "us-east-2", vpcCidr: "10.20.0.0/16" },
  { name: "cluster3", region: "eu-west-1", vpcCidr: "10.30.0.0/16", natGateways: "single" },
];
const meshConfig = (retire: boolean) => ({
  meshId: "mesh1",
  apiAllowedCidrs: ["203.0.113.0/24"],
  clusters: CLUSTERS.map((cluster) => (cluster.name === "cluster3" ? { ...cluster, retire } : cluster)),
});
const synth = (retire: boolean) => synthApp(validateMeshConfig(meshConfig(retire), "test").spec);

const member = synth(false);
const retiring = synth(true);
const RETIRING_STACKS = ["cluster3-mesh-links", "cluster3-platform", "cluster3-eks", "cluster3-network"];
const isRetiringStack = (name: string) => name.startsWith("cluster3-");

const cliStacks = (output: SynthOutput): CliStack[] =>
  Object.entries(output.manifest.stacks).map(([name, stack]) => ({ name, dependencies: stack.dependencies }));
/** What `cdktf destroy <stacks>` says before it runs anything: undefined when it goes ahead. */
function destroyRefusal(output: SynthOutput, stackNames: string[]): string | undefined {
  const stacks = cliStacks(output);
  try {
    cdktfStackHelpers.checkIfAllDependantsAreIncluded(
      cdktfStackHelpers.getMultipleStacks(stacks, stackNames, "destroy"),
      stacks,
    );
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

/** The state files a stack's remote-state blocks read (cross-stack references), by stack. */
function remoteStateReads(stack: StackJson): string[] {
  return Object.values<StackJson>(stack.data?.terraform_remote_state ?? {}).map(
    (block) => block.config.path ?? block.config.key,
  );
}

/** Every resource of the stacks both outputs have, serialized, by "stack: type.id". */
function resourcesByAddress(output: SynthOutput, keep: (stackName: string) => boolean): Map<string, string> {
  const entries = Object.entries(output.stacks)
    .filter(([name]) => keep(name))
    .flatMap(([stackName, stack]) =>
      Object.entries<Record<string, StackJson>>(stack.resource ?? {}).flatMap(([type, blocks]) =>
        Object.entries(blocks).map(([id, block]) => [`${stackName}: ${type}.${id}`, JSON.stringify(block)] as const),
      ),
    );
  return new Map(entries);
}

describe("retiring a cluster", () => {
  it("is refused by cdktf while the cluster is a member: other clusters' stacks depend on its stacks", () => {
    expect(destroyRefusal(member, RETIRING_STACKS)).toMatch(
      /^Usage Error: The following dependant stacks are not included in the stacks to run: .*cluster1-eks/,
    );
  });

  it("leaves no stack outside the cluster depending on its stacks, so cdktf accepts destroying its four", () => {
    for (const [name, stack] of Object.entries(retiring.manifest.stacks)) {
      if (!isRetiringStack(name))
        expect({ name, dependsOn: stack.dependencies.filter(isRetiringStack) }).toEqual({ name, dependsOn: [] });
    }
    expect(destroyRefusal(retiring, RETIRING_STACKS)).toBeUndefined();
  });

  it("leaves no remote-state read between the cluster and the rest of the mesh, in either direction", () => {
    for (const [name, stack] of Object.entries(retiring.stacks)) {
      const reads = remoteStateReads(stack);
      const crossing = isRetiringStack(name)
        ? reads.filter((file) => !file.includes("cluster3-"))
        : reads.filter((file) => file.includes("cluster3-"));
      expect({ name, crossing }).toEqual({ name, crossing: [] });
    }
    // Without retire, the other clusters read its NAT addresses and its kubeconfig.
    expect(remoteStateReads(member.stacks["cluster1-eks"]).some((file) => file.includes("cluster3-network"))).toBe(
      true,
    );
  });

  it("changes the remaining clusters only by shrinking the allow-lists in place and removing its remote secrets", () => {
    const others = (name: string) => !isRetiringStack(name);
    const before = resourcesByAddress(member, others);
    const after = resourcesByAddress(retiring, others);
    expect([...after.keys()].filter((address) => !before.has(address))).toEqual([]);
    const removed = [...before.keys()].filter((address) => !after.has(address));
    expect(removed.sort()).toEqual([
      "cluster1-mesh-links: kubernetes_secret_v1.istio-remote-secret-cluster3_secret_A7C5153A",
      "cluster2-mesh-links: kubernetes_secret_v1.istio-remote-secret-cluster3_secret_A7C5153A",
    ]);
    const changed = [...after.keys()].filter((address) => before.get(address) !== after.get(address));
    expect(changed.map((address) => address.replace(/_[0-9A-F]{8}$/, "")).sort()).toEqual([
      "cluster1-eks: aws_eks_cluster.eks_cluster",
      "cluster2-eks: aws_eks_cluster.eks_cluster",
    ]);
    for (const address of changed) {
      const [was, is] = [before.get(address)!, after.get(address)!].map((json) => JSON.parse(json));
      const cidrs = (cluster: StackJson) => cluster.vpc_config.public_access_cidrs as string[];
      expect(cidrs(was).filter((cidr) => !cidrs(is).includes(cidr))).toEqual([
        expect.stringContaining("cross-stack-reference-input-cluster3-network"),
      ]);
      expect(cidrs(is).every((cidr) => cidrs(was).includes(cidr))).toBe(true);
      delete was.vpc_config.public_access_cidrs;
      delete is.vpc_config.public_access_cidrs;
      expect(is).toEqual(was);
    }
  });

  it("cuts the retiring cluster off too: no remote secrets for the others, an allow-list of its own", () => {
    expect(Object.keys(retiring.stacks["cluster3-mesh-links"].resource?.kubernetes_secret_v1 ?? {})).toEqual([]);
    const cluster = Object.values<StackJson>(retiring.stacks["cluster3-eks"].resource.aws_eks_cluster)[0];
    expect(cluster.vpc_config.public_access_cidrs).toHaveLength(2);
  });

  it("keeps at least one cluster in the mesh", () => {
    const all = { ...meshConfig(true), clusters: meshConfig(true).clusters.map((c) => ({ ...c, retire: true })) };
    let problems: string[] = [];
    try {
      validateMeshConfig(all, "test");
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      problems = error.problems.map(formatProblem);
    }
    expect(problems).toEqual([
      "clusters[2].retire true would retire every cluster, leaving no mesh: keep at least one cluster, or remove the whole mesh with npx cdktf destroy '*'",
    ]);
  });

  it("says on every synth what to run next", () => {
    expect(validateMeshConfig(meshConfig(true), "test", new Date("2026-12-01T12:00:00Z")).warnings).toEqual([
      "clusters[2] cluster3 is retiring: run npx cdktf deploy '*' (the other clusters drop its secrets and NAT addresses), then npx cdktf destroy cluster3-mesh-links cluster3-platform cluster3-eks cluster3-network, then remove it from the config",
    ]);
  });
});

describe("local state of stacks no longer in the config", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "stale-state-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const state = (resources: unknown[]) => JSON.stringify({ version: 4, resources });
  const vpc = { mode: "managed", type: "aws_vpc", name: "vpc", instances: [{ attributes: {} }] };
  const lookup = { mode: "data", type: "aws_availability_zones", name: "zones", instances: [{}] };
  writeFileSync(path.join(dir, "terraform.cluster3-network.tfstate"), state([vpc, lookup]));
  writeFileSync(path.join(dir, "terraform.cluster4-eks.tfstate"), state([lookup]));
  writeFileSync(path.join(dir, "terraform.cluster1-network.tfstate"), state([vpc]));
  writeFileSync(path.join(dir, "terraform.cluster3-network.tfstate.backup"), state([vpc]));
  const twoClusters = validateMeshConfig(
    { ...meshConfig(false), clusters: CLUSTERS.slice(0, 2) },
    "test",
    new Date("2026-12-01T12:00:00Z"),
  ).spec;

  it("warns about a deleted cluster's stack whose state still holds resources, and only about it", () => {
    expect(staleLocalStateWarnings(dir, twoClusters)).toEqual([
      "terraform.cluster3-network.tfstate holds 1 resource of stack cluster3-network, which the config no longer has: they still exist, and cdktf destroys only stacks in the config. Put its cluster back with retire: true, deploy, and destroy its stacks (README: Retiring a cluster); or delete the file if they are gone",
    ]);
  });

  it("is quiet once the cluster is back in the config, and with remote state", () => {
    expect(staleLocalStateWarnings(dir, validateMeshConfig(meshConfig(true), "test").spec)).toEqual([]);
    const s3 = { ...twoClusters, state: { bucket: "state", region: "us-west-2", keyPrefix: "mesh" } };
    expect(staleLocalStateWarnings(dir, s3)).toEqual([]);
  });
});

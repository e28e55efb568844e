import { validateMeshConfig } from "../config/load";
import { hashedIdSource, remoteStateName } from "./helpers/cdktf-names";
import { StackJson, synthMesh } from "./helpers/synth";

/**
 * Adding or removing a cluster must not touch what the other clusters already run. The only
 * allowed change in existing stacks is the allow-list that admits every cluster's NAT addresses,
 * an in-place update: the EKS public endpoint's source ranges (the east-west gateway's NLB reads
 * the same list from the cluster at plan time). Everything else is identical, added (new
 * resources, remote-state reads, outputs), or belongs to the removed cluster.
 */
const cluster = (name: string, region: string, vpcCidr: string) => ({ name, region, vpcCidr });
const CLUSTERS = [
  cluster("cluster1", "us-west-2", "10.10.0.0/16"),
  cluster("cluster2", "us-east-2", "10.20.0.0/16"),
  cluster("cluster3", "eu-west-1", "10.30.0.0/16"),
];
const synthClusters = (clusters: typeof CLUSTERS) =>
  synthMesh(validateMeshConfig({ meshId: "mesh1", apiAllowedCidrs: ["203.0.113.0/24"], clusters }, "test").spec);

const first = synthClusters(CLUSTERS.slice(0, 2));
const all = synthClusters(CLUSTERS);
const lastTwo = synthClusters(CLUSTERS.slice(1));

const ALLOW_LIST_PATHS: Record<string, (resource: StackJson) => void> = {
  aws_eks_cluster: (resource) => delete resource.vpc_config.public_access_cidrs,
};

/** A stack's resources and data sources with the allow-lists blanked out, by Terraform address. */
function comparableResources(stack: StackJson): Record<string, string> {
  const blocks = (kind: string, prefix: string) =>
    Object.entries<Record<string, StackJson>>(structuredClone(stack[kind] ?? {})).flatMap(([type, byId]) =>
      Object.entries(byId).map(([id, block]) => {
        if (kind === "resource") ALLOW_LIST_PATHS[type]?.(block);
        return [`${prefix}${type}.${id}`, JSON.stringify(block)];
      }),
    );
  return Object.fromEntries([...blocks("resource", ""), ...blocks("data", "data.")]);
}

/** Resources of `before` that `after` changed or dropped, in the stacks both have. */
function changedResources(before: Record<string, StackJson>, after: Record<string, StackJson>): string[] {
  return Object.keys(before)
    .filter((stackName) => stackName in after)
    .flatMap((stackName) => {
      const old = comparableResources(before[stackName]);
      const updated = comparableResources(after[stackName]);
      return Object.keys(old)
        .filter((address) => old[address] !== updated[address])
        .map((address) => `${stackName}: ${address}`);
    });
}

describe("adding a cluster", () => {
  it("keeps every stack of the existing clusters", () => {
    expect(Object.keys(all)).toEqual(expect.arrayContaining(Object.keys(first)));
    expect(
      Object.keys(all)
        .filter((name) => !(name in first))
        .every((name) => name.startsWith("cluster3-")),
    ).toBe(true);
  });

  it("changes no existing resource except the allow-lists of the mesh's NAT addresses", () => {
    expect(changedResources(first, all)).toEqual([]);
  });

  it("grows those allow-lists by the new cluster's NAT addresses", () => {
    const cidrs = (stacks: Record<string, StackJson>) =>
      Object.values<StackJson>(stacks["cluster1-eks"].resource.aws_eks_cluster)[0].vpc_config.public_access_cidrs;
    const added = cidrs(all).filter((cidr: string) => !cidrs(first).includes(cidr));
    expect(added).toHaveLength(3);
    added.forEach((cidr: string) => expect(cidr).toContain(remoteStateName("cluster3-network")));
  });

  it("adds to each existing links stack only a remote secret for the new cluster and the read of its platform stack", () => {
    for (const name of ["cluster1", "cluster2"]) {
      const before = comparableResources(first[`${name}-mesh-links`]);
      const after = comparableResources(all[`${name}-mesh-links`]);
      expect(
        Object.keys(after)
          .filter((address) => !(address in before))
          .sort(),
      ).toEqual([
        `data.terraform_remote_state.${remoteStateName("cluster3-platform")}`,
        expect.stringMatching(
          new RegExp(`^kubernetes_secret_v1\\.${hashedIdSource("istio-remote-secret-cluster3", "secret")}$`),
        ),
      ]);
      expect(all[`${name}-mesh-links`].provider).toEqual(first[`${name}-mesh-links`].provider);
    }
  });
});

describe("removing a cluster", () => {
  it("removes only its stacks", () => {
    expect(
      Object.keys(all)
        .filter((name) => !(name in lastTwo))
        .every((name) => name.startsWith("cluster1-")),
    ).toBe(true);
  });

  it("changes no resource of the remaining clusters except the allow-lists, even when it was listed first", () => {
    expect(changedResources(lastTwo, all)).toEqual([]);
    // What goes from the remaining stacks: the remote secrets for cluster1 and the reads of its stacks.
    const ofRemovedCluster = (change: string) =>
      change.includes("istio-remote-secret-cluster1") || change.includes(remoteStateName("cluster1-"));
    const removed = changedResources(all, lastTwo);
    expect(removed.filter(ofRemovedCluster).length).toBeGreaterThan(0);
    expect(removed.filter((change) => !ofRemovedCluster(change))).toEqual([]);
  });
});

import type { Construct } from "constructs";
import type { MeshSpec } from "./config/spec";
import { EksStack } from "./stacks/eks-stack";
import { NetworkStack } from "./stacks/network-stack";
import { PlatformStack } from "./stacks/platform-stack";

/** The stacks of one cluster, by stage. */
export interface ClusterStacks {
  readonly network: NetworkStack;
  readonly eks: EksStack;
  readonly platform: PlatformStack;
}

/** Stack names derive from the cluster name only, so reordering clusters never moves state. */
export function stackName(clusterName: string, stage: "network" | "eks" | "platform" | "mesh-links"): string {
  return `${clusterName}-${stage}`;
}

/**
 * Builds every stack of the mesh. Stages run network -> eks -> platform -> (later stages), and a stage
 * only reads from earlier ones, so the stack graph is acyclic and its depth does not grow with
 * the number of clusters.
 */
export function buildMesh(scope: Construct, mesh: MeshSpec): Map<string, ClusterStacks> {
  const common = { meshId: mesh.meshId, state: mesh.state };
  const networks = new Map(
    mesh.clusters.map((cluster) => [
      cluster.name,
      new NetworkStack(scope, stackName(cluster.name, "network"), {
        ...common,
        clusterName: cluster.name,
        region: cluster.region,
        cluster,
      }),
    ]),
  );
  const meshNatCidrs = [...networks.values()].flatMap((network) => network.vpc.natCidrs);
  const apiAllowedCidrs = [...meshNatCidrs, ...mesh.apiAllowedCidrs];

  const stacks = new Map<string, ClusterStacks>();
  for (const cluster of mesh.clusters) {
    const network = networks.get(cluster.name)!;
    const eks = new EksStack(scope, stackName(cluster.name, "eks"), {
      ...common,
      clusterName: cluster.name,
      region: cluster.region,
      cluster,
      privateSubnetIds: network.vpc.privateSubnetIds,
      apiAllowedCidrs,
      admins: mesh.admins,
    });
    // The platform stack reaches the cluster by name only, so the order must be declared.
    const platform = new PlatformStack(scope, stackName(cluster.name, "platform"), {
      ...common,
      clusterName: cluster.name,
      region: cluster.region,
      cluster,
      istioVersion: mesh.istioVersion,
      caDirectory: mesh.caDirectory,
      // The east-west gateways admit the same sources as the API endpoints.
      eastWestAllowedCidrs: apiAllowedCidrs,
    });
    platform.addDependency(eks);
    stacks.set(cluster.name, { network, eks, platform });
  }
  return stacks;
}

import type { Construct } from "constructs";
import type { ClusterSpec, MeshSpec } from "../config/spec";
import { stackName } from "./names";
import { EksStack } from "./stacks/eks-stack";
import { MeshLinksStack } from "./stacks/mesh-links-stack";
import { NetworkStack } from "./stacks/network-stack";
import { PlatformStack } from "./stacks/platform-stack";

/** The stacks of one cluster, by stage. */
export interface ClusterStacks {
  readonly network: NetworkStack;
  readonly eks: EksStack;
  readonly platform: PlatformStack;
  /** The cluster's remote secrets for every other cluster. */
  readonly links: MeshLinksStack;
}

export { stackName };

export interface BuildMeshOptions {
  /**
   * The project directory as seen from a stack's folder in the output directory.
   * @default PROJECT_DIR_FROM_STACK (the output directory at the top of the project)
   */
  readonly projectDirectory?: string;
}

/**
 * Builds every stack of the mesh. Stages run network -> eks -> platform -> mesh-links, and a stage
 * only reads from earlier ones, so the stack graph is acyclic and its depth does not grow with
 * the number of clusters.
 */
export function buildMesh(
  scope: Construct,
  mesh: MeshSpec,
  options: BuildMeshOptions = {},
): Map<string, ClusterStacks> {
  const common = { meshId: mesh.meshId, state: mesh.state, projectDirectory: options.projectDirectory };
  const ca = { directory: mesh.caDirectory, clusterNames: mesh.clusters.map((cluster) => cluster.name) };
  const networks = new Map(
    mesh.clusters.map((cluster) => [
      cluster.name,
      new NetworkStack(scope, stackName(cluster.name, "network"), {
        ...common,
        clusterName: cluster.name,
        region: cluster.region,
        cluster,
        ca,
      }),
    ]),
  );
  // Every API endpoint admits every member's NAT addresses (istiod reads the other clusters' API
  // servers from there) plus the configured ranges. A retiring cluster is no member: nobody admits
  // it any more, and it admits only itself, so no stack of the mesh reads its network or it theirs.
  const members = mesh.clusters.filter((cluster) => !cluster.retiring);
  const natCidrsOf = (clusters: readonly ClusterSpec[]) =>
    clusters.flatMap((cluster) => networks.get(cluster.name)!.vpc.natCidrs);
  const memberAllowedCidrs = [...natCidrsOf(members), ...mesh.apiAllowedCidrs];
  const endpointAllowedCidrs = (cluster: ClusterSpec) =>
    cluster.retiring ? [...natCidrsOf([cluster]), ...mesh.apiAllowedCidrs] : memberAllowedCidrs;

  const stages = new Map<string, Omit<ClusterStacks, "links">>();
  for (const cluster of mesh.clusters) {
    const network = networks.get(cluster.name)!;
    const eks = new EksStack(scope, stackName(cluster.name, "eks"), {
      ...common,
      clusterName: cluster.name,
      region: cluster.region,
      cluster,
      privateSubnetIds: network.vpc.privateSubnetIds,
      apiAllowedCidrs: endpointAllowedCidrs(cluster),
      admins: mesh.admins,
    });
    // The platform stack reaches the cluster by name only, so the order must be declared.
    const platform = new PlatformStack(scope, stackName(cluster.name, "platform"), {
      ...common,
      clusterName: cluster.name,
      region: cluster.region,
      cluster,
      istioVersion: mesh.istioVersion,
      istioRevisions: mesh.istioRevisions,
      caDirectory: mesh.caDirectory,
      readerTokenRotationDays: mesh.readerTokenRotationDays,
      samples: mesh.samples ? { helloworldVersion: cluster.helloworldVersion } : undefined,
    });
    platform.addDependency(eks);
    stages.set(cluster.name, { network, eks, platform });
  }

  const stacks = new Map<string, ClusterStacks>();
  for (const cluster of mesh.clusters) {
    const own = stages.get(cluster.name)!;
    // A retiring cluster discovers no one and no one discovers it.
    const others = (cluster.retiring ? [] : members)
      .filter((other) => other.name !== cluster.name)
      .map((other) => ({ clusterName: other.name, platform: stages.get(other.name)!.platform }));
    const links = new MeshLinksStack(scope, stackName(cluster.name, "mesh-links"), {
      ...common,
      clusterName: cluster.name,
      region: cluster.region,
      // One reference per other cluster: cdktf passes each as a sensitive output.
      remotes: others.map(({ clusterName, platform }) => ({ clusterName, kubeconfig: platform.remoteKubeconfig })),
    });
    // Reaches its own cluster by name (istio-system must exist); the references already order it
    // after the other clusters' platform stacks, declared here too so the order never rests on them.
    links.addDependency(own.platform);
    for (const { platform } of others) links.addDependency(platform);
    stacks.set(cluster.name, { ...own, links });
  }
  return stacks;
}

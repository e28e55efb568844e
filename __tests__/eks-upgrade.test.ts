import { validateMeshConfig } from "../config/load";
import { dataOf, resourcesOf, StackJson, synthMesh } from "./helpers/synth";

/**
 * Raising a cluster's kubernetesVersion must upgrade, in one deploy and in order, the control
 * plane, the add-ons (at versions looked up for the new Kubernetes version) and the nodes. In
 * Terraform that order is the reference graph: what reads the cluster's `version` attribute waits
 * for the cluster's update and sees the new value.
 */
const config = (cluster1: Record<string, unknown>) => ({
  meshId: "mesh1",
  apiAllowedCidrs: ["203.0.113.0/24"],
  clusters: [{ name: "cluster1", region: "us-west-2", vpcCidr: "10.10.0.0/16", ...cluster1 }],
});
const synth = (cluster1: Record<string, unknown>) =>
  synthMesh(validateMeshConfig(config(cluster1), "test", new Date("2026-12-01")).spec)["cluster1-eks"];

const before = synth({ kubernetesVersion: "1.35" });
const after = synth({ kubernetesVersion: "1.36" });
const pinned = synth({ kubernetesVersion: "1.35", addonVersions: { coredns: "v1.12.4-eksbuild.1" } });

const only = (blocks: Record<string, StackJson>): [string, StackJson] => {
  const entries = Object.entries(blocks);
  expect(entries).toHaveLength(1);
  return entries[0];
};
const [clusterId, cluster] = only(resourcesOf(before, "aws_eks_cluster"));
const clusterVersion = `\${aws_eks_cluster.${clusterId}.version}`;
const addonsByName = (stack: StackJson): Record<string, { id: string; addon: StackJson }> =>
  Object.fromEntries(
    Object.entries(resourcesOf(stack, "aws_eks_addon")).map(([id, addon]) => [addon.addon_name, { id, addon }]),
  );
const address = (type: string, id: string) => `${type}.${id}`;

describe("EKS version upgrade", () => {
  it("derives every add-on's version from the cluster's version: the most recent EKS publishes for it", () => {
    const versions = dataOf(before, "aws_eks_addon_version");
    const addons = Object.values(addonsByName(before));
    expect(addons.map(({ addon }) => addon.addon_name).sort()).toEqual([
      "coredns",
      "eks-pod-identity-agent",
      "kube-proxy",
      "vpc-cni",
    ]);
    for (const { addon } of addons) {
      const reference = /^\$\{data\.aws_eks_addon_version\.([^.]+)\.version\}$/.exec(addon.addon_version);
      expect(reference).not.toBeNull();
      const lookup = versions[reference![1]];
      expect(lookup).toMatchObject({
        addon_name: addon.addon_name,
        kubernetes_version: clusterVersion,
        most_recent: true,
      });
    }
  });

  it("changes only the control plane's version (and its guard) in the configuration: add-ons and nodes follow it by reference", () => {
    expect(cluster.version).toBe("1.35");
    expect(only(resourcesOf(after, "aws_eks_cluster"))[1].version).toBe("1.36");
    const withoutClusterVersion = (stack: StackJson) => {
      const copy = structuredClone(stack);
      delete copy.resource.aws_eks_cluster[clusterId].version;
      // The plan-time guard names the versions it admits (the configured one and the one before).
      delete copy.resource.aws_eks_cluster[clusterId].lifecycle;
      return copy;
    };
    expect(withoutClusterVersion(after)).toEqual(withoutClusterVersion(before));
  });

  it("moves the nodes to the cluster's version, after the add-ons they need, with CoreDNS after the nodes", () => {
    const [nodeGroupId, nodeGroup] = only(resourcesOf(before, "aws_eks_node_group"));
    expect(nodeGroup.version).toBe(clusterVersion);
    const addons = addonsByName(before);
    for (const name of ["vpc-cni", "kube-proxy", "eks-pod-identity-agent"]) {
      expect(nodeGroup.depends_on).toContain(address("aws_eks_addon", addons[name].id));
    }
    expect(addons.coredns.addon.depends_on).toEqual([address("aws_eks_node_group", nodeGroupId)]);
  });

  it("keeps a version the config holds instead of looking one up", () => {
    const addons = addonsByName(pinned);
    expect(addons.coredns.addon.addon_version).toBe("v1.12.4-eksbuild.1");
    expect(Object.values(dataOf(pinned, "aws_eks_addon_version")).map((lookup) => lookup.addon_name)).not.toContain(
      "coredns",
    );
    expect(addons["vpc-cni"].addon.addon_version).toMatch(/^\$\{data\.aws_eks_addon_version\./);
  });

  it("keeps every existing address: the lookups are added, no resource is renamed", () => {
    const addresses = (stack: StackJson) =>
      Object.entries<Record<string, unknown>>(stack.resource).flatMap(([type, blocks]) =>
        Object.keys(blocks).map((id) => address(type, id)),
      );
    expect(addresses(after).sort()).toEqual(addresses(before).sort());
    expect(Object.keys(addonsByName(before).coredns.addon)).toContain("resolve_conflicts_on_update");
    expect(addonsByName(before).coredns.id).toBe("addon-coredns");
  });
});

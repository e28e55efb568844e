import type { Construct } from "constructs";
import type { ITerraformDependable } from "cdktf";
import { EksAddon } from "@cdktf/provider-aws/lib/eks-addon";

/** Add-ons nodes need before they can become Ready and before pods can use Pod Identity. */
export const NODE_PREREQUISITE_ADDONS = ["vpc-cni", "kube-proxy", "eks-pod-identity-agent"];
/** Add-ons that run as Deployments, so they only settle once nodes exist. */
export const WORKLOAD_ADDONS = ["coredns"];

/**
 * EKS-managed add-ons at the default version EKS picks for the cluster's Kubernetes version.
 * OVERWRITE adopts the self-managed copies EKS installs when it creates a cluster.
 */
export function addManagedAddons(
  scope: Construct,
  clusterName: string,
  addonNames: readonly string[],
  dependsOn: ITerraformDependable[] = [],
): EksAddon[] {
  return addonNames.map(
    (addonName) =>
      new EksAddon(scope, `addon-${addonName}`, {
        clusterName,
        addonName,
        resolveConflictsOnCreate: "OVERWRITE",
        resolveConflictsOnUpdate: "OVERWRITE",
        dependsOn,
      }),
  );
}

import type { Construct } from "constructs";
import type { ITerraformDependable } from "cdktf";
import { DataAwsEksAddonVersion } from "@cdktf/provider-aws/lib/data-aws-eks-addon-version";
import { EksAddon } from "@cdktf/provider-aws/lib/eks-addon";

/** Add-ons nodes need before they can become Ready and before pods can use Pod Identity. */
export const NODE_PREREQUISITE_ADDONS = ["vpc-cni", "kube-proxy", "eks-pod-identity-agent"];
/** Add-ons that run as Deployments, so they only settle once nodes exist. */
export const WORKLOAD_ADDONS = ["coredns"];

export interface ManagedAddonsProps {
  readonly clusterName: string;
  /**
   * The cluster's Kubernetes version as Terraform knows it (a reference to the cluster's
   * `version`), so each add-on's version is looked up for the version the control plane runs,
   * and only once it runs it.
   */
  readonly kubernetesVersion: string;
  readonly addonNames: readonly string[];
  /**
   * Add-on versions to hold, by add-on name, instead of the most recent one for the cluster's
   * Kubernetes version.
   * @default {}: every add-on follows the cluster
   */
  readonly pinnedVersions?: Readonly<Record<string, string>>;
  /**
   * Resources the add-ons must wait for.
   * @default []
   */
  readonly dependsOn?: ITerraformDependable[];
}

/**
 * EKS-managed add-ons at the most recent version EKS publishes for the cluster's Kubernetes
 * version. Raising the cluster's version changes the looked-up versions too, so one deploy
 * upgrades the control plane and then its add-ons; left at EKS's default, an add-on would stay on
 * the build it was created with. OVERWRITE adopts the self-managed copies EKS installs when it
 * creates a cluster, and keeps EKS's own settings when an upgrade finds them edited.
 */
export function addManagedAddons(scope: Construct, props: ManagedAddonsProps): EksAddon[] {
  return props.addonNames.map((addonName) => {
    const addonVersion = props.pinnedVersions?.[addonName] ?? mostRecentVersion(scope, addonName, props).version;
    return new EksAddon(scope, `addon-${addonName}`, {
      clusterName: props.clusterName,
      addonName,
      addonVersion,
      resolveConflictsOnCreate: "OVERWRITE",
      resolveConflictsOnUpdate: "OVERWRITE",
      dependsOn: props.dependsOn ?? [],
    });
  });
}

function mostRecentVersion(scope: Construct, addonName: string, props: ManagedAddonsProps): DataAwsEksAddonVersion {
  return new DataAwsEksAddonVersion(scope, `addon-${addonName}-version`, {
    addonName,
    kubernetesVersion: props.kubernetesVersion,
    mostRecent: true,
  });
}

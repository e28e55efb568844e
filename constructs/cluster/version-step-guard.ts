import { Construct } from "constructs";
import { Fn, Token, type Precondition } from "cdktf";
import { DataAwsEksCluster } from "@cdktf/provider-aws/lib/data-aws-eks-cluster";
import { DataAwsEksClusters } from "@cdktf/provider-aws/lib/data-aws-eks-clusters";

/**
 * A plan-time check that the configured Kubernetes version is the one the cluster runs or the next
 * minor. EKS upgrades a control plane one minor at a time and never downgrades it; without this,
 * a skipped minor fails only during the apply, in the middle of a deploy. The running version is
 * read only when a cluster of that name exists (a first deploy has nothing to compare with), so
 * the config alone never has to know the previous version.
 */
export function versionStepPrecondition(
  scope: Construct,
  clusterName: string,
  kubernetesVersion: string,
): Precondition {
  const clusters = new DataAwsEksClusters(scope, "existing-clusters");
  const running = new DataAwsEksCluster(scope, "running-cluster", {
    name: clusterName,
    count: Token.asNumber(Fn.conditional(Fn.contains(clusters.names, clusterName), 1, 0)),
  });
  const allowed = JSON.stringify([kubernetesVersion, previousMinor(kubernetesVersion)]);
  return {
    condition: `\${alltrue([for cluster in ${running.fqn} : contains(${allowed}, cluster.version)])}`,
    errorMessage: `EKS cluster ${clusterName} runs Kubernetes \${join("", ${running.fqn}[*].version)}, and kubernetesVersion is ${kubernetesVersion}: EKS upgrades one minor per deploy and never downgrades, so set kubernetesVersion to the version it runs or the next minor, deploy, and repeat.`,
  };
}

function previousMinor(version: string): string {
  const [major, minor] = version.split(".").map(Number);
  return `${major}.${minor - 1}`;
}

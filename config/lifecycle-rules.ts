import { CLUSTER_STACK_STAGES, stackName } from "../constructs/names";
import { eksRetiredVersionProblem } from "./eks-versions";
import { kubernetesRangeOf } from "./istio-versions";
import type { ConfigProblem } from "./problems";
import type { MeshConfig } from "./schema";
import type { SalvagedMesh } from "./validate";

/**
 * Rules about a mesh over time: Kubernetes versions EKS has stopped running, and clusters leaving
 * the mesh. They run on what the schema salvaged, like the other cross-field rules.
 */
export function lifecycleProblems(config: SalvagedMesh, today: Date): ConfigProblem[] {
  const clusters = (config.clusters ?? []).map((cluster) => cluster ?? {});
  const problems: ConfigProblem[] = [];
  clusters.forEach((cluster, index) => {
    const version = cluster.kubernetesVersion;
    const retired = version === undefined ? undefined : eksRetiredVersionProblem(version, today);
    if (retired) problems.push({ path: `clusters[${index}].kubernetesVersion`, value: version, message: retired });
    const unsupported = version === undefined ? undefined : istioRangeProblem(version, istioVersionsOf(config));
    if (unsupported)
      problems.push({ path: `clusters[${index}].kubernetesVersion`, value: version, message: unsupported });
  });
  const retiring = clusters.flatMap((cluster, index) => (cluster.retire ? [index] : []));
  if (clusters.length && retiring.length === clusters.length) {
    problems.push({
      path: `clusters[${retiring[retiring.length - 1]}].retire`,
      value: true,
      message:
        "would retire every cluster, leaving no mesh: keep at least one cluster, or remove the whole mesh with npx cdktf destroy '*'",
    });
  }
  return problems;
}

/** The Istio releases the config installs: every revision's, or istio.version. */
function istioVersionsOf(config: SalvagedMesh): string[] {
  const istio = (config as { istio?: { version?: unknown; revisions?: unknown } }).istio;
  const revisions = Array.isArray(istio?.revisions) ? (istio.revisions as ({ version?: unknown } | undefined)[]) : [];
  const versions = revisions.length ? revisions.map((revision) => revision?.version) : [istio?.version];
  return versions.filter((version): version is string => typeof version === "string");
}

/** Why an Istio release the config installs does not support this Kubernetes version, or undefined. */
export function istioRangeProblem(kubernetesVersion: string, istioVersions: readonly string[]): string | undefined {
  const minor = (version: string) => Number(version.split(".")[1]);
  for (const istioVersion of istioVersions) {
    const range = kubernetesRangeOf(istioVersion);
    if (!range) continue;
    const k8s = minor(kubernetesVersion);
    if (k8s >= minor(range.min) && k8s <= minor(range.max)) continue;
    return `is outside what Istio ${istioVersion} supports (Kubernetes ${range.min} to ${range.max}): use one of those, or an Istio release that supports ${kubernetesVersion}`;
  }
  return undefined;
}

/** What to do next about each retiring cluster, printed on every synth until it leaves the config. */
export function retirementWarnings(config: MeshConfig): string[] {
  return config.clusters.flatMap((cluster, index) => {
    if (!cluster.retire) return [];
    const stacks = [...CLUSTER_STACK_STAGES]
      .reverse()
      .map((stage) => stackName(cluster.name, stage))
      .join(" ");
    return [
      `clusters[${index}] ${cluster.name} is retiring: run npx cdktf deploy '*' (the other clusters drop its secrets and NAT addresses), then npx cdktf destroy ${stacks}, then remove it from the config`,
    ];
  });
}

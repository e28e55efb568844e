import {
  DEFAULT_AVAILABILITY_ZONES,
  MAX_PUBLIC_ACCESS_CIDRS,
  SECURITY_GROUP_RULE_QUOTA,
  defaultNetworkName,
} from "./defaults";
import { networksOverlap, tryParseIpv4Network } from "./cidr";
import { istioVersionWarning } from "./istio-versions";
import { duplicateAdminProblems } from "./admins";
import { eksSupportWarning } from "./eks-versions";
import type { ConfigProblem } from "./problems";
import { nodeProblems, nodeWarnings } from "./rules/nodes";
import { distinctAllowedCidrCount, duplicateAllowedCidrProblems } from "./rules/api-cidrs";
import type { ClusterConfig, MeshConfig } from "./schema";
import { EAST_WEST_GATEWAY_PORTS } from "../constructs/names";

/** Each port of the east-west gateway is one NLB listener. */
const EAST_WEST_LISTENER_PORTS = Object.keys(EAST_WEST_GATEWAY_PORTS).length;

/**
 * A cluster as far as the schema accepted it. A field the schema rejected is present with the
 * value undefined, so a rule that needs it skips the cluster instead of piling on a second error.
 */
export type SalvagedCluster = Partial<Omit<ClusterConfig, "nodes" | "ingress">> & {
  readonly nodes?: Partial<ClusterConfig["nodes"]>;
  readonly ingress?: Partial<ClusterConfig["ingress"]>;
};

/** What the cross-field rules read: the clusters, each possibly rejected (undefined) or partly salvaged. */
export interface SalvagedMesh {
  readonly clusters?: readonly (SalvagedCluster | undefined)[];
  readonly apiAllowedCidrs?: readonly (string | undefined)[];
  readonly admins?: readonly (string | undefined)[];
}

/**
 * Rules that single-field schema checks cannot express: uniqueness, overlaps, fields that must
 * agree. They run on whatever the schema could salvage, so one bad field does not hide them.
 */
export function crossFieldProblems(config: SalvagedMesh): ConfigProblem[] {
  const clusters = (config.clusters ?? []).map((cluster) => cluster ?? {});
  return [
    ...clusters.flatMap((cluster, index) => clusterProblems(cluster, `clusters[${index}]`)),
    ...duplicateProblems(clusters, "name", (cluster) => cluster.name, "give every cluster its own name"),
    ...duplicateProblems(
      clusters,
      "network",
      networkOf,
      "this is a multi-network mesh: give every cluster its own network",
      // Two derived networks clash only when the names do, and that is reported already.
      (first, later) => !("network" in first) && !("network" in later),
    ),
    ...duplicateProblems(
      clusters,
      "kubeContext",
      (cluster) => ("kubeContext" in cluster ? cluster.kubeContext : cluster.name),
      "give every cluster its own kubeconfig context, or npm run verify checks one cluster twice and another never",
      // Two contexts defaulted from the names clash only when the names do, and that is reported already.
      (first, later) => !("kubeContext" in first) && !("kubeContext" in later),
    ),
    ...vpcOverlapProblems(clusters),
    ...duplicateAllowedCidrProblems(config.apiAllowedCidrs ?? []),
    ...publicAccessCidrProblems(clusters, config.apiAllowedCidrs ?? []),
    ...duplicateAdminProblems(config.admins ?? []),
  ];
}

/** How many Elastic IPs (NAT addresses) a cluster's network holds. */
export function natAddressCount(cluster: Pick<SalvagedCluster, "natGateways" | "availabilityZones">): number {
  return cluster.natGateways === "single" ? 1 : (cluster.availabilityZones ?? DEFAULT_AVAILABILITY_ZONES);
}

/** The NAT addresses a cluster adds to every other cluster's allow-lists: none once it is retiring. */
function memberNatAddressCount(cluster: SalvagedCluster): number {
  return cluster.retire ? 0 : natAddressCount(cluster);
}

/** Every API endpoint admits every cluster's NAT addresses plus apiAllowedCidrs, and EKS caps that list. */
function publicAccessCidrProblems(
  clusters: readonly SalvagedCluster[],
  apiAllowedCidrs: readonly (string | undefined)[],
): ConfigProblem[] {
  const natAddresses = clusters.reduce((sum, cluster) => sum + memberNatAddressCount(cluster), 0);
  // Counted after duplicates are dropped: those are reported on their own.
  const total = natAddresses + distinctAllowedCidrCount(apiAllowedCidrs);
  if (total <= MAX_PUBLIC_ACCESS_CIDRS) return [];
  // With one NAT address per cluster already, only fewer clusters or fewer ranges help.
  const fix = clusters.some((cluster) => memberNatAddressCount(cluster) > 1)
    ? "set natGateways: single on some clusters, or list fewer, wider ranges"
    : `every cluster has one NAT address already, so list fewer, wider ranges, or put at most ${MAX_PUBLIC_ACCESS_CIDRS - distinctAllowedCidrCount(apiAllowedCidrs)} clusters in one mesh`;
  return [
    {
      path: "apiAllowedCidrs",
      value: apiAllowedCidrs,
      message: `plus the clusters' ${natAddresses} NAT addresses gives every API endpoint ${total} source ranges, over the EKS limit of ${MAX_PUBLIC_ACCESS_CIDRS}: ${fix}`,
    },
  ];
}

/** Advice that does not stop a synth. */
export function configWarnings(config: MeshConfig, today: Date): string[] {
  const istioWarning = config.istio.revisions ? undefined : istioVersionWarning(config.istio.version);
  return [
    ...config.clusters.flatMap((cluster, index) => nodeWarnings(cluster.nodes, `clusters[${index}]`)),
    ...supportWarnings(config, today),
    ...elasticIpQuotaWarnings(config),
    ...securityGroupRuleWarnings(config),
    ...(istioWarning ? [istioWarning] : []),
    ...(config.istio.revisions ?? []).flatMap((revision, index) => {
      const warning = istioVersionWarning(revision.version);
      return warning ? [warning.replace("istio.version", `istio.revisions[${index}].version`)] : [];
    }),
  ];
}

/** The east-west NLBs admit every API source range on every listener port, one security group rule each. */
function securityGroupRuleWarnings(config: MeshConfig): string[] {
  const ranges =
    config.clusters.reduce((sum, cluster) => sum + memberNatAddressCount(cluster), 0) + config.apiAllowedCidrs.length;
  const rules = ranges * EAST_WEST_LISTENER_PORTS;
  if (rules <= SECURITY_GROUP_RULE_QUOTA) return [];
  return [
    `every east-west gateway NLB admits ${ranges} source ranges (NAT addresses and apiAllowedCidrs) on ${EAST_WEST_LISTENER_PORTS} ports: ${rules} security group rules, above the default quota of ${SECURITY_GROUP_RULE_QUOTA} per group, so the load balancer controller cannot create them: request a higher "Inbound or outbound rules per security group" quota in every region first, or set natGateways: single on some clusters`,
  ];
}

function supportWarnings(config: MeshConfig, today: Date): string[] {
  return config.clusters.flatMap((cluster, index) => {
    const warning = eksSupportWarning(cluster.kubernetesVersion, today);
    return warning ? [`clusters[${index}].kubernetesVersion "${cluster.kubernetesVersion}" ${warning}`] : [];
  });
}

/** The default Elastic IP quota per region and account; NAT gateways of clusters in one region share it. */
export const DEFAULT_ELASTIC_IP_QUOTA = 5;

function elasticIpQuotaWarnings(config: MeshConfig): string[] {
  const perRegion = new Map<string, number>();
  for (const cluster of config.clusters) {
    perRegion.set(cluster.region, (perRegion.get(cluster.region) ?? 0) + natAddressCount(cluster));
  }
  return [...perRegion.entries()]
    .filter(([, count]) => count > DEFAULT_ELASTIC_IP_QUOTA)
    .map(
      ([region, count]) =>
        `the clusters in ${region} need ${count} Elastic IPs for NAT gateways, above the default quota of ${DEFAULT_ELASTIC_IP_QUOTA} per region: request a higher quota, or set natGateways: single on some of them`,
    );
}

function clusterProblems(cluster: SalvagedCluster, path: string): ConfigProblem[] {
  const problems: ConfigProblem[] = [...nodeProblems(cluster.nodes, path)];
  const { minSize, desiredSize, maxSize } = cluster.nodes ?? {};
  if (minSize !== undefined && desiredSize !== undefined && minSize > desiredSize) {
    problems.push({
      path: `${path}.nodes.minSize`,
      value: minSize,
      message: `is above desiredSize ${desiredSize}: lower minSize or raise desiredSize (minSize <= desiredSize <= maxSize)`,
    });
  }
  if (desiredSize !== undefined && maxSize !== undefined && desiredSize > maxSize) {
    problems.push({
      path: `${path}.nodes.desiredSize`,
      value: desiredSize,
      message: `is above maxSize ${maxSize}: lower desiredSize or raise maxSize (minSize <= desiredSize <= maxSize)`,
    });
  }
  const certificateArn = cluster.ingress?.certificateArn;
  const certificateRegion = certificateArn?.split(":")[3];
  if (certificateArn && cluster.region && certificateRegion !== cluster.region) {
    problems.push({
      path: `${path}.ingress.certificateArn`,
      value: certificateArn,
      message: `is in ${certificateRegion}, but an ALB can only use ACM certificates of its own region (${cluster.region}): issue or import the certificate there`,
    });
  }
  return problems;
}

/** The cluster's Istio network: as written, or derived from the name when the field is absent. */
function networkOf(cluster: SalvagedCluster): string | undefined {
  if ("network" in cluster) return cluster.network;
  return cluster.name === undefined ? undefined : defaultNetworkName(cluster.name);
}

function vpcOverlapProblems(clusters: readonly SalvagedCluster[]): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const networks = clusters.map((cluster) => (cluster.vpcCidr ? tryParseIpv4Network(cluster.vpcCidr) : undefined));
  networks.forEach((network, later) => {
    for (let earlier = 0; earlier < later; earlier++) {
      const other = networks[earlier];
      if (typeof network !== "object" || typeof other !== "object" || !networksOverlap(network, other)) continue;
      problems.push({
        path: `clusters[${later}].vpcCidr`,
        value: clusters[later].vpcCidr,
        message: `overlaps clusters[${earlier}].vpcCidr "${clusters[earlier].vpcCidr}": give each cluster its own range`,
      });
    }
  });
  return problems;
}

function duplicateProblems(
  clusters: readonly SalvagedCluster[],
  field: string,
  valueOf: (cluster: SalvagedCluster) => string | undefined,
  fix: string,
  followsFromAnother: (first: SalvagedCluster, later: SalvagedCluster) => boolean = () => false,
): ConfigProblem[] {
  const firstIndex = new Map<string, number>();
  const problems: ConfigProblem[] = [];
  clusters.forEach((cluster, index) => {
    const value = valueOf(cluster);
    if (value === undefined) return;
    const first = firstIndex.get(value);
    if (first === undefined) {
      firstIndex.set(value, index);
      return;
    }
    if (followsFromAnother(clusters[first], cluster)) return;
    problems.push({
      path: `clusters[${index}].${field}`,
      value,
      message: `is already used by clusters[${first}]: ${fix}`,
    });
  });
  return problems;
}

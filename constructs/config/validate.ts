import { EKS_END_OF_STANDARD_SUPPORT, LARGEST_VPC_PREFIX, SMALLEST_VPC_PREFIX, defaultNetworkName } from "./defaults";
import { regionProblem } from "./aws-regions";
import { Ipv4Network, isPrivateNetwork, networksOverlap, parseIpv4Network } from "./cidr";
import type { ConfigProblem } from "./problems";
import type { MeshConfig } from "./schema";

/** Rules that single-field schema checks cannot express: regions, CIDR sizes and overlaps, uniqueness. */
export function crossFieldProblems(config: MeshConfig): ConfigProblem[] {
  return [
    ...config.clusters.flatMap((cluster, index) => clusterProblems(cluster, `clusters[${index}]`)),
    ...duplicateProblems(config, "name", (cluster) => cluster.name, "give every cluster its own name"),
    ...duplicateProblems(
      config,
      "network",
      (cluster) => cluster.network ?? defaultNetworkName(cluster.name),
      "this is a multi-network mesh: give every cluster its own network",
    ),
    ...vpcOverlapProblems(config),
    ...config.apiAllowedCidrs.flatMap((cidr, index) => allowedCidrProblems(cidr, `apiAllowedCidrs[${index}]`)),
    ...stateProblems(config),
  ];
}

/** Advice that does not stop a synth. */
export function configWarnings(config: MeshConfig, today: Date): string[] {
  return config.clusters.flatMap((cluster, index) => {
    const end = EKS_END_OF_STANDARD_SUPPORT[cluster.kubernetesVersion];
    if (!end || new Date(end) > today) return [];
    return [
      `clusters[${index}].kubernetesVersion "${cluster.kubernetesVersion}" left EKS standard support on ${end} and costs extended-support fees: upgrade to a newer version`,
    ];
  });
}

function clusterProblems(cluster: MeshConfig["clusters"][number], path: string): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const badRegion = regionProblem(cluster.region);
  if (badRegion) problems.push({ path: `${path}.region`, value: cluster.region, message: badRegion });
  problems.push(...vpcCidrProblems(cluster.vpcCidr, `${path}.vpcCidr`));
  const { minSize, desiredSize, maxSize } = cluster.nodes;
  if (maxSize < 1) {
    problems.push({ path: `${path}.nodes.maxSize`, value: maxSize, message: "must be at least 1: the mesh needs nodes" });
  }
  if (minSize > desiredSize || desiredSize > maxSize) {
    problems.push({
      path: `${path}.nodes`,
      value: { minSize, desiredSize, maxSize },
      message: "must satisfy minSize <= desiredSize <= maxSize",
    });
  }
  const certificateArn = cluster.ingress.certificateArn;
  const certificateRegion = certificateArn?.split(":")[3];
  if (certificateArn && certificateRegion !== cluster.region) {
    problems.push({
      path: `${path}.ingress.certificateArn`,
      value: certificateArn,
      message: `is in ${certificateRegion}, but an ALB can only use ACM certificates of its own region (${cluster.region}): issue or import the certificate there`,
    });
  }
  return problems;
}

function vpcCidrProblems(cidr: string, path: string): ConfigProblem[] {
  const network = tryParse(cidr);
  if (typeof network === "string") return [{ path, value: cidr, message: network }];
  if (network.prefix < LARGEST_VPC_PREFIX) {
    return [{ path, value: cidr, message: `is larger than AWS allows for a VPC: use a /${LARGEST_VPC_PREFIX} to /${SMALLEST_VPC_PREFIX}` }];
  }
  if (network.prefix > SMALLEST_VPC_PREFIX) {
    return [
      {
        path,
        value: cidr,
        message: `is too small for one private and one public subnet per zone with room for pod IPs: use a /${LARGEST_VPC_PREFIX} to /${SMALLEST_VPC_PREFIX}`,
      },
    ];
  }
  if (!isPrivateNetwork(network)) {
    return [{ path, value: cidr, message: "is not a private range: use one inside 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16 or 100.64.0.0/10" }];
  }
  return [];
}

function vpcOverlapProblems(config: MeshConfig): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const networks = config.clusters.map((cluster) => tryParse(cluster.vpcCidr));
  networks.forEach((network, later) => {
    for (let earlier = 0; earlier < later; earlier++) {
      const other = networks[earlier];
      if (typeof network === "string" || typeof other === "string" || !networksOverlap(network, other)) continue;
      problems.push({
        path: `clusters[${later}].vpcCidr`,
        value: config.clusters[later].vpcCidr,
        message: `overlaps clusters[${earlier}].vpcCidr "${config.clusters[earlier].vpcCidr}": give each cluster its own range`,
      });
    }
  });
  return problems;
}

function allowedCidrProblems(cidr: string, path: string): ConfigProblem[] {
  const network = tryParse(cidr);
  if (typeof network === "string") return [{ path, value: cidr, message: network }];
  if (network.prefix < 8) {
    return [{ path, value: cidr, message: "opens the API servers and east-west gateways to a large part of the internet: list your egress ranges instead" }];
  }
  return [];
}

function duplicateProblems(
  config: MeshConfig,
  field: string,
  valueOf: (cluster: MeshConfig["clusters"][number]) => string,
  fix: string,
): ConfigProblem[] {
  const firstIndex = new Map<string, number>();
  const problems: ConfigProblem[] = [];
  config.clusters.forEach((cluster, index) => {
    const value = valueOf(cluster);
    const first = firstIndex.get(value);
    if (first === undefined) {
      firstIndex.set(value, index);
      return;
    }
    problems.push({ path: `clusters[${index}].${field}`, value, message: `is already used by clusters[${first}]: ${fix}` });
  });
  return problems;
}

function stateProblems(config: MeshConfig): ConfigProblem[] {
  const region = config.state?.s3.region;
  const badRegion = region === undefined ? undefined : regionProblem(region);
  return badRegion ? [{ path: "state.s3.region", value: region, message: badRegion }] : [];
}

function tryParse(cidr: string): Ipv4Network | string {
  try {
    return parseIpv4Network(cidr);
  } catch (error) {
    return (error as Error).message;
  }
}

import { NEWEST_ISTIO_VERSION } from "./istio-versions";

/**
 * Defaults for every optional field of the mesh config, in one place so the schema,
 * the generated JSON Schema and the README all tell the same story.
 */

/** Kubernetes version for new clusters: 1.34 leaves EKS standard support on 2026-12-02. */
export const DEFAULT_KUBERNETES_VERSION = "1.35";

/**
 * Kubernetes versions this program supports: available on EKS and inside the Istio 1.31
 * support window (1.32 to 1.36).
 */
export const SUPPORTED_KUBERNETES_VERSIONS = ["1.32", "1.33", "1.34", "1.35", "1.36"] as const;

/** Availability zones per cluster: three survive the loss of one zone with quorum to spare. */
export const DEFAULT_AVAILABILITY_ZONES = 3;
export const MIN_AVAILABILITY_ZONES = 2;
/** Private subnets use up to six of the eight slices of the VPC; public ones share the last slice. */
export const MAX_AVAILABILITY_ZONES = 6;

/** VPC sizes: AWS allows /16 at most; below /20 the private subnets are too small for pod IPs (VPC CNI). */
export const LARGEST_VPC_PREFIX = 16;
export const SMALLEST_VPC_PREFIX = 20;

/** One NAT gateway per zone keeps egress (and cross-cluster API access) up when a zone fails. */
export const DEFAULT_NAT_GATEWAYS = "perZone";

export const DEFAULT_NODE_INSTANCE_TYPES = ["m7i.large"];
export const DEFAULT_NODE_MIN_SIZE = 2;
export const DEFAULT_NODE_DESIRED_SIZE = 3;
export const DEFAULT_NODE_MAX_SIZE = 6;
export const DEFAULT_NODE_DISK_SIZE_GIB = 50;
export const DEFAULT_NODE_AMI_TYPE = "AL2023_x86_64_STANDARD";

/** Cluster names end up in IAM role names (64 characters) with suffixes of up to 31 characters. */
export const MAX_CLUSTER_NAME_LENGTH = 32;
/** Kubernetes label values (the network label, meshID) are at most 63 characters. */
export const MAX_LABEL_VALUE_LENGTH = 63;

/** Istio release to install: the newest patch of the newest minor this program knows. */
export const DEFAULT_ISTIO_VERSION = NEWEST_ISTIO_VERSION;

/** Where `npm run certs` writes the mesh CA, relative to the project. */
export const DEFAULT_CA_DIRECTORY = "ca";

/**
 * The helloworld version a cluster serves: its name, so every answer names the cluster that gave
 * it, and the version stays the cluster's own whatever else joins or leaves the mesh. (Versions by
 * position, v1, v2, ..., would move when an earlier cluster is removed, redeploying the others'
 * samples.)
 */
export function helloworldVersion(clusterName: string): string {
  return clusterName;
}

/** The network name Istio uses for a cluster when the config does not name one. */
export function defaultNetworkName(clusterName: string): string {
  return `${clusterName}-network`;
}

/** EKS quota on the public endpoint's source ranges (every cluster's NAT addresses plus apiAllowedCidrs). */
export const MAX_PUBLIC_ACCESS_CIDRS = 40;

/**
 * The AWS Load Balancer Controller writes one rule per source range and listener port into the
 * east-west NLB's security group, whose default quota is 60 inbound rules.
 */
export const SECURITY_GROUP_RULE_QUOTA = 60;
/**
 * Days between two new remote-secret reader tokens (each lives two periods): a leaked remote
 * secret stops working within two months. 0 turns rotation off.
 */
export const DEFAULT_TOKEN_ROTATION_DAYS = 30;
export const MAX_TOKEN_ROTATION_DAYS = 365;

/**
 * The first Istio release whose istiod swaps to a remote cluster's new credentials only once the
 * new client has synced (pkg/kube/multicluster/secretcontroller.go, istio/istio#58567, in 1.30.0);
 * before it, an updated remote secret stopped the old client first, dropping that cluster's
 * endpoints until the new one synced.
 */
export const MIN_ISTIO_VERSION_FOR_TOKEN_ROTATION = "1.30.0";

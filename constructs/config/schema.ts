import { z } from "zod";
import {
  DEFAULT_AVAILABILITY_ZONES,
  DEFAULT_CA_DIRECTORY,
  DEFAULT_ISTIO_VERSION,
  DEFAULT_KUBERNETES_VERSION,
  DEFAULT_NAT_GATEWAYS,
  DEFAULT_NODE_AMI_TYPE,
  DEFAULT_NODE_DESIRED_SIZE,
  DEFAULT_NODE_DISK_SIZE_GIB,
  DEFAULT_NODE_INSTANCE_TYPES,
  DEFAULT_NODE_MAX_SIZE,
  DEFAULT_NODE_MIN_SIZE,
  MAX_AVAILABILITY_ZONES,
  MAX_CLUSTER_NAME_LENGTH,
  MAX_LABEL_VALUE_LENGTH,
  MIN_AVAILABILITY_ZONES,
  SUPPORTED_ISTIO_MINOR,
  SUPPORTED_KUBERNETES_VERSIONS,
} from "./defaults";

/**
 * The mesh config file, field by field. Structure and single-field rules live here; rules that
 * relate fields to each other (overlaps, duplicates) live in validate.ts. The JSON Schema that
 * editors use is generated from this (npm run schema).
 */

const DNS_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const dnsLabelError = "must be a lowercase DNS label: a-z, 0-9 and '-', starting with a letter and not ending with '-'";

const dnsLabel = (maxLength: number) =>
  z
    .string()
    .regex(DNS_LABEL, { error: dnsLabelError })
    .max(maxLength, { error: `is longer than ${maxLength} characters: shorten it` });

const ipv4Cidr = z.string().describe("An IPv4 CIDR block such as 10.10.0.0/16.");

/** Free-form Helm values merged last over the values this program computes: the escape hatch. */
const helmValues = z.record(z.string(), z.unknown()).describe("Helm values merged last over the computed ones.");

export const HELM_RELEASE_KEYS = [
  "metricsServer",
  "loadBalancerController",
  "istioBase",
  "istiod",
  "ingressGateway",
  "eastWestGateway",
  "meshManifests",
] as const;

const helmOverrides = z
  .strictObject(Object.fromEntries(HELM_RELEASE_KEYS.map((key) => [key, helmValues.optional()])))
  .describe("Per-release Helm value overrides, keyed by release.");

const kubernetesVersion = z
  .string({ error: "must be a quoted string such as \"1.35\" (unquoted, YAML reads 1.30 as the number 1.3)" })
  .refine((version) => (SUPPORTED_KUBERNETES_VERSIONS as readonly string[]).includes(version), {
    error: `is not a supported Kubernetes version: use one of ${SUPPORTED_KUBERNETES_VERSIONS.join(", ")}`,
  });

const iamPrincipalArn = z
  .string()
  .regex(/^arn:aws:(iam::\d{12}:(role|user)\/[\w+=,.@\-/]+|sts::\d{12}:assumed-role\/[\w+=,.@-]+)$/, {
    error: 'is not an IAM role or user ARN like "arn:aws:iam::111122223333:role/platform-admins"',
  });

const acmCertificateArn = z.string().regex(/^arn:aws:acm:[a-z0-9-]+:\d{12}:certificate\/[0-9a-f-]{36}$/, {
  error: 'is not an ACM certificate ARN like "arn:aws:acm:us-west-2:111122223333:certificate/<uuid>"',
});

const positiveInt = (max: number) =>
  z
    .number({ error: "must be a whole number" })
    .int({ error: "must be a whole number" })
    .min(0, { error: "must not be negative" })
    .max(max, { error: `must be at most ${max}` });

export const NodesSchema = z
  .strictObject({
    instanceTypes: z
      .array(z.string().regex(/^[a-z][a-z0-9-]*\.[a-z0-9]+$/, { error: 'is not an EC2 instance type like "m7i.large"' }))
      .min(1, { error: "must list at least one instance type" })
      .default(DEFAULT_NODE_INSTANCE_TYPES),
    minSize: positiveInt(450).default(DEFAULT_NODE_MIN_SIZE),
    desiredSize: positiveInt(450).default(DEFAULT_NODE_DESIRED_SIZE),
    maxSize: positiveInt(450).default(DEFAULT_NODE_MAX_SIZE),
    diskSizeGiB: positiveInt(16384)
      .min(20, { error: "must be at least 20 GiB (node image, container images and logs)" })
      .default(DEFAULT_NODE_DISK_SIZE_GIB),
    amiType: z
      .enum(["AL2023_x86_64_STANDARD", "AL2023_ARM_64_STANDARD", "BOTTLEROCKET_x86_64", "BOTTLEROCKET_ARM_64"], {
        error: "must be an EKS AMI type: AL2023_x86_64_STANDARD, AL2023_ARM_64_STANDARD, BOTTLEROCKET_x86_64 or BOTTLEROCKET_ARM_64",
      })
      .default(DEFAULT_NODE_AMI_TYPE),
  })
  .describe("The cluster's managed node group.");

export const ClusterSchema = z
  .strictObject({
    name: dnsLabel(MAX_CLUSTER_NAME_LENGTH).describe(
      "Unique cluster name; becomes the EKS cluster name, Istio's clusterName and part of every resource name.",
    ),
    region: z.string().describe("AWS region of the cluster, e.g. us-west-2."),
    vpcCidr: ipv4Cidr.describe("The cluster VPC's private range, /16 to /20, not overlapping any other cluster."),
    network: dnsLabel(MAX_LABEL_VALUE_LENGTH)
      .optional()
      .describe("Istio network name; unique per cluster. Default: <name>-network."),
    kubernetesVersion: kubernetesVersion.default(DEFAULT_KUBERNETES_VERSION),
    availabilityZones: positiveInt(MAX_AVAILABILITY_ZONES)
      .min(MIN_AVAILABILITY_ZONES, { error: `must be at least ${MIN_AVAILABILITY_ZONES} (EKS needs subnets in two zones)` })
      .default(DEFAULT_AVAILABILITY_ZONES),
    natGateways: z
      .enum(["perZone", "single"], { error: 'must be "perZone" (one per zone, survives a zone outage) or "single"' })
      .default(DEFAULT_NAT_GATEWAYS),
    nodes: NodesSchema.default(NodesSchema.parse({})),
    ingress: z
      .strictObject({
        certificateArn: acmCertificateArn
          .optional()
          .describe("ACM certificate for the ingress ALB; without it the ALB serves plain HTTP."),
      })
      .default({}),
    kubeContext: z
      .string()
      .min(1)
      .optional()
      .describe("kubeconfig context `npm run verify` uses for this cluster. Default: the cluster name."),
    helmValues: helmOverrides.default({}),
  })
  .describe("One EKS cluster, its VPC and its Istio network.");

export const MeshConfigSchema = z
  .strictObject({
    $schema: z.string().optional().describe("Path of the JSON Schema, for editors."),
    meshId: dnsLabel(MAX_LABEL_VALUE_LENGTH).describe("Istio meshID shared by every cluster."),
    clusters: z.array(ClusterSchema).min(1, { error: "must list at least one cluster" }),
    apiAllowedCidrs: z
      .array(ipv4Cidr)
      .min(1, {
        error:
          "must list at least one range (your office, VPN or CI egress) or nobody outside the VPCs can run cdktf deploy",
      })
      .describe("Who may reach the public EKS API endpoints and east-west gateways, besides the clusters' own NAT addresses."),
    admins: z.array(iamPrincipalArn).default([]).describe("IAM principals granted cluster-admin on every cluster."),
    istio: z
      .strictObject({
        version: z
          .string()
          .regex(new RegExp(`^${SUPPORTED_ISTIO_MINOR.replace(".", "\\.")}\\.\\d+$`), {
            error: `is not a supported Istio version: use ${SUPPORTED_ISTIO_MINOR}.x, for example "${DEFAULT_ISTIO_VERSION}"`,
          })
          .default(DEFAULT_ISTIO_VERSION),
      })
      .default({ version: DEFAULT_ISTIO_VERSION }),
    certificateAuthority: z
      .strictObject({
        directory: z
          .string()
          .min(1)
          .default(DEFAULT_CA_DIRECTORY)
          .describe("Directory with root-cert.pem and one folder per cluster (npm run certs, or your own PKI)."),
      })
      .default({ directory: DEFAULT_CA_DIRECTORY }),
    state: z
      .strictObject({
        s3: z.strictObject({
          bucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, { error: "is not an S3 bucket name" }),
          region: z.string(),
          keyPrefix: z.string().default("istio-mesh").describe("Prefix of every stack's state key."),
        }),
      })
      .optional()
      .describe("Remote state. Without it, state stays in local files next to the project."),
    samples: z.boolean().default(true).describe("Deploy the helloworld and curl sample apps used by npm run verify."),
    helmValues: helmOverrides.default({}),
  })
  .describe("An Istio multi-primary, multi-network mesh across EKS clusters.");

export type MeshConfig = z.infer<typeof MeshConfigSchema>;
export type ClusterConfig = z.infer<typeof ClusterSchema>;
export type HelmReleaseKey = (typeof HELM_RELEASE_KEYS)[number];
export type HelmOverrides = Partial<Record<HelmReleaseKey, Record<string, unknown>>>;

import { z } from "zod";
import { AWS_COMMERCIAL_REGIONS, regionProblem } from "./aws-regions";
import { vpcCidrProblem } from "./cidr";
import { publicSourceCidrProblem } from "./rules/api-cidrs";
import { bucketNameProblem, keyPrefixProblem } from "./rules/s3-state";
import { iamPrincipalArnProblem } from "./rules/iam-arns";
import { caDirectoryProblem } from "./rules/ca-directory";
import { ISTIO_MINORS, ISTIO_VERSION_PATTERN, istioVersionProblem } from "./istio-versions";
import { MANAGED_ADDON_NAMES } from "./eks-versions";
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
  DEFAULT_TOKEN_ROTATION_DAYS,
  MAX_TOKEN_ROTATION_DAYS,
  MAX_AVAILABILITY_ZONES,
  MAX_CLUSTER_NAME_LENGTH,
  MAX_LABEL_VALUE_LENGTH,
  MIN_AVAILABILITY_ZONES,
  SUPPORTED_KUBERNETES_VERSIONS,
} from "./defaults";
import { revisionFields } from "./istio-revisions";

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

/** A string whose rule needs code: `problemOf` returns what is wrong and how to fix it, or undefined. */
const checkedString = (problemOf: (value: string) => string | undefined) =>
  z.string().superRefine((value, context) => {
    const problem = problemOf(value);
    if (problem) context.addIssue({ code: "custom", message: problem });
  });

/**
 * An AWS region of the commercial partition. An enum, so editors complete it from the JSON Schema;
 * the error explains partitions and typos.
 */
const awsRegion = z.enum([...AWS_COMMERCIAL_REGIONS] as [string, ...string[]], {
  error: (issue) =>
    typeof issue.input === "string" ? regionProblem(issue.input) : 'must be an AWS region name such as "us-west-2"',
});

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
  .enum(SUPPORTED_KUBERNETES_VERSIONS, {
    error: (issue) =>
      typeof issue.input === "number"
        ? `must be a quoted string such as "${DEFAULT_KUBERNETES_VERSION}" (unquoted, YAML reads 1.30 as the number 1.3)`
        : `is not a supported Kubernetes version: use one of ${SUPPORTED_KUBERNETES_VERSIONS.join(", ")}`,
  })
  .default(DEFAULT_KUBERNETES_VERSION)
  .describe("EKS Kubernetes version, quoted (unquoted, YAML reads 1.30 as the number 1.3).");

/** EKS access entries take IAM roles and users, never STS session (assumed-role) ARNs. */
const iamPrincipalArn = z
  .string()
  .refine((arn) => !/^arn:aws:sts::\d{12}:assumed-role\//.test(arn), {
    error:
      'is an STS session, which EKS access entries do not accept: name the role itself, like "arn:aws:iam::111122223333:role/platform-admins"',
    abort: true,
  })
  .regex(/^arn:aws:iam::\d{12}:(role|user)\/[\w+=,.@\-/]+$/, {
    error: 'is not an IAM role or user ARN like "arn:aws:iam::111122223333:role/platform-admins"',
  })
  .superRefine((arn, context) => {
    const problem = iamPrincipalArnProblem(arn);
    if (problem) context.addIssue({ code: "custom", message: problem });
  });

const acmCertificateArn = z.string().regex(/^arn:aws:acm:[a-z0-9-]+:\d{12}:certificate\/[0-9a-f-]{36}$/, {
  error: 'is not an ACM certificate ARN like "arn:aws:acm:us-west-2:111122223333:certificate/<uuid>"',
});

/** A whole number from `atLeast.value` (one message below it, not one per bound) to `max`. */
const wholeNumber = (max: number, atLeast = { value: 0, error: "must not be negative" }) =>
  z
    .number({
      error: (issue) =>
        typeof issue.input === "string" ? "must be a whole number: remove the quotes" : "must be a whole number",
    })
    .int({ error: "must be a whole number" })
    .min(atLeast.value, { error: atLeast.error })
    .max(max, { error: `must be at most ${max}` });

/** An Istio release of a supported minor (config/istio-versions.ts). */
const istioVersion = checkedString(istioVersionProblem).meta({ pattern: ISTIO_VERSION_PATTERN });

/** An EKS add-on build such as v1.19.5-eksbuild.1 (aws eks describe-addon-versions lists them). */
const addonVersion = z.string().regex(/^v\d+\.\d+\.\d+(-eksbuild\.\d+)?$/, {
  error:
    'is not an EKS add-on version like "v1.19.5-eksbuild.1": see aws eks describe-addon-versions --addon-name <name>',
});

const addonVersions = z
  .strictObject(
    Object.fromEntries(
      MANAGED_ADDON_NAMES.map((name) => [
        name,
        addonVersion.optional().describe(`The ${name} add-on version to hold.`),
      ]),
    ),
  )
  .default({})
  .describe(
    "EKS add-on versions to hold, by add-on name; an add-on not listed takes the most recent version for the cluster's Kubernetes version.",
  );

export const NodesSchema = z
  .strictObject({
    instanceTypes: z
      .array(
        z.string().regex(/^[a-z][a-z0-9-]*\.[a-z0-9]+$/, { error: 'is not an EC2 instance type like "m7i.large"' }),
      )
      .min(1, { error: "must list at least one instance type" })
      .default(DEFAULT_NODE_INSTANCE_TYPES)
      .describe("EC2 instance types of the node group, tried in order."),
    minSize: wholeNumber(450).default(DEFAULT_NODE_MIN_SIZE).describe("Fewest nodes; at most desiredSize."),
    desiredSize: wholeNumber(450).default(DEFAULT_NODE_DESIRED_SIZE).describe("Nodes to start with."),
    maxSize: wholeNumber(450, { value: 1, error: "must be at least 1: the mesh needs nodes" })
      .default(DEFAULT_NODE_MAX_SIZE)
      .describe("Most nodes; at least desiredSize."),
    diskSizeGiB: wholeNumber(16384, {
      value: 20,
      error: "must be at least 20 GiB (node image, container images and logs)",
    })
      .default(DEFAULT_NODE_DISK_SIZE_GIB)
      .describe(
        "Size in GiB of each node's encrypted gp3 volume for images and logs (the root volume; on Bottlerocket, the data volume).",
      ),
    amiType: z
      .enum(["AL2023_x86_64_STANDARD", "AL2023_ARM_64_STANDARD", "BOTTLEROCKET_x86_64", "BOTTLEROCKET_ARM_64"], {
        error:
          "must be an EKS AMI type: AL2023_x86_64_STANDARD, AL2023_ARM_64_STANDARD, BOTTLEROCKET_x86_64 or BOTTLEROCKET_ARM_64",
      })
      .default(DEFAULT_NODE_AMI_TYPE)
      .describe("EKS AMI type of the nodes; must match the instance types' architecture."),
  })
  .describe("The cluster's managed node group.");

export const ClusterSchema = z
  .strictObject({
    name: dnsLabel(MAX_CLUSTER_NAME_LENGTH).describe(
      "Unique cluster name; becomes the EKS cluster name, Istio's clusterName and part of every resource name.",
    ),
    region: awsRegion.describe("AWS region of the cluster (commercial partition), e.g. us-west-2."),
    vpcCidr: checkedString(vpcCidrProblem).describe(
      "The cluster VPC's private IPv4 range, /16 to /20, not overlapping any other cluster's.",
    ),
    network: dnsLabel(MAX_LABEL_VALUE_LENGTH)
      .optional()
      .describe("Istio network name; unique per cluster. Default: <name>-network."),
    kubernetesVersion,
    availabilityZones: wholeNumber(MAX_AVAILABILITY_ZONES, {
      value: MIN_AVAILABILITY_ZONES,
      error: `must be at least ${MIN_AVAILABILITY_ZONES} (EKS needs subnets in two zones)`,
    })
      .default(DEFAULT_AVAILABILITY_ZONES)
      .describe("Availability zones to spread subnets and nodes over."),
    natGateways: z
      .enum(["perZone", "single"], { error: 'must be "perZone" (one per zone, survives a zone outage) or "single"' })
      .default(DEFAULT_NAT_GATEWAYS)
      .describe("One NAT gateway per zone, or a single one (cheaper, but egress fails with its zone)."),
    nodes: NodesSchema.default(NodesSchema.parse({})),
    ingress: z
      .strictObject({
        certificateArn: acmCertificateArn
          .optional()
          .describe("ACM certificate for the ingress ALB; without it the ALB serves plain HTTP."),
        plainHttp: z
          .boolean()
          .default(false)
          .describe("true: plain HTTP without certificateArn is intended, and synth stops warning about it."),
      })
      .refine((ingress) => !(ingress.plainHttp && ingress.certificateArn), {
        path: ["plainHttp"],
        error: "contradicts certificateArn: remove plainHttp (with the certificate the ALB serves HTTPS)",
      })
      .default({ plainHttp: false })
      .describe("The ingress ALB in front of the Istio ingress gateway."),
    kubeContext: z
      .string()
      .min(1, { error: "must not be empty: name a kubeconfig context, or remove the line to use the cluster name" })
      .refine((context) => context === "" || context.trim() !== "", {
        error: "is only spaces: name a kubeconfig context, or remove the line to use the cluster name",
      })
      // eslint-disable-next-line no-control-regex
      .refine((context) => !/[\u0000-\u001f\u007f]/.test(context), {
        error:
          "holds a line break or another control character: write the context name as kubectl config get-contexts shows it",
      })
      .optional()
      .describe("kubeconfig context `npm run verify` uses for this cluster. Default: the cluster name."),
    helmValues: helmOverrides
      .default({})
      .describe("This cluster's Helm value overrides, merged over the mesh-wide helmValues."),
    addonVersions: addonVersions,
    retire: z
      .boolean()
      .default(false)
      .describe(
        "The cluster is leaving the mesh: the other clusters drop its remote secrets and NAT addresses, so its stacks can be destroyed alone (README: Retiring a cluster).",
      ),
  })
  .describe("One EKS cluster, its VPC and its Istio network.");

export const MeshConfigSchema = z
  .strictObject({
    $schema: z.string().optional().describe("Path of the JSON Schema, for editors."),
    meshId: dnsLabel(MAX_LABEL_VALUE_LENGTH).describe("Istio meshID shared by every cluster."),
    clusters: z
      .array(ClusterSchema)
      .min(1, { error: "must list at least one cluster: see examples/two-clusters.yaml" })
      .describe("The clusters of the mesh; each gets its own VPC, EKS cluster and Istio network."),
    apiAllowedCidrs: z
      .array(checkedString(publicSourceCidrProblem).describe("A public IPv4 CIDR block such as 203.0.113.0/24."))
      .min(1, {
        error:
          "must list at least one range (your office, VPN or CI egress) or nobody outside the VPCs can run cdktf deploy",
      })
      .describe(
        "Who may reach the public EKS API endpoints and east-west gateways, besides the clusters' own NAT addresses.",
      ),
    admins: z.array(iamPrincipalArn).default([]).describe("IAM principals granted cluster-admin on every cluster."),
    istio: z
      .strictObject({
        version: istioVersion
          .default(DEFAULT_ISTIO_VERSION)
          .describe(
            `Istio release to install: ${ISTIO_MINORS.map((minor) => `${minor}.x`).join(" or ")}; a patch newer than this program knows warns.`,
          ),
        ...revisionFields(istioVersion),
      })
      .default({ version: DEFAULT_ISTIO_VERSION })
      .describe("The Istio installation."),
    certificateAuthority: z
      .strictObject({
        directory: z
          .string()
          .min(1, { error: `must not be empty: remove the line to use "${DEFAULT_CA_DIRECTORY}"` })
          .refine((directory) => !directory.startsWith("/") && !/^[A-Za-z]:[\\/]/.test(directory), {
            error:
              "is an absolute path, which would tie cdktf.out to this machine: give it relative to the project, e.g. ../pki/istio",
          })
          .superRefine((directory, context) => {
            const problem = directory ? caDirectoryProblem(directory) : undefined;
            if (problem) context.addIssue({ code: "custom", message: problem });
          })
          .default(DEFAULT_CA_DIRECTORY)
          .describe("Directory with root-cert.pem and one folder per cluster (npm run certs, or your own PKI)."),
      })
      .default({ directory: DEFAULT_CA_DIRECTORY })
      .describe("The mesh's shared root CA and its per-cluster intermediates."),
    state: z
      .strictObject({
        s3: z
          .strictObject({
            bucket: checkedString(bucketNameProblem).describe(
              "Existing S3 bucket for the Terraform state; turn on versioning.",
            ),
            region: awsRegion.describe("Region of the state bucket."),
            keyPrefix: checkedString(keyPrefixProblem)
              .default("istio-mesh")
              .describe("Prefix of every stack's state key."),
          })
          .describe("S3 backend with native locking (use_lockfile) and encryption."),
      })
      .optional()
      .describe("Remote state. Without it, state stays in local files next to the project."),
    remoteSecrets: z
      .strictObject({
        tokenRotationDays: wholeNumber(MAX_TOKEN_ROTATION_DAYS)
          .default(DEFAULT_TOKEN_ROTATION_DAYS)
          .describe(
            "Days between two new reader tokens in the remote secrets; each token stays valid for two periods. 0 turns rotation off.",
          ),
      })
      .default({ tokenRotationDays: DEFAULT_TOKEN_ROTATION_DAYS })
      .describe("The remote secrets through which each istiod reads the other clusters."),
    samples: z.boolean().default(true).describe("Deploy the helloworld and curl sample apps used by npm run verify."),
    helmValues: helmOverrides.default({}),
  })
  .describe("An Istio multi-primary, multi-network mesh across EKS clusters.");

export type MeshConfig = z.infer<typeof MeshConfigSchema>;
export type ClusterConfig = z.infer<typeof ClusterSchema>;
export type HelmReleaseKey = (typeof HELM_RELEASE_KEYS)[number];
export type HelmOverrides = Partial<Record<HelmReleaseKey, Record<string, unknown>>>;

import { Construct } from "constructs";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { DataAwsCloudwatchLogGroups } from "@cdktf/provider-aws/lib/data-aws-cloudwatch-log-groups";
import { EksAccessEntry } from "@cdktf/provider-aws/lib/eks-access-entry";
import { EksAccessPolicyAssociation } from "@cdktf/provider-aws/lib/eks-access-policy-association";
import { EksCluster as EksClusterResource } from "@cdktf/provider-aws/lib/eks-cluster";
import { KmsAlias } from "@cdktf/provider-aws/lib/kms-alias";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { importIfPresent } from "./import-if-present";
import { ServiceRole, managedPolicyArn } from "./service-role";
import { adminEntryId, legacyAdminEntryId } from "./admin-ids";
import { versionStepPrecondition } from "./version-step-guard";
import { BOOTSTRAP_ADMIN_FIELD, DeployerAccess } from "./deployer-access";

/** Control-plane logs kept: all five kinds, since audit and authenticator logs are what a security review asks for. */
export const CONTROL_PLANE_LOG_TYPES = ["api", "audit", "authenticator", "controllerManager", "scheduler"];
/** How long control-plane logs are kept. */
export const DEFAULT_LOG_RETENTION_DAYS = 90;
/** Waiting period before a deleted secrets key is gone for good. */
export const KMS_DELETION_WINDOW_DAYS = 30;
/** The log group EKS writes control-plane logs to; its name is fixed by EKS. */
export function controlPlaneLogGroupName(clusterName: string): string {
  return `/aws/eks/${clusterName}/cluster`;
}
export const CLUSTER_ADMIN_POLICY_ARN = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy";

export interface EksClusterProps {
  readonly clusterName: string;
  readonly kubernetesVersion: string;
  /** Subnets for the control plane's network interfaces (the private ones). */
  readonly subnetIds: string[];
  /** The only sources allowed to reach the public API endpoint. */
  readonly publicAccessCidrs: string[];
  /**
   * IAM principals that get the cluster-admin access policy.
   * @default []
   */
  readonly adminPrincipalArns?: readonly string[];
  /**
   * Days to keep control-plane logs.
   * @default DEFAULT_LOG_RETENTION_DAYS
   */
  readonly logRetentionDays?: number;
}

/**
 * An EKS control plane as a security review expects it: secrets encrypted with a customer key
 * that rotates, all control-plane logs, access entries only (no aws-auth ConfigMap), and a public
 * endpoint open only to the listed ranges.
 */
export class EksCluster extends Construct {
  public readonly name: string;
  /** The Kubernetes version the control plane runs: a reference, so what reads it follows an upgrade. */
  public readonly version: string;
  public readonly endpoint: string;
  public readonly certificateAuthorityData: string;
  /** Security group EKS creates for the control plane and attaches to managed nodes. */
  public readonly clusterSecurityGroupId: string;
  public readonly resource: EksClusterResource;

  constructor(scope: Construct, id: string, props: EksClusterProps) {
    super(scope, id);
    const secretsKey = new KmsKey(this, "secrets-key", {
      description: `Envelope encryption of Kubernetes secrets in EKS cluster ${props.clusterName}`,
      enableKeyRotation: true,
      deletionWindowInDays: KMS_DELETION_WINDOW_DAYS,
    });
    new KmsAlias(this, "secrets-key-alias", { name: `alias/eks/${props.clusterName}`, targetKeyId: secretsKey.keyId });

    // Created here so its retention is ours; EKS would otherwise create it with no expiry.
    const logGroupName = controlPlaneLogGroupName(props.clusterName);
    const logGroup = new CloudwatchLogGroup(this, "control-plane-logs", {
      name: logGroupName,
      retentionInDays: props.logRetentionDays ?? DEFAULT_LOG_RETENTION_DAYS,
    });
    // A cluster still writes logs while it is being deleted, and EKS then creates the group again
    // after Terraform deleted it. A later deploy with the same name adopts that group instead of
    // failing to create it (ResourceAlreadyExistsException).
    const existingLogGroups = new DataAwsCloudwatchLogGroups(this, "existing-control-plane-logs", {
      logGroupNamePrefix: logGroupName,
    });
    importIfPresent(logGroup, logGroupName, existingLogGroups.logGroupNames);

    const role = new ServiceRole(this, "cluster-role", {
      roleName: `${props.clusterName}-eks-cluster`,
      servicePrincipal: "eks.amazonaws.com",
      extraTrustActions: ["sts:TagSession"],
      managedPolicyArns: [managedPolicyArn("AmazonEKSClusterPolicy")],
    });

    this.resource = new EksClusterResource(this, "cluster", {
      name: props.clusterName,
      version: props.kubernetesVersion,
      roleArn: role.arn,
      vpcConfig: {
        subnetIds: props.subnetIds,
        endpointPrivateAccess: true,
        endpointPublicAccess: true,
        publicAccessCidrs: props.publicAccessCidrs,
      },
      // The deployer's admin access is an entry Terraform manages (DeployerAccess).
      accessConfig: { authenticationMode: "API", bootstrapClusterCreatorAdminPermissions: false },
      encryptionConfig: { resources: ["secrets"], provider: { keyArn: secretsKey.arn } },
      enabledClusterLogTypes: CONTROL_PLANE_LOG_TYPES,
      dependsOn: [logGroup, ...role.attachments],
      lifecycle: {
        precondition: [versionStepPrecondition(this, props.clusterName, props.kubernetesVersion)],
        // Existing clusters were created with the bootstrap entry; changing the flag would replace them.
        ignoreChanges: [BOOTSTRAP_ADMIN_FIELD],
      },
    });

    const admins = props.adminPrincipalArns ?? [];
    new DeployerAccess(this, "deployer", {
      cluster: this.resource,
      adminPrincipalArns: admins,
      policyArn: CLUSTER_ADMIN_POLICY_ARN,
    });
    const legacyIds = admins.map(legacyAdminEntryId);
    for (const principalArn of admins) {
      const legacyId = legacyAdminEntryId(principalArn);
      this.grantClusterAdmin(principalArn, legacyIds.filter((other) => other === legacyId).length > 1);
    }

    this.name = this.resource.name;
    this.version = this.resource.version;
    this.endpoint = this.resource.endpoint;
    this.certificateAuthorityData = this.resource.certificateAuthority.get(0).data;
    this.clusterSecurityGroupId = this.resource.vpcConfig.clusterSecurityGroupId;
  }

  private grantClusterAdmin(principalArn: string, legacyIdTaken: boolean): void {
    const id = adminEntryId(principalArn);
    const entry = new EksAccessEntry(this, id, { clusterName: this.resource.name, principalArn, type: "STANDARD" });
    const policy = new EksAccessPolicyAssociation(this, `${id}-policy`, {
      clusterName: this.resource.name,
      principalArn: entry.principalArn,
      policyArn: CLUSTER_ADMIN_POLICY_ARN,
      accessScope: { type: "cluster" },
    });
    // An ARN whose old id collided with another's never synthesized, so it has no state to move.
    const legacyId = legacyAdminEntryId(principalArn);
    if (legacyId === id || legacyIdTaken) return;
    entry.addMoveTarget(`${id}-entry`);
    policy.addMoveTarget(`${id}-policy`);
    new EksAccessEntry(this, legacyId, { clusterName: this.resource.name, principalArn, type: "STANDARD" }).moveTo(
      `${id}-entry`,
    );
    new EksAccessPolicyAssociation(this, `${legacyId}-policy`, {
      clusterName: this.resource.name,
      principalArn,
      policyArn: CLUSTER_ADMIN_POLICY_ARN,
      accessScope: { type: "cluster" },
    }).moveTo(`${id}-policy`);
  }
}

import { Construct } from "constructs";
import { Fn, Op, Token, ref } from "cdktf";
import { DataAwsCallerIdentity } from "@cdktf/provider-aws/lib/data-aws-caller-identity";
import { DataAwsIamSessionContext } from "@cdktf/provider-aws/lib/data-aws-iam-session-context";
import { EksAccessEntry } from "@cdktf/provider-aws/lib/eks-access-entry";
import { EksAccessPolicyAssociation } from "@cdktf/provider-aws/lib/eks-access-policy-association";
import type { EksCluster as EksClusterResource } from "@cdktf/provider-aws/lib/eks-cluster";

/** The access_config field EKS reads only when it creates a cluster; the AWS provider replaces the cluster when it changes. */
export const BOOTSTRAP_ADMIN_FIELD = "access_config[0].bootstrap_cluster_creator_admin_permissions";

export interface DeployerAccessProps {
  readonly cluster: EksClusterResource;
  /** The principals `admins` grants cluster-admin; the deployer needs no second entry when it is one of them. */
  readonly adminPrincipalArns: readonly string[];
  readonly policyArn: string;
}

/**
 * Cluster-admin for whoever deploys, as an access entry Terraform manages, instead of EKS's
 * bootstrap entry for the creator. The bootstrap entry is invisible to Terraform, so listing the
 * creator's role in `admins` made EKS reject that entry as a duplicate (ResourceInUseException).
 * Now the deployer (an assumed-role session counts as its role, as Terraform sees it at plan time)
 * gets an entry unless `admins` already lists it.
 *
 * Clusters created before keep their bootstrap entry: EKS reads the flag only at creation, and the
 * provider would replace the cluster to change it, so the cluster ignores the field, and the entry
 * is made only where the cluster's own (state) value says bootstrap is off.
 */
export class DeployerAccess extends Construct {
  public readonly entry: EksAccessEntry;

  constructor(scope: Construct, id: string, props: DeployerAccessProps) {
    super(scope, id);
    const caller = new DataAwsCallerIdentity(this, "caller");
    const session = new DataAwsIamSessionContext(this, "session", { arn: caller.arn });
    // The cluster's value as Terraform plans it: the state's for an existing cluster (the field is
    // ignored there), false for a new one.
    const bootstrapped = ref(
      `${props.cluster.terraformResourceType}.${props.cluster.friendlyUniqueId}.${BOOTSTRAP_ADMIN_FIELD}`,
    );
    const needed = Fn.conditional(
      Op.or(bootstrapped, Fn.contains([...props.adminPrincipalArns], session.issuerArn)),
      0,
      1,
    );
    this.entry = new EksAccessEntry(this, "entry", {
      clusterName: props.cluster.name,
      principalArn: session.issuerArn,
      type: "STANDARD",
      count: Token.asNumber(needed),
    });
    new EksAccessPolicyAssociation(this, "policy", {
      clusterName: props.cluster.name,
      principalArn: session.issuerArn,
      policyArn: props.policyArn,
      accessScope: { type: "cluster" },
      count: Token.asNumber(needed),
      dependsOn: [this.entry],
    });
  }
}

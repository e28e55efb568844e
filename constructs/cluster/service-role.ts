import { Construct } from "constructs";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";

export interface ServiceRoleProps {
  /** Role name; must be unique in the account (IAM is global), so it carries the cluster name. */
  readonly roleName: string;
  /** AWS service that assumes the role, e.g. "eks.amazonaws.com". */
  readonly servicePrincipal: string;
  /**
   * Extra actions the service needs besides sts:AssumeRole (EKS and Pod Identity want sts:TagSession).
   * @default []
   */
  readonly extraTrustActions?: readonly string[];
  /** Managed policy ARNs attached to the role. */
  readonly managedPolicyArns: readonly string[];
  /**
   * Policies this project owns, attached to the role (e.g. the LB controller's), keyed by a
   * stable id that becomes part of the attachment's Terraform address.
   * @default {}
   */
  readonly customerPolicyArns?: Readonly<Record<string, string>>;
}

const MANAGED_POLICY_PREFIX = "arn:aws:iam::aws:policy/";

/** An IAM role one AWS service assumes, with its policies attached one by one (never exclusively). */
export class ServiceRole extends Construct {
  public readonly arn: string;
  public readonly name: string;
  /** The attachments, for resources that must wait until the role can do its job. */
  public readonly attachments: IamRolePolicyAttachment[];

  constructor(scope: Construct, id: string, props: ServiceRoleProps) {
    super(scope, id);
    const role = new IamRole(this, "role", {
      name: props.roleName,
      assumeRolePolicy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          {
            Effect: "Allow",
            Principal: { Service: props.servicePrincipal },
            Action: ["sts:AssumeRole", ...(props.extraTrustActions ?? [])],
          },
        ],
      }),
    });
    const attach = (policyArn: string, attachmentId: string) =>
      new IamRolePolicyAttachment(this, attachmentId, { role: role.name, policyArn });
    this.attachments = [
      ...props.managedPolicyArns.map((arn) => attach(arn, arn.replace(MANAGED_POLICY_PREFIX, "").replace(/\//g, "-"))),
      ...Object.entries(props.customerPolicyArns ?? {}).map(([policyId, arn]) => attach(arn, policyId)),
    ];
    this.arn = role.arn;
    this.name = role.name;
  }
}

export function managedPolicyArn(name: string): string {
  return `${MANAGED_POLICY_PREFIX}${name}`;
}

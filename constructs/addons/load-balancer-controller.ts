import { Construct } from "constructs";
import { DataAwsCallerIdentity } from "@cdktf/provider-aws/lib/data-aws-caller-identity";
import { EksPodIdentityAssociation } from "@cdktf/provider-aws/lib/eks-pod-identity-association";
import { IamPolicy } from "@cdktf/provider-aws/lib/iam-policy";
import type { ITerraformDependable } from "cdktf";
import { ServiceRole } from "../cluster/service-role";
import { ChartRelease, ChartSource, HelmValues } from "./chart-release";
/**
 * The controller's IAM policy for the commercial AWS partition, a verbatim copy of
 * docs/install/iam_policy.json at tag v3.5.0 of github.com/kubernetes-sigs/aws-load-balancer-controller
 * (Apache-2.0, git blob 761d0e73). Kept in the project so synth never fetches it; update it
 * together with LOAD_BALANCER_CONTROLLER_CHART.
 */
import controllerPolicy from "./aws-load-balancer-controller-iam-policy.json";
import { KUBE_SYSTEM_NAMESPACE } from "../names";

export const LOAD_BALANCER_CONTROLLER_RELEASE = "aws-load-balancer-controller";
export const LOAD_BALANCER_CONTROLLER_CHART: ChartSource = {
  chart: "aws-load-balancer-controller",
  repository: "https://aws.github.io/eks-charts",
  version: "3.5.0",
};
/** The controller's Kubernetes service account, which the Pod Identity association names. */
export const LOAD_BALANCER_CONTROLLER_SERVICE_ACCOUNT = "aws-load-balancer-controller";
const POD_IDENTITY_PRINCIPAL = "pods.eks.amazonaws.com";
/** The published policy lets the controller open any security group in the account to ingress. */
const UNSCOPED_INGRESS_ACTIONS = ["ec2:AuthorizeSecurityGroupIngress", "ec2:RevokeSecurityGroupIngress"];

interface PolicyStatement {
  readonly Effect: string;
  readonly Action: string | string[];
  readonly Resource: string | string[];
  /**
   * When the statement applies.
   * @default none: always
   */
  readonly Condition?: Record<string, Record<string, string>>;
}

/**
 * The published policy with its one unconditioned security-group ingress statement limited to the
 * cluster's VPC, as the controller's installation guide suggests; every other statement as published.
 */
export function scopedControllerPolicy(vpcArn: string): { Version: string; Statement: PolicyStatement[] } {
  const statements = controllerPolicy.Statement as PolicyStatement[];
  return {
    Version: controllerPolicy.Version,
    Statement: statements.map((statement) => {
      const actions = [statement.Action].flat();
      const unscopedIngress =
        !statement.Condition &&
        actions.length === UNSCOPED_INGRESS_ACTIONS.length &&
        UNSCOPED_INGRESS_ACTIONS.every((action) => actions.includes(action));
      return unscopedIngress ? { ...statement, Condition: { ArnEquals: { "ec2:Vpc": vpcArn } } } : statement;
    }),
  };
}

/** The aws-load-balancer-controller chart values this program sets. */
export interface LoadBalancerControllerValues {
  /** Required by the chart; subnet and security group discovery go by the cluster's tags. */
  readonly clusterName: string;
  /** Set because the controller cannot ask IMDS: nodes allow one hop, and a pod is the second. */
  readonly region: string;
  /** Set for the same reason as region. */
  readonly vpcId: string;
  readonly serviceAccount: {
    readonly create: true;
    /** Named explicitly: the Pod Identity association refers to it by name. */
    readonly name: string;
  };
}

export interface LoadBalancerControllerProps {
  readonly clusterName: string;
  readonly region: string;
  readonly vpcId: string;
  /**
   * The user's values for the chart, merged last.
   * @default {}
   */
  readonly overrides?: HelmValues;
}

/**
 * The AWS Load Balancer Controller: turns the ingress Ingress into an ALB and the east-west
 * gateway Service into an NLB. Its AWS credentials come from EKS Pod Identity.
 *
 * Its mutating webhook rejects every new Service until the controller is ready, and only the
 * controller can delete the load balancers it made: every release that creates a Service or an
 * Ingress must depend on `release`, so it installs after the controller and uninstalls before it.
 */
export class LoadBalancerController extends Construct {
  public readonly release: ChartRelease;
  /**
   * What a release whose Service or Ingress becomes a load balancer depends on: the controller,
   * which Terraform therefore uninstalls only after that release. The controller puts a finalizer
   * on each such Service and Ingress and removes it only once it has deleted the load balancer,
   * its target groups and security groups; Helm's uninstall (the provider's default `wait`) waits
   * until every object of the release is gone. So the release's destroy ends after its load
   * balancer is deleted, while the controller still runs. Were the controller gone first, the
   * objects would hang in Terminating and the load balancers would leak, keeping the VPC alive.
   */
  public readonly loadBalancerOwnerDependencies: ITerraformDependable[];

  constructor(scope: Construct, id: string, props: LoadBalancerControllerProps) {
    super(scope, id);
    const account = new DataAwsCallerIdentity(this, "account");
    const vpcArn = `arn:aws:ec2:${props.region}:${account.accountId}:vpc/${props.vpcId}`;
    const policy = new IamPolicy(this, "policy", {
      name: `${props.clusterName}-aws-load-balancer-controller`,
      description: `AWS Load Balancer Controller of EKS cluster ${props.clusterName} (upstream policy v3.5.0, scoped to its VPC)`,
      policy: JSON.stringify(scopedControllerPolicy(vpcArn)),
    });
    const role = new ServiceRole(this, "role", {
      roleName: `${props.clusterName}-aws-load-balancer-controller`,
      servicePrincipal: POD_IDENTITY_PRINCIPAL,
      extraTrustActions: ["sts:TagSession"],
      managedPolicyArns: [],
      customerPolicyArns: { "controller-policy": policy.arn },
    });
    const association = new EksPodIdentityAssociation(this, "pod-identity", {
      clusterName: props.clusterName,
      namespace: KUBE_SYSTEM_NAMESPACE,
      serviceAccount: LOAD_BALANCER_CONTROLLER_SERVICE_ACCOUNT,
      roleArn: role.arn,
    });

    const values: LoadBalancerControllerValues = {
      clusterName: props.clusterName,
      region: props.region,
      vpcId: props.vpcId,
      serviceAccount: { create: true, name: LOAD_BALANCER_CONTROLLER_SERVICE_ACCOUNT },
    };
    this.release = new ChartRelease(this, "release", {
      releaseName: LOAD_BALANCER_CONTROLLER_RELEASE,
      namespace: KUBE_SYSTEM_NAMESPACE,
      source: LOAD_BALANCER_CONTROLLER_CHART,
      values,
      overrides: props.overrides,
      // Pod Identity hands credentials only to pods created after the association exists.
      dependsOn: [association, ...role.attachments],
    });
    this.loadBalancerOwnerDependencies = [this.release];
  }
}

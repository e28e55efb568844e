import { Construct } from "constructs";
import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";
import { ISTIOD_WEBHOOK_PORT } from "../names";

/**
 * Ports the control plane must reach on pods for admission webhooks and metrics. Without them a
 * webhook times out and, failing closed, blocks every Service (LB controller) or every pod
 * (istiod's sidecar injector) in the cluster.
 */
export const CONTROL_PLANE_TO_POD_PORTS = {
  "lb-controller-webhook": 9443,
  "istiod-webhook": ISTIOD_WEBHOOK_PORT,
  "kubelet-and-metrics-server": 10250,
} as const;

export interface WebhookAccessProps {
  /** The EKS-created cluster security group, shared by the control plane's interfaces and the managed nodes. */
  readonly clusterSecurityGroupId: string;
}

/**
 * Explicit rules for what the webhooks need. EKS's cluster security group admits all traffic from
 * itself today; these rules keep the mesh working if that default is ever tightened, and let a
 * security review see each port that matters and why.
 */
export class WebhookAccess extends Construct {
  constructor(scope: Construct, id: string, props: WebhookAccessProps) {
    super(scope, id);
    for (const [purpose, port] of Object.entries(CONTROL_PLANE_TO_POD_PORTS)) {
      new VpcSecurityGroupIngressRule(this, purpose, {
        securityGroupId: props.clusterSecurityGroupId,
        referencedSecurityGroupId: props.clusterSecurityGroupId,
        ipProtocol: "tcp",
        fromPort: port,
        toPort: port,
        description: `Control plane to ${purpose.replace(/-/g, " ")}`,
      });
    }
  }
}

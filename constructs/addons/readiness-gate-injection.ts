import { Construct } from "constructs";
import type { ITerraformDependable } from "cdktf";
import { Labels } from "@cdktf/provider-kubernetes/lib/labels";

/**
 * The namespace label that makes the load balancer controller's pod webhook add its target-health
 * readiness gate to new pods: a pod counts as ready only once its load balancer target is healthy.
 * Without it, a rolling update of a gateway with few replicas can leave the target group with only
 * targets that are still registering or already draining, which the controller's docs
 * (docs/deploy/pod_readiness_gate.md) call an outage.
 */
export const READINESS_GATE_INJECT_LABEL = "elbv2.k8s.aws/pod-readiness-gate-inject";

export interface ReadinessGateInjectionProps {
  /** The namespaces of pods behind the controller's load balancers (both gateways'). */
  readonly namespaces: readonly string[];
  /**
   * The controller release (whose webhook injects the gates) and the namespaces: the label goes on
   * only once both exist, and comes off before the controller on destroy.
   */
  readonly dependsOn: ITerraformDependable[];
}

/**
 * The label as resources of its own rather than in the namespaces' metadata, so it is applied after
 * the controller's webhook exists: the webhook sees only pods created after both.
 */
export class ReadinessGateInjection extends Construct {
  /** The label of each namespace, by name: what a gateway release there depends on, so its pods get the gate. */
  public readonly labels: Readonly<Record<string, Labels>>;

  constructor(scope: Construct, id: string, props: ReadinessGateInjectionProps) {
    super(scope, id);
    this.labels = Object.fromEntries(
      props.namespaces.map((namespace) => [
        namespace,
        new Labels(this, namespace, {
          apiVersion: "v1",
          kind: "Namespace",
          metadata: { name: namespace },
          labels: { [READINESS_GATE_INJECT_LABEL]: "enabled" },
          dependsOn: props.dependsOn,
        }),
      ]),
    );
  }
}

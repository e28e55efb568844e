import { Construct } from "constructs";
import { NamespaceV1 } from "@cdktf/provider-kubernetes/lib/namespace-v1";
import { READINESS_GATE_INJECT_LABEL } from "../addons/readiness-gate-injection";
import {
  INJECTION_LABEL,
  ISTIO_INGRESS_NAMESPACE,
  ISTIO_SYSTEM_NAMESPACE,
  NETWORK_LABEL,
  REVISION_LABEL,
  SAMPLE_NAMESPACE,
} from "../names";

/**
 * The gateways' namespaces get the readiness-gate label from a resource of its own, applied after
 * the load balancer controller (ReadinessGateInjection): the namespace resource must not remove it.
 */
const GATEWAY_NAMESPACE_LIFECYCLE = {
  ignoreChanges: [`metadata[0].labels["${READINESS_GATE_INJECT_LABEL}"]`],
};

export interface MeshNamespacesProps {
  /** Istio network of the cluster. */
  readonly network: string;
  /**
   * Whether to create the sample apps' namespace.
   * @default false
   */
  readonly samples?: boolean;
  /**
   * With revisions, the tags the namespaces follow (label istio.io/rev=<tag>): the gateway's for
   * istio-ingress, the sample tag for sample.
   * @default none: both labelled istio-injection=enabled (the default revision)
   */
  readonly revisionTags?: { readonly gateway: string; readonly sample: string };
}

/** The label that turns on injection: the default revision's, or a tag's. */
function injectionLabels(tag?: string): Record<string, string> {
  return tag === undefined ? { [INJECTION_LABEL]: "enabled" } : { [REVISION_LABEL]: tag };
}

/**
 * The namespaces the mesh releases go into, as Terraform resources so their labels are managed
 * and every release can depend on them (Helm's createNamespace leaves the namespace unlabelled
 * and unowned).
 */
export class MeshNamespaces extends Construct {
  public readonly istioSystem: NamespaceV1;
  public readonly istioIngress: NamespaceV1;
  /** Undefined without samples. */
  public readonly sample?: NamespaceV1;

  constructor(scope: Construct, id: string, props: MeshNamespacesProps) {
    super(scope, id);
    // istiod reads the network of its own namespace to place its cluster's endpoints on that network.
    this.istioSystem = new NamespaceV1(this, ISTIO_SYSTEM_NAMESPACE, {
      metadata: { name: ISTIO_SYSTEM_NAMESPACE, labels: { [NETWORK_LABEL]: props.network } },
      lifecycle: GATEWAY_NAMESPACE_LIFECYCLE,
    });
    // The ingress gateway pods get their proxy through injection, which this label turns on.
    this.istioIngress = new NamespaceV1(this, ISTIO_INGRESS_NAMESPACE, {
      metadata: { name: ISTIO_INGRESS_NAMESPACE, labels: injectionLabels(props.revisionTags?.gateway) },
      lifecycle: GATEWAY_NAMESPACE_LIFECYCLE,
    });
    // The samples are only useful inside the mesh: their pods need a sidecar.
    if (props.samples) {
      this.sample = new NamespaceV1(this, SAMPLE_NAMESPACE, {
        metadata: { name: SAMPLE_NAMESPACE, labels: injectionLabels(props.revisionTags?.sample) },
      });
    }
  }
}

import { Construct } from "constructs";
import type { ITerraformDependable } from "cdktf";
import { ChartRelease, HelmValues } from "../addons/chart-release";
import { GatewayRevision, GatewayValues, gatewayCommonValues, istioChart } from "./istio-charts";
import { ISTIO_INGRESS_NAMESPACE } from "../names";

export const INGRESS_GATEWAY_RELEASE = "istio-ingressgateway";
/** Value of the gateway pods' `istio` label: what ingress Gateway resources and the server-header EnvoyFilter select. */
export const INGRESS_GATEWAY_SELECTOR = "ingressgateway";
/** The Service port (and pod port) the ALB forwards HTTP to; the chart's default `http2` port. */
export const INGRESS_GATEWAY_HTTP_PORT = 80;

export interface IngressGatewayProps {
  /** Istio release, which is also the gateway chart's version. */
  readonly istioVersion: string;
  /**
   * The revision tag the gateway follows, and the revision it points at.
   * @default none: the default revision injects the gateway
   */
  readonly revision?: GatewayRevision;
  /**
   * The user's values for the chart, merged last.
   * @default {}
   */
  readonly overrides?: HelmValues;
  /**
   * istiod (its injector gives the gateway pods their proxy), the load balancer controller, the namespace.
   * @default []
   */
  readonly dependsOn?: ITerraformDependable[];
}

/**
 * The north-south gateway. The internet reaches it only through the ALB that the mesh chart's
 * Ingress creates, which sends traffic straight to the pods, so its Service stays ClusterIP: a
 * LoadBalancer Service would make the controller build a second, unused load balancer.
 */
export class IngressGateway extends Construct {
  public readonly release: ChartRelease;

  constructor(scope: Construct, id: string, props: IngressGatewayProps) {
    super(scope, id);
    const values: GatewayValues = {
      ...gatewayCommonValues(INGRESS_GATEWAY_SELECTOR, props.revision),
      service: { type: "ClusterIP" },
    };
    this.release = new ChartRelease(this, "release", {
      releaseName: INGRESS_GATEWAY_RELEASE,
      namespace: ISTIO_INGRESS_NAMESPACE,
      source: istioChart("gateway", props.istioVersion),
      values,
      overrides: props.overrides,
      dependsOn: props.dependsOn,
    });
  }
}

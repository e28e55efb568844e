import { Construct } from "constructs";
import { Fn, ITerraformDependable, Op } from "cdktf";
import { ChartRelease, HelmValues } from "../addons/chart-release";
import { GATEWAY_READY_PATH, GatewayRevision, GatewayValues, gatewayCommonValues, istioChart } from "./istio-charts";
import {
  EAST_WEST_GATEWAY_PORTS,
  EAST_WEST_GATEWAY_RELEASE,
  GATEWAY_STATUS_PORT,
  ISTIO_SYSTEM_NAMESPACE,
} from "../names";

/** Value of the gateway pods' `istio` label: what the cross-network Gateway selects. */
export const EAST_WEST_GATEWAY_SELECTOR = "eastwestgateway";

/** The network gateway's Service ports (EAST_WEST_GATEWAY_PORTS), as the gateway chart's networkGatewayPorts. */
export const NETWORK_GATEWAY_PORTS = Object.fromEntries(
  Object.entries(EAST_WEST_GATEWAY_PORTS).map(([name, port]) => [name, { port, targetPort: port }]),
) as Readonly<Record<keyof typeof EAST_WEST_GATEWAY_PORTS, { readonly port: number; readonly targetPort: number }>>;

const LB = "service.beta.kubernetes.io/aws-load-balancer";
/** Where the gateway chart takes the Service's allowed sources (the NLB's security group rules). */
export const EAST_WEST_SOURCE_RANGES = "service.loadBalancerSourceRanges";
/**
 * An internet-facing NLB that the AWS Load Balancer Controller owns, sending traffic straight to
 * the gateway pods. The clusters share no private network, so the other clusters reach this
 * gateway from their NAT addresses over the internet.
 */
export const EAST_WEST_NLB_ANNOTATIONS: Readonly<Record<string, string>> = {
  [`${LB}-type`]: "external",
  [`${LB}-nlb-target-type`]: "ip",
  [`${LB}-scheme`]: "internet-facing",
  // One health check for every listener: the gateway's readiness. A TCP check per port would mark
  // istiod's XDS and webhook ports (never listened on in multi-primary) unhealthy.
  [`${LB}-healthcheck-port`]: String(GATEWAY_STATUS_PORT),
  [`${LB}-healthcheck-protocol`]: "http",
  [`${LB}-healthcheck-path`]: GATEWAY_READY_PATH,
  // Off by default on an NLB: each zone's address would then reach only that zone's gateway pods,
  // and a zone without one (two replicas, three zones) is a dead address istiod hands out.
  [`${LB}-attributes`]: "load_balancing.cross_zone.enabled=true",
};

export interface EastWestGatewayProps {
  /** Istio release, which is also the gateway chart's version. */
  readonly istioVersion: string;
  /** The cluster's Istio network. */
  readonly network: string;
  /**
   * The only sources the NLB admits: the cluster API endpoint's own allow-list (every cluster's NAT
   * addresses plus apiAllowedCidrs), a list Terraform reads at plan time. Never empty: the
   * controller would read an empty list as 0.0.0.0/0. A synth-time check could not see that (the
   * list is a reference), so the release carries a plan-time precondition, behind the config's
   * own rule that apiAllowedCidrs lists at least one range.
   */
  readonly allowedSourceCidrs: string[];
  /**
   * The revision tag the gateway follows, and the revision it points at.
   * @default none: the default revision injects the gateway
   */
  readonly revision?: GatewayRevision;
  /**
   * The user's values for the chart, merged last. They cannot replace allowedSourceCidrs, which
   * Helm sets after them.
   * @default {}
   */
  readonly overrides?: HelmValues;
  /**
   * istiod, the load balancer controller, the namespace.
   * @default []
   */
  readonly dependsOn?: ITerraformDependable[];
}

/** The network gateway other networks reach this cluster's workloads through. */
export class EastWestGateway extends Construct {
  public readonly release: ChartRelease;

  constructor(scope: Construct, id: string, props: EastWestGatewayProps) {
    super(scope, id);
    const values: GatewayValues = {
      // The `istio` label is also derived by the chart from the release name; pinned because the
      // cross-network Gateway selects it. The chart adds the topology.istio.io/network label itself
      // from networkGateway (Service and pods); repeating it here would render the key twice.
      ...gatewayCommonValues(EAST_WEST_GATEWAY_SELECTOR, props.revision),
      networkGateway: props.network,
      networkGatewayPorts: NETWORK_GATEWAY_PORTS,
      service: { type: "LoadBalancer", annotations: EAST_WEST_NLB_ANNOTATIONS },
    };
    this.release = new ChartRelease(this, "release", {
      releaseName: EAST_WEST_GATEWAY_RELEASE,
      namespace: ISTIO_SYSTEM_NAMESPACE,
      source: istioChart("gateway", props.istioVersion),
      values,
      overrides: props.overrides,
      planTimeLists: { [EAST_WEST_SOURCE_RANGES]: props.allowedSourceCidrs },
      dependsOn: props.dependsOn,
    });
    this.release.helmRelease.lifecycle = {
      precondition: [
        {
          condition: Op.gte(Fn.lengthOf(props.allowedSourceCidrs), 1),
          errorMessage: `The east-west gateway of network ${props.network} would admit no source range, which the load balancer controller reads as 0.0.0.0/0: the cluster's public_access_cidrs is empty. List your ranges in apiAllowedCidrs and deploy the -eks stack first.`,
        },
      ],
    };
  }
}

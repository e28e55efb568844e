import type { ChartSource } from "../addons/chart-release";
import { TopologySpreadConstraint, zoneSpread } from "./zone-spread";
import { GATEWAY_MIN_AVAILABLE, GATEWAY_MIN_REPLICAS } from "../names";

/**
 * Istio's Helm repository. The older https://istio-release.storage.googleapis.com/charts bucket
 * goes away in December 2026.
 */
export const ISTIO_CHART_REPOSITORY = "https://blob.istio.io/istio-release/charts";

/** Istio charts are published with the Istio version as their chart version. */
export function istioChart(chart: "base" | "istiod" | "gateway", istioVersion: string): ChartSource {
  return { chart, repository: ISTIO_CHART_REPOSITORY, version: istioVersion };
}

/** Label every Istio gateway pod carries; Gateway resources select gateways by it. */
export const GATEWAY_SELECTOR_LABEL = "istio";

/** Istio gateways' health endpoint path (on GATEWAY_STATUS_PORT): what the load balancers' health checks probe. */
export const GATEWAY_READY_PATH = "/healthz/ready";

/** Keys of Istio's gateway chart (values.yaml and values.schema.json) this program sets. */
export interface GatewayValues {
  /** Gateway pod labels; `istio` and `app` also become the Service and Deployment selector. */
  readonly labels: { readonly [GATEWAY_SELECTOR_LABEL]: string } & Readonly<Record<string, string>>;
  readonly service: {
    readonly type: "LoadBalancer" | "ClusterIP";
    /**
     * Annotations of the gateway's Service, such as the load balancer controller's.
     * @default none
     */
    readonly annotations?: Readonly<Record<string, string>>;
  };
  readonly autoscaling: { readonly minReplicas: number };
  readonly podDisruptionBudget: { readonly minAvailable: number };
  /** Gateway replicas in different zones (gatewayZoneSpread). */
  readonly topologySpreadConstraints: TopologySpreadConstraint[];
  /**
   * Makes the gateway the network gateway of this network (ports, network label, requested network view).
   * @default none: an ordinary gateway, on no network of its own
   */
  readonly networkGateway?: string;
  /**
   * The network gateway's Service ports, by name; used only with networkGateway.
   * @default the chart's: status-port, tls, tls-istiod and tls-webhook
   */
  readonly networkGatewayPorts?: Readonly<Record<string, { readonly port: number; readonly targetPort: number }>>;
  /**
   * The revision or tag injecting the gateway pods: the chart labels them istio.io/rev=<revision>.
   * @default none: the default revision
   */
  readonly revision?: string;
  /**
   * Annotations of the gateway pods, merged over the chart's own.
   * @default the chart's
   */
  readonly podAnnotations?: Readonly<Record<string, string>>;
}

/**
 * Pod annotation naming the revision a gateway's tag points at. Moving the tag changes it, so the
 * gateway's pods roll and are injected by the tag's new revision; without it they would keep
 * their old proxies until restarted by hand.
 */
export const GATEWAY_REVISION_ANNOTATION = "istio-mesh/revision";

/** A gateway following a revision tag. */
export interface GatewayRevision {
  /** The tag the gateway pods are labelled with. */
  readonly tag: string;
  /** The revision the tag points at. */
  readonly revision: string;
}

/** The gateway chart values that pin a gateway to a tag and roll it when the tag moves. */
export function gatewayRevisionValues(revision?: GatewayRevision): Pick<GatewayValues, "revision" | "podAnnotations"> {
  if (!revision) return {};
  return { revision: revision.tag, podAnnotations: { [GATEWAY_REVISION_ANNOTATION]: revision.revision } };
}

export { GATEWAY_MIN_AVAILABLE, GATEWAY_MIN_REPLICAS };

/** Spreads a gateway's pods, selected by their `istio` label, over the zones. */
export function gatewayZoneSpread(selector: string): TopologySpreadConstraint[] {
  return zoneSpread({ [GATEWAY_SELECTOR_LABEL]: selector });
}

/** The gateway chart values every gateway shares: its selector label, replicas, disruption budget, zone spread and revision. */
export function gatewayCommonValues(
  selector: string,
  revision?: GatewayRevision,
): Pick<
  GatewayValues,
  "labels" | "autoscaling" | "podDisruptionBudget" | "topologySpreadConstraints" | "revision" | "podAnnotations"
> {
  return {
    labels: { [GATEWAY_SELECTOR_LABEL]: selector },
    autoscaling: { minReplicas: GATEWAY_MIN_REPLICAS },
    podDisruptionBudget: { minAvailable: GATEWAY_MIN_AVAILABLE },
    topologySpreadConstraints: gatewayZoneSpread(selector),
    ...gatewayRevisionValues(revision),
  };
}

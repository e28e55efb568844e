import type { ChartSource } from "./chart-release";

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

/** Keys of Istio's gateway chart (values.yaml and values.schema.json) this program sets. */
export interface GatewayValues {
  /** Gateway pod labels; `istio` and `app` also become the Service and Deployment selector. */
  readonly labels: { readonly [GATEWAY_SELECTOR_LABEL]: string } & Readonly<Record<string, string>>;
  readonly service: {
    readonly type: "LoadBalancer" | "ClusterIP";
    readonly annotations?: Readonly<Record<string, string>>;
    readonly loadBalancerSourceRanges?: readonly string[];
  };
  readonly autoscaling: { readonly minReplicas: number };
  readonly podDisruptionBudget: { readonly minAvailable: number };
  /** Makes the gateway the network gateway of this network (ports, network label, requested network view). */
  readonly networkGateway?: string;
  readonly networkGatewayPorts?: Readonly<Record<string, { readonly port: number; readonly targetPort: number }>>;
}

/**
 * Gateways run at least two pods with a disruption budget of one, so draining a node (an EKS or
 * node group upgrade) never takes the only gateway pod, and with it all traffic through it.
 */
export const GATEWAY_MIN_REPLICAS = 2;

import { Construct } from "constructs";
import type { ITerraformDependable } from "cdktf";
import { ChartRelease, ChartSource, HelmValues } from "./chart-release";
import { KUBE_SYSTEM_NAMESPACE } from "../names";

export const METRICS_SERVER_RELEASE = "metrics-server";
export const METRICS_SERVER_CHART: ChartSource = {
  chart: "metrics-server",
  repository: "https://kubernetes-sigs.github.io/metrics-server/",
  version: "3.13.1",
};

/**
 * The metrics-server chart values this program sets. None today: the chart's defaults work on
 * EKS (kubelets there serve certificates the cluster CA signed, so no --kubelet-insecure-tls).
 */
export type MetricsServerValues = Record<string, never>;

export interface MetricsServerProps {
  /**
   * The user's values for the chart, merged last.
   * @default {}
   */
  readonly overrides?: HelmValues;
  /**
   * The load balancer controller, whose webhook must be ready before the chart's Service is created.
   * @default []
   */
  readonly dependsOn?: ITerraformDependable[];
}

/** The resource metrics API, so HorizontalPodAutoscalers (istiod's, the gateways') can scale. */
export class MetricsServer extends Construct {
  public readonly release: ChartRelease;

  constructor(scope: Construct, id: string, props: MetricsServerProps = {}) {
    super(scope, id);
    const values: MetricsServerValues = {};
    this.release = new ChartRelease(this, "release", {
      releaseName: METRICS_SERVER_RELEASE,
      namespace: KUBE_SYSTEM_NAMESPACE,
      source: METRICS_SERVER_CHART,
      values,
      overrides: props.overrides,
      dependsOn: props.dependsOn,
    });
  }
}

import { Construct } from "constructs";
import type { ITerraformDependable } from "cdktf";
import { ChartRelease, HelmValues } from "../addons/chart-release";
import { istioChart } from "./istio-charts";
import { ISTIO_SYSTEM_NAMESPACE } from "../names";

export const ISTIOD_RELEASE = "istiod";

/**
 * istiod replicas at the least. With one, draining its node stops sidecar injection (its webhook
 * fails closed) until the pod is rescheduled; the chart creates its disruption budget only above one.
 */
export const ISTIOD_MIN_REPLICAS = 2;

/** Where Istio publishes release images; istiod's injector hands the same hub and tag to gateways and sidecars. */
export const ISTIO_IMAGE_HUB = "docker.io/istio";

/**
 * Keys of the istiod chart this program sets. The chart reads its values at the top level
 * (`global`, `meshConfig`, `env`, ...); the `pilot.` prefix of old installs is silently ignored.
 */
export interface IstiodValues {
  readonly global: {
    /** One value for every cluster of the mesh: it names the mesh in proxy metadata and telemetry. */
    readonly meshID: string;
    readonly multiCluster: {
      /** istiod's cluster ID (CLUSTER_ID), unique in the mesh; remote secrets name clusters by it. */
      readonly clusterName: string;
    };
    /** The network of this cluster's workloads, unique in the mesh: endpoints on other networks are reached through their east-west gateway. */
    readonly network: string;
    /** Pinned rather than left to the published chart, so control plane, gateways and sidecars run exactly this release. */
    readonly hub: string;
    readonly tag: string;
  };
  readonly autoscaleMin: number;
}

export interface IstiodProps {
  /** Istio release: the istiod chart's version and the image tag of the control plane and proxies. */
  readonly istioVersion: string;
  /** The mesh's ID, the same in every cluster (global.meshID). */
  readonly meshId: string;
  /** istiod's cluster ID, unique in the mesh (global.multiCluster.clusterName). */
  readonly clusterName: string;
  /** The cluster's Istio network (global.network). */
  readonly network: string;
  /**
   * The user's values for the chart, merged last.
   * @default {}
   */
  readonly overrides?: HelmValues;
  /**
   * What istiod must wait for: istio-base, the load balancer controller (istiod makes a Service),
   * the namespace, and anything its pods read at start, such as the `cacerts` secret.
   * @default []
   */
  readonly dependsOn?: ITerraformDependable[];
}

/** The Istio control plane of one cluster, a primary in a multi-primary, multi-network mesh. */
export class Istiod extends Construct {
  public readonly release: ChartRelease;

  constructor(scope: Construct, id: string, props: IstiodProps) {
    super(scope, id);
    const values: IstiodValues = {
      global: {
        meshID: props.meshId,
        multiCluster: { clusterName: props.clusterName },
        network: props.network,
        hub: ISTIO_IMAGE_HUB,
        tag: props.istioVersion,
      },
      autoscaleMin: ISTIOD_MIN_REPLICAS,
    };
    this.release = new ChartRelease(this, "release", {
      releaseName: ISTIOD_RELEASE,
      namespace: ISTIO_SYSTEM_NAMESPACE,
      source: istioChart("istiod", props.istioVersion),
      values,
      overrides: props.overrides,
      dependsOn: props.dependsOn,
    });
  }
}

import { Construct } from "constructs";
import type { ITerraformDependable } from "cdktf";
import { ChartRelease, HelmValues } from "../addons/chart-release";
import { istioChart } from "./istio-charts";
import { DEFAULT_REVISION_NAME, ISTIOD_MIN_REPLICAS, ISTIO_SYSTEM_NAMESPACE, istiodName } from "../names";
import { KeepaliveMeshConfig, keepaliveMeshConfig } from "./connection-keepalive";
import { TopologySpreadConstraint, zoneSpread } from "./zone-spread";

/** Release (and Deployment) name of the default revision's istiod; a named revision's is istiod-<revision>. */
export const ISTIOD_RELEASE = istiodName(DEFAULT_REVISION_NAME);

export { ISTIOD_MIN_REPLICAS };

/** Where Istio publishes release images; istiod's injector hands the same hub and tag to gateways and sidecars. */
export const ISTIO_IMAGE_HUB = "docker.io/istio";

/** Labels of istiod's pods (the chart's), which its zone spread selects. */
export const ISTIOD_POD_LABELS = { app: "istiod" } as const;

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
  /**
   * The revision: the suffix of every object of the release and the value of its istio.io/rev labels.
   * @default "" (the default revision)
   */
  readonly revision?: string;
  /**
   * Revision tags served by this revision: the chart renders a webhook `istio-revision-tag-<tag>`
   * (and Service `istiod-revision-tag-<tag>`) for each, injecting namespaces labelled istio.io/rev=<tag>.
   * @default []
   */
  readonly revisionTags?: readonly string[];
  /** Mesh-wide proxy settings: keepalives that outlast the AWS idle-flow timeout. */
  readonly meshConfig: KeepaliveMeshConfig;
  /** Replicas in different zones, so a zone outage leaves the injection webhook and XDS up. */
  readonly topologySpreadConstraints: TopologySpreadConstraint[];
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
   * The control plane revision this release is, and the tags pointing at it.
   * @default the default revision (release `istiod`), no tags
   */
  readonly revision?: { readonly name: string; readonly tags: readonly string[] };
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
    const revision = props.revision?.name ?? DEFAULT_REVISION_NAME;
    const tags = props.revision?.tags ?? [];
    const values: IstiodValues = {
      global: {
        meshID: props.meshId,
        multiCluster: { clusterName: props.clusterName },
        network: props.network,
        hub: ISTIO_IMAGE_HUB,
        tag: props.istioVersion,
      },
      autoscaleMin: ISTIOD_MIN_REPLICAS,
      // Every other value is the same for every revision: one mesh, whichever istiod a proxy talks to.
      ...(revision === DEFAULT_REVISION_NAME ? {} : { revision }),
      ...(tags.length ? { revisionTags: tags } : {}),
      meshConfig: keepaliveMeshConfig(),
      topologySpreadConstraints: zoneSpread(ISTIOD_POD_LABELS),
    };
    this.release = new ChartRelease(this, "release", {
      releaseName: istiodName(revision),
      namespace: ISTIO_SYSTEM_NAMESPACE,
      source: istioChart("istiod", props.istioVersion),
      values,
      overrides: props.overrides,
      dependsOn: props.dependsOn,
    });
  }
}

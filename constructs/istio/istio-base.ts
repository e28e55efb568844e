import { Construct } from "constructs";
import type { ITerraformDependable } from "cdktf";
import { ChartRelease, HelmValues } from "../addons/chart-release";
import { istioChart } from "./istio-charts";
import { ISTIO_SYSTEM_NAMESPACE } from "../names";

export const ISTIO_BASE_RELEASE = "istio-base";

/**
 * The base chart values this program sets. None: its defaults (CRDs as templates so upgrades
 * update them, the istio-reader account that remote secrets use) are what a multi-primary mesh needs.
 */
export interface IstioBaseValues {
  /**
   * The revision whose istiod validates Istio config that names no revision (the webhook
   * istiod-default-validator points at its Service).
   * @default the chart's: "default", the unnamed revision
   */
  readonly defaultRevision?: string;
}

export interface IstioBaseProps {
  /** Istio release, which is also the base chart's version. */
  readonly istioVersion: string;
  /**
   * With revisions, the one that validates config for all (IstioBaseValues.defaultRevision).
   * @default the chart's
   */
  readonly defaultRevision?: string;
  /**
   * The user's values for the chart, merged last.
   * @default {}
   */
  readonly overrides?: HelmValues;
  /**
   * The istio-system namespace.
   * @default []
   */
  readonly dependsOn?: ITerraformDependable[];
}

/** Istio's CRDs and cluster-wide resources, which istiod and every Istio resource need first. */
export class IstioBase extends Construct {
  public readonly release: ChartRelease;

  constructor(scope: Construct, id: string, props: IstioBaseProps) {
    super(scope, id);
    const values: IstioBaseValues = props.defaultRevision ? { defaultRevision: props.defaultRevision } : {};
    this.release = new ChartRelease(this, "release", {
      releaseName: ISTIO_BASE_RELEASE,
      namespace: ISTIO_SYSTEM_NAMESPACE,
      source: istioChart("base", props.istioVersion),
      values,
      overrides: props.overrides,
      dependsOn: props.dependsOn,
    });
  }
}

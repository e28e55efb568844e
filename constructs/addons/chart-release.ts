import { Construct } from "constructs";
import type { ITerraformDependable } from "cdktf";
import deepmerge from "deepmerge";
import { stringify } from "yaml";
import { Release } from "@cdktf/provider-helm/lib/release";

/** Helm values as the chart reads them: a tree of plain objects, lists and scalars. */
export type HelmValues = Record<string, unknown>;

/**
 * How long Helm waits for a release's workloads (and LoadBalancer Services' addresses) to be
 * ready. First installs pull images and wait for AWS load balancers, which Helm's 5-minute
 * default does not always cover.
 */
export const DEFAULT_RELEASE_TIMEOUT_SECONDS = 600;

/** Where a chart comes from: a chart name in a repository at a pinned version, or a local chart directory. */
export interface ChartSource {
  /** Chart name in `repository`, or the path of a local chart directory. */
  readonly chart: string;
  /**
   * Helm repository URL.
   * @default none: `chart` is a local directory
   */
  readonly repository?: string;
  /**
   * Chart version.
   * @default the version in the local chart's Chart.yaml
   */
  readonly version?: string;
}

export interface ChartReleaseProps {
  /** Helm release name. */
  readonly releaseName: string;
  /** Namespace of the release; must exist already (the release never creates it). */
  readonly namespace: string;
  readonly source: ChartSource;
  /** The values this program computes for the chart. */
  readonly values: object;
  /**
   * The user's values for this release (ClusterSpec.helmValues), merged last.
   * @default {}
   */
  readonly overrides?: HelmValues;
  /**
   * Lists Terraform knows only at plan time (references), by Helm value path such as
   * `service.loadBalancerSourceRanges`. Set with `set_list`, which Helm applies after `values`,
   * so they win over the computed values and the overrides alike.
   * @default {}
   */
  readonly planTimeLists?: Readonly<Record<string, string[]>>;
  /**
   * Resources the release must wait for, and that outlive it on destroy.
   * @default []
   */
  readonly dependsOn?: ITerraformDependable[];
}

/**
 * One helm_release: computed values with the user's overrides deep-merged last, passed to
 * Helm as a single YAML document, so the plan shows the values as Helm reads them.
 */
export class ChartRelease extends Construct implements ITerraformDependable {
  public readonly helmRelease: Release;
  /** The values Helm receives, after the overrides. */
  public readonly values: HelmValues;

  constructor(scope: Construct, id: string, props: ChartReleaseProps) {
    super(scope, id);
    this.values = mergeValues(props.values, props.overrides);
    this.helmRelease = new Release(this, "release", {
      name: props.releaseName,
      namespace: props.namespace,
      chart: props.source.chart,
      repository: props.source.repository,
      version: props.source.version,
      values: [toValuesYaml(this.values)],
      setList: Object.entries(props.planTimeLists ?? {}).map(([name, value]) => ({ name, value })),
      timeout: DEFAULT_RELEASE_TIMEOUT_SECONDS,
      dependsOn: props.dependsOn,
    });
  }

  /** The helm_release, so other resources can depend on this construct directly. */
  public get fqn(): string {
    return this.helmRelease.fqn;
  }
}

/** Overrides win; a list in the overrides replaces the computed list instead of being appended to it. */
export function mergeValues(computed: object, overrides: HelmValues = {}): HelmValues {
  return deepmerge<HelmValues>(computed as HelmValues, overrides, { arrayMerge: (_computed, override) => override });
}

/**
 * Sorted keys keep the synthesized values stable whatever order they were built in; no line
 * folding, so a long value (or a Terraform reference inside one) stays on one line. Template
 * sequences are escaped, so Helm gets them literally (see escapeTemplateSequences).
 */
export function toValuesYaml(values: HelmValues): string {
  return escapeTemplateSequences(stringify(values, { sortMapEntries: true, lineWidth: 0 }));
}

/**
 * Terraform evaluates `${...}` and `%{...}` in every string of the synthesized JSON: a Helm value
 * such as `${file("/etc/hostname")}` would read a file of the deploying machine into the cluster.
 * `$${` and `%%{` are Terraform's escapes for them. cdktf's own token markers (`${TfToken[`, the
 * references this program puts in values) stay as they are; the config rejects them in user values.
 */
export function escapeTemplateSequences(text: string): string {
  return text.replace(/\$\{(?!TfToken\[)/g, "$$$${").replace(/%\{/g, "%%{");
}

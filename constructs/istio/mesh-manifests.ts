import * as path from "node:path";
import { Construct } from "constructs";
import { Annotations, AssetType, ITerraformDependable, TerraformAsset } from "cdktf";
import { ChartRelease, HelmValues } from "../addons/chart-release";
import { EAST_WEST_GATEWAY_SELECTOR } from "./east-west-gateway";
import { INGRESS_GATEWAY_HTTP_PORT, INGRESS_GATEWAY_RELEASE, INGRESS_GATEWAY_SELECTOR } from "./ingress-gateway";
import { GATEWAY_READY_PATH, GATEWAY_SELECTOR_LABEL } from "./istio-charts";
import { SampleAppsValues, sampleAppsValues } from "./sample-apps";
import { CROSS_NETWORK_PORT, GATEWAY_STATUS_PORT, ISTIO_INGRESS_NAMESPACE, ISTIO_SYSTEM_NAMESPACE } from "../names";

/** The project's own chart, shipped inside cdktf.out so a deploy needs nothing but that directory. */
export const MESH_CHART_DIRECTORY = path.resolve(__dirname, "..", "..", "manifests", "mesh");
export const MESH_MANIFESTS_RELEASE = "mesh-manifests";
/** What the ingress gateway's responses say in their `server` header instead of "istio-envoy". */
export const INGRESS_SERVER_HEADER = "mesh-gateway";
/** TLS policy of the ALB's HTTPS listener: TLS 1.3 and 1.2 with forward-secret ciphers only. */
export const INGRESS_SSL_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06";

/** Values of manifests/mesh (its values.schema.json is the authority). */
export interface MeshManifestsValues {
  readonly crossNetworkGateway: {
    readonly enabled: boolean;
    readonly namespace: string;
    readonly selector: Readonly<Record<string, string>>;
    readonly port: number;
  };
  readonly serverHeader: {
    readonly enabled: boolean;
    readonly namespace: string;
    readonly selector: Readonly<Record<string, string>>;
    readonly value: string;
  };
  readonly ingress: {
    readonly enabled: boolean;
    readonly name: string;
    readonly namespace: string;
    readonly service: { readonly name: string; readonly port: number };
    readonly healthCheck: { readonly port: number; readonly path: string };
    /** Empty for plain HTTP. */
    readonly certificateArn: string;
    readonly sslPolicy: string;
  };
  /** Off: the chart renders none of the sample objects (the rest of the block keeps its chart defaults). */
  readonly samples: SampleAppsValues | { readonly enabled: false };
}

export interface MeshManifestsProps {
  /** The cluster the chart is released into; names it in synth warnings. */
  readonly clusterName: string;
  /**
   * ACM certificate of the ALB: HTTPS with HTTP redirected to it.
   * @default none: plain HTTP, with a synth warning
   */
  readonly ingressCertificateArn?: string;
  /**
   * Plain HTTP is what the user wants (no certificate on purpose): no synth warning about it.
   * @default false
   */
  readonly plainHttpIntended?: boolean;
  /**
   * The sample apps (helloworld, curl, and a Gateway serving /hello through the ALB), with the
   * helloworld version this cluster serves and the resource that creates their namespace, which
   * the release waits for.
   * @default none: no sample apps
   */
  readonly samples?: { readonly helloworldVersion: string; readonly namespace: ITerraformDependable };
  /**
   * The user's values for the chart, merged last.
   * @default {}
   */
  readonly overrides?: HelmValues;
  /**
   * Everything the chart's objects need: Istio's CRDs and validation (istio-base, istiod), the
   * gateways they configure, the load balancer controller that turns the Ingress into an ALB
   * (and deletes it on destroy), and the namespaces.
   * @default []
   */
  readonly dependsOn?: ITerraformDependable[];
}

/**
 * The mesh chart (manifests/mesh) released into one cluster: the cross-network Gateway, the
 * ingress gateway's server header, the ALB Ingress, and optionally the sample apps. A Helm chart
 * rather than kubernetes_manifest resources, which need a reachable API server (and installed
 * CRDs) at plan time.
 */
export class MeshManifests extends Construct {
  public readonly release: ChartRelease;

  constructor(scope: Construct, id: string, props: MeshManifestsProps) {
    super(scope, id);
    // Copied into the stack's output directory and referenced by a relative path.
    const chart = new TerraformAsset(this, "chart-files", { path: MESH_CHART_DIRECTORY, type: AssetType.DIRECTORY });
    if (!props.ingressCertificateArn && !props.plainHttpIntended) {
      Annotations.of(this).addWarning(
        `cluster ${props.clusterName}: the ingress ALB serves plain HTTP; set clusters[].ingress.certificateArn to an ACM certificate for HTTPS, or clusters[].ingress.plainHttp: true if plain HTTP is intended`,
      );
    }
    const values: MeshManifestsValues = {
      crossNetworkGateway: {
        enabled: true,
        namespace: ISTIO_SYSTEM_NAMESPACE,
        selector: { [GATEWAY_SELECTOR_LABEL]: EAST_WEST_GATEWAY_SELECTOR },
        port: CROSS_NETWORK_PORT,
      },
      serverHeader: {
        enabled: true,
        namespace: ISTIO_INGRESS_NAMESPACE,
        selector: { [GATEWAY_SELECTOR_LABEL]: INGRESS_GATEWAY_SELECTOR },
        value: INGRESS_SERVER_HEADER,
      },
      ingress: {
        enabled: true,
        name: INGRESS_GATEWAY_RELEASE,
        namespace: ISTIO_INGRESS_NAMESPACE,
        service: { name: INGRESS_GATEWAY_RELEASE, port: INGRESS_GATEWAY_HTTP_PORT },
        healthCheck: { port: GATEWAY_STATUS_PORT, path: GATEWAY_READY_PATH },
        certificateArn: props.ingressCertificateArn ?? "",
        sslPolicy: INGRESS_SSL_POLICY,
      },
      samples: props.samples ? sampleAppsValues(props.samples.helloworldVersion) : { enabled: false },
    };
    this.release = new ChartRelease(this, "release", {
      releaseName: MESH_MANIFESTS_RELEASE,
      namespace: ISTIO_SYSTEM_NAMESPACE,
      source: { chart: chart.path },
      values,
      overrides: props.overrides,
      dependsOn: [...(props.dependsOn ?? []), ...(props.samples ? [props.samples.namespace] : [])],
    });
  }
}

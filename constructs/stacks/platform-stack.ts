import { Construct } from "constructs";
import { DataResource, TerraformLocal } from "cdktf";
import { TimeProvider } from "@cdktf/provider-time/lib/provider";
import type { ClusterSpec, IstioRevisionSpec, IstioRevisionsSpec } from "../../config/spec";
import { CacertsSecret } from "../trust/cacerts-secret";
import { ClusterAccess } from "../links/cluster-access";
import { EastWestGateway } from "../istio/east-west-gateway";
import { IngressGateway } from "../istio/ingress-gateway";
import { IstioBase } from "../istio/istio-base";
import { Istiod } from "../istio/istiod";
import { LoadBalancerController } from "../addons/load-balancer-controller";
import { ReadinessGateInjection } from "../addons/readiness-gate-injection";
import { MeshManifests } from "../istio/mesh-manifests";
import { MetricsServer } from "../addons/metrics-server";
import { MeshNamespaces } from "../istio/namespaces";
import { ReaderToken } from "../links/reader-token";
import { RotatingReaderTokens } from "../links/reader-token-rotation";
import { applyOrder } from "../istio/revision-plan";
import { RevisionTagGuard } from "../istio/revision-tag-guard";
import type { GatewayRevision } from "../istio/istio-charts";
import { remoteKubeconfig } from "../links/remote-secret";
import {
  DEFAULT_REVISION_NAME,
  ISTIO_INGRESS_NAMESPACE,
  ISTIO_SYSTEM_NAMESPACE,
  PROJECT_DIR_FROM_STACK,
} from "../names";
import { MeshStack, MeshStackProps } from "./stack-base";

/** The address the destroy-time pause had; a removed block drops it from state without a pause. */
export const FORMER_LOAD_BALANCER_DRAIN = "time_sleep.aws-load-balancer-controller_load-balancer-drain_82A30BDD";

export interface PlatformStackProps extends MeshStackProps {
  readonly cluster: ClusterSpec;
  /** The Istio release of istio-base, and of everything else without revisions. */
  readonly istioVersion: string;
  /**
   * Control plane revisions side by side: one istiod release each, tags, and namespaces and
   * gateways that follow tags.
   * @default none: one istiod release of istioVersion, the default revision
   */
  readonly istioRevisions?: IstioRevisionsSpec;
  /**
   * Days between two new reader tokens; each token lives two periods.
   * @default 0: one reader token that never changes
   */
  readonly readerTokenRotationDays?: number;
  /** The mesh CA directory, relative to the project: istiod's `cacerts` secret is read from it at apply time. */
  readonly caDirectory: string;
  /**
   * The sample apps, with the helloworld version this cluster serves (distinct per cluster).
   * @default none: no sample namespace, no sample apps
   */
  readonly samples?: { readonly helloworldVersion: string };
}

/**
 * The Kubernetes side of one cluster, deployed after its EKS stack: add-ons, the Istio control
 * plane, both gateways and the mesh chart. Dependencies are declared, not implied by order:
 * namespaces before what goes into them; the load balancer controller before everything that
 * makes a Service or an Ingress (and after them on destroy, so it can delete their load
 * balancers); istio-base, then istiod, then the gateways, then the mesh chart.
 */
export class PlatformStack extends MeshStack {
  public readonly access: ClusterAccess;
  public readonly namespaces: MeshNamespaces;
  public readonly loadBalancerController: LoadBalancerController;
  public readonly metricsServer: MetricsServer;
  public readonly cacerts: CacertsSecret;
  public readonly istioBase: IstioBase;
  /** The istiod release the gateways' tag points at (without revisions, the only one). */
  public readonly istiod: Istiod;
  /** Every revision's istiod, in apply order. */
  public readonly istiods: readonly Istiod[];
  /** Present with revisions only. */
  public readonly revisionTagGuard?: RevisionTagGuard;
  public readonly ingressGateway: IngressGateway;
  public readonly eastWestGateway: EastWestGateway;
  public readonly meshManifests: MeshManifests;
  /** The reader token (with rotation, slot "a", at the single token's address). */
  public readonly readerToken: ReaderToken;
  /** Present when reader tokens rotate. */
  public readonly readerTokens?: RotatingReaderTokens;
  /**
   * The kubeconfig other clusters' istiod read this cluster with (endpoint, CA, reader token),
   * known at apply time. The other clusters' mesh-links stacks take it as one sensitive output.
   */
  public readonly remoteKubeconfig: string;

  constructor(scope: Construct, id: string, props: PlatformStackProps) {
    super(scope, id, props);
    const { cluster, istioVersion } = props;
    const overrides = cluster.helmValues;

    this.access = new ClusterAccess(this, "cluster-access", {
      clusterName: cluster.name,
      region: cluster.region,
    });
    const revisions = props.istioRevisions;
    this.namespaces = new MeshNamespaces(this, "namespaces", {
      network: cluster.network,
      samples: !!props.samples,
      revisionTags: revisions && { gateway: revisions.gatewayTag, sample: revisions.sampleTag },
    });
    const { istioSystem, istioIngress, sample } = this.namespaces;

    new TimeProvider(this, "time");
    // A destroy-time pause between the load-balanced releases and the controller, until Helm's
    // wait on uninstall was found to cover it (see LoadBalancerController).
    this.forget([FORMER_LOAD_BALANCER_DRAIN]);
    this.loadBalancerController = new LoadBalancerController(this, "aws-load-balancer-controller", {
      clusterName: cluster.name,
      region: cluster.region,
      vpcId: this.access.vpcId,
      overrides: overrides.loadBalancerController,
    });
    const controller = this.loadBalancerController.release;
    const loadBalancerOwner = this.loadBalancerController.loadBalancerOwnerDependencies;

    this.metricsServer = new MetricsServer(this, "metrics-server", {
      overrides: overrides.metricsServer,
      dependsOn: [controller],
    });
    this.cacerts = new CacertsSecret(this, "cacerts", {
      clusterName: cluster.name,
      caDirectory: props.caDirectory,
      projectDirectory: props.projectDirectory ?? PROJECT_DIR_FROM_STACK,
      namespaceDependency: istioSystem,
    });
    this.istioBase = new IstioBase(this, "istio-base", {
      // The newest revision's: CRDs are backward compatible, and every istiod release waits for this one.
      istioVersion,
      defaultRevision: revisions && revisions.tags[revisions.gatewayTag],
      overrides: overrides.istioBase,
      dependsOn: [istioSystem],
    });
    // Without revisions, one release of the default revision, exactly as before revisions existed.
    const ordered: (IstioRevisionSpec | undefined)[] = revisions ? applyOrder(revisions.revisions) : [undefined];
    const istiods: Istiod[] = [];
    for (const revision of ordered) {
      const name = revision?.name ?? DEFAULT_REVISION_NAME;
      istiods.push(
        new Istiod(this, name === DEFAULT_REVISION_NAME ? "istiod" : `istiod-${name}`, {
          istioVersion: revision?.version ?? istioVersion,
          meshId: props.meshId,
          clusterName: cluster.name,
          network: cluster.network,
          revision,
          overrides: overrides.istiod,
          // cacerts must exist before istiod starts, or istiod mints a root of its own. The release
          // before this one in apply order drops any tag this one takes over (revision-plan.ts).
          dependsOn: [
            istioSystem,
            this.cacerts.secret,
            this.istioBase.release,
            controller,
            ...istiods.slice(-1).map((previous) => previous.release),
          ],
        }),
      );
    }
    this.istiods = istiods;
    const gatewayRevision: GatewayRevision | undefined = revisions && {
      tag: revisions.gatewayTag,
      revision: revisions.tags[revisions.gatewayTag],
    };
    const gatewayIndex = gatewayRevision ? ordered.findIndex((r) => r?.name === gatewayRevision.revision) : 0;
    this.istiod = istiods[gatewayIndex];
    const gatewayVersion = ordered[gatewayIndex]?.version ?? istioVersion;
    if (revisions) this.revisionTagGuard = new RevisionTagGuard(this, "revision-tag-guard", revisions);
    const istiodReleases = istiods.map((each) => each.release);
    // istio-base creates istio-reader-service-account, each istiod a ClusterRole and binding for it.
    const readerDependencies = [istioSystem, this.istioBase.release, ...istiodReleases];
    const readerToken = (replaceTriggeredBy?: DataResource) =>
      new ReaderToken(this, "istio-reader-token", { dependsOn: readerDependencies, replaceTriggeredBy });
    if (props.readerTokenRotationDays) {
      this.readerTokens = new RotatingReaderTokens(this, "istio-reader-token-rotation", {
        rotationDays: props.readerTokenRotationDays,
        first: readerToken,
        dependsOn: readerDependencies,
      });
      this.readerToken = this.readerTokens.first;
    } else {
      this.readerToken = readerToken();
    }
    // A local, so other stacks read the kubeconfig as one output rather than its three parts.
    this.remoteKubeconfig = new TerraformLocal(
      this,
      "remote-kubeconfig",
      remoteKubeconfig({
        clusterName: cluster.name,
        server: this.access.endpoint,
        certificateAuthorityData: this.access.certificateAuthorityData,
        token: this.readerTokens?.token ?? this.readerToken.token,
      }),
    ).asString;

    // Both gateways sit behind the controller's load balancers with IP targets; istio-system holds
    // the east-west gateway (and istiod, whose pods match no target group and get no gate).
    const readinessGates = new ReadinessGateInjection(this, "readiness-gates", {
      namespaces: [ISTIO_SYSTEM_NAMESPACE, ISTIO_INGRESS_NAMESPACE],
      dependsOn: [controller, istioSystem, istioIngress],
    }).labels;
    this.ingressGateway = new IngressGateway(this, "istio-ingressgateway", {
      istioVersion: gatewayVersion,
      revision: gatewayRevision,
      overrides: overrides.ingressGateway,
      dependsOn: [istioIngress, ...istiodReleases, controller, readinessGates[ISTIO_INGRESS_NAMESPACE]],
    });
    this.eastWestGateway = new EastWestGateway(this, "istio-eastwestgateway", {
      istioVersion: gatewayVersion,
      revision: gatewayRevision,
      network: cluster.network,
      // Exactly the API endpoint's allow-list, read from the cluster: one list to review, and it
      // follows the mesh as clusters join or leave without a change to this stack.
      allowedSourceCidrs: this.access.publicAccessCidrs,
      overrides: overrides.eastWestGateway,
      dependsOn: [istioSystem, ...istiodReleases, ...loadBalancerOwner, readinessGates[ISTIO_SYSTEM_NAMESPACE]],
    });
    this.meshManifests = new MeshManifests(this, "mesh-manifests", {
      clusterName: cluster.name,
      ingressCertificateArn: cluster.ingressCertificateArn,
      plainHttpIntended: cluster.ingressPlainHttp,
      samples: props.samples && sample && { ...props.samples, namespace: sample },
      overrides: overrides.meshManifests,
      dependsOn: [
        istioSystem,
        istioIngress,
        ...loadBalancerOwner,
        ...istiodReleases,
        this.ingressGateway.release,
        this.eastWestGateway.release,
      ],
    });
  }
}

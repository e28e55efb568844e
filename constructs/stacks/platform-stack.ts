import { Construct } from "constructs";
import { TerraformLocal } from "cdktf";
import { TimeProvider } from "@cdktf/provider-time/lib/provider";
import type { ClusterSpec } from "../../config/spec";
import { CacertsSecret } from "../trust/cacerts-secret";
import { ClusterAccess } from "../links/cluster-access";
import { EastWestGateway } from "../istio/east-west-gateway";
import { IngressGateway } from "../istio/ingress-gateway";
import { IstioBase } from "../istio/istio-base";
import { Istiod } from "../istio/istiod";
import { LoadBalancerController } from "../addons/load-balancer-controller";
import { MeshManifests } from "../istio/mesh-manifests";
import { MetricsServer } from "../addons/metrics-server";
import { MeshNamespaces } from "../istio/namespaces";
import { ReaderToken } from "../links/reader-token";
import { remoteKubeconfig } from "../links/remote-secret";
import { PROJECT_DIR_FROM_STACK } from "../names";
import { MeshStack, MeshStackProps } from "./stack-base";

export interface PlatformStackProps extends MeshStackProps {
  readonly cluster: ClusterSpec;
  readonly istioVersion: string;
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
  public readonly istiod: Istiod;
  public readonly ingressGateway: IngressGateway;
  public readonly eastWestGateway: EastWestGateway;
  public readonly meshManifests: MeshManifests;
  public readonly readerToken: ReaderToken;
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
    this.namespaces = new MeshNamespaces(this, "namespaces", { network: cluster.network, samples: !!props.samples });
    const { istioSystem, istioIngress, sample } = this.namespaces;

    new TimeProvider(this, "time");
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
      projectDirectory: PROJECT_DIR_FROM_STACK,
      namespaceDependency: istioSystem,
    });
    this.istioBase = new IstioBase(this, "istio-base", {
      istioVersion,
      overrides: overrides.istioBase,
      dependsOn: [istioSystem],
    });
    this.istiod = new Istiod(this, "istiod", {
      istioVersion,
      meshId: props.meshId,
      clusterName: cluster.name,
      network: cluster.network,
      overrides: overrides.istiod,
      // cacerts must exist before istiod starts, or istiod mints a root of its own.
      dependsOn: [istioSystem, this.cacerts.secret, this.istioBase.release, controller],
    });
    const istiod = this.istiod.release;
    // istio-base creates istio-reader-service-account, istiod its ClusterRole and binding.
    this.readerToken = new ReaderToken(this, "istio-reader-token", {
      dependsOn: [istioSystem, this.istioBase.release, istiod],
    });
    // A local, so other stacks read the kubeconfig as one output rather than its three parts.
    this.remoteKubeconfig = new TerraformLocal(
      this,
      "remote-kubeconfig",
      remoteKubeconfig({
        clusterName: cluster.name,
        server: this.access.endpoint,
        certificateAuthorityData: this.access.certificateAuthorityData,
        token: this.readerToken.token,
      }),
    ).asString;

    this.ingressGateway = new IngressGateway(this, "istio-ingressgateway", {
      istioVersion,
      overrides: overrides.ingressGateway,
      dependsOn: [istioIngress, istiod, controller],
    });
    this.eastWestGateway = new EastWestGateway(this, "istio-eastwestgateway", {
      istioVersion,
      network: cluster.network,
      // Exactly the API endpoint's allow-list, read from the cluster: one list to review, and it
      // follows the mesh as clusters join or leave without a change to this stack.
      allowedSourceCidrs: this.access.publicAccessCidrs,
      overrides: overrides.eastWestGateway,
      dependsOn: [istioSystem, istiod, ...loadBalancerOwner],
    });
    this.meshManifests = new MeshManifests(this, "mesh-manifests", {
      clusterName: cluster.name,
      ingressCertificateArn: cluster.ingressCertificateArn,
      samples: props.samples && sample && { ...props.samples, namespace: sample },
      overrides: overrides.meshManifests,
      dependsOn: [
        istioSystem,
        istioIngress,
        ...loadBalancerOwner,
        istiod,
        this.ingressGateway.release,
        this.eastWestGateway.release,
      ],
    });
  }
}

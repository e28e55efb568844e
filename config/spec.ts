import type { HelmOverrides } from "./schema";

/** What one cluster is, with every default filled in. Constructs receive this, never the raw config. */
export interface ClusterSpec {
  readonly name: string;
  readonly region: string;
  /** Istio network of this cluster; unique in the mesh. */
  readonly network: string;
  readonly kubernetesVersion: string;
  readonly vpcCidr: string;
  /** One private and one public subnet per zone, carved from vpcCidr. */
  readonly privateSubnetCidrs: readonly string[];
  readonly publicSubnetCidrs: readonly string[];
  readonly natGateways: "perZone" | "single";
  readonly nodes: NodeGroupSpec;
  /** ACM certificate for the ingress ALB; undefined means plain HTTP. */
  readonly ingressCertificateArn?: string;
  /** The version this cluster's helloworld sample serves and labels its pods with (when the mesh has samples). */
  readonly helloworldVersion: string;
  /** The config says plain HTTP (no certificate) is intended: no warning about it. */
  readonly ingressPlainHttp: boolean;
  /** kubeconfig context for `npm run verify`. */
  readonly kubeContext: string;
  /** Mesh-wide Helm overrides with this cluster's merged over them. */
  readonly helmValues: HelmOverrides;
  /** EKS add-on versions held by the config, by add-on name; the others follow the cluster's version. */
  readonly addonVersions: Readonly<Record<string, string>>;
  /**
   * Leaving the mesh: no other cluster admits its NAT addresses or holds a remote secret for it,
   * and its stacks reference no other cluster's, so they can be destroyed on their own.
   */
  readonly retiring: boolean;
}

export interface NodeGroupSpec {
  readonly instanceTypes: readonly string[];
  readonly minSize: number;
  readonly desiredSize: number;
  readonly maxSize: number;
  readonly diskSizeGiB: number;
  readonly amiType: string;
}

export interface S3StateSpec {
  readonly bucket: string;
  readonly region: string;
  readonly keyPrefix: string;
}

/** The whole mesh, validated: the single input of the stacks. */
export interface MeshSpec {
  readonly meshId: string;
  readonly clusters: readonly ClusterSpec[];
  /** Extra ranges admitted to API endpoints and east-west gateways besides the clusters' NAT addresses. */
  readonly apiAllowedCidrs: readonly string[];
  readonly admins: readonly string[];
  /** The Istio release of istio-base: with revisions, the newest revision's. */
  readonly istioVersion: string;
  /**
   * Control plane revisions side by side (istio.revisions).
   * @default none: one unnamed istiod release of istioVersion, namespaces labelled istio-injection
   */
  readonly istioRevisions?: IstioRevisionsSpec;
  /** CA directory as written in the config, resolved against the project directory by the caller. */
  readonly caDirectory: string;
  readonly state?: S3StateSpec;
  readonly samples: boolean;
  /** Days between two new reader tokens (remoteSecrets.tokenRotationDays); 0: one token, never rotated. */
  readonly readerTokenRotationDays: number;
}

/** One istiod control plane of a revisioned install. */
export interface IstioRevisionSpec {
  /** Revision name; "default" is the unnamed release (chart value revision ""). */
  readonly name: string;
  readonly version: string;
  /** The tags pointing at this revision, sorted. */
  readonly tags: readonly string[];
}

/** Revisions, the tags that point at them, and the tags the program's own namespaces and gateways follow. */
export interface IstioRevisionsSpec {
  /** As configured. */
  readonly revisions: readonly IstioRevisionSpec[];
  /** Tag name to revision name. */
  readonly tags: Readonly<Record<string, string>>;
  /** Both gateways and the istio-ingress namespace. */
  readonly gatewayTag: string;
  /** The sample namespace. */
  readonly sampleTag: string;
}

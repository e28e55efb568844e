import { Construct } from "constructs";
import { Fn } from "cdktf";
import { DataAwsEksCluster } from "@cdktf/provider-aws/lib/data-aws-eks-cluster";
import { HelmProvider } from "@cdktf/provider-helm/lib/provider";
import { KubernetesProvider } from "@cdktf/provider-kubernetes/lib/provider";

/** The client-go credential plugin API that `aws eks get-token` answers. */
export const EXEC_CREDENTIAL_API_VERSION = "client.authentication.k8s.io/v1beta1";

/**
 * How Terraform authenticates to a cluster: `aws eks get-token` run for every connection. A token
 * read once at plan time (aws_eks_cluster_auth) expires after 14 minutes, shorter than a first
 * platform apply with its chain of waiting Helm releases.
 */
export function eksTokenCommand(clusterName: string, region: string) {
  return {
    apiVersion: EXEC_CREDENTIAL_API_VERSION,
    command: "aws",
    args: ["eks", "get-token", "--cluster-name", clusterName, "--region", region, "--output", "json"],
  };
}

export interface ClusterAccessProps {
  /** Name of an EKS cluster that a stack deployed earlier created. */
  readonly clusterName: string;
  /** Region of the cluster. */
  readonly region: string;
  /**
   * Whether to configure a helm provider too. A stack that releases no chart (the mesh links)
   * leaves it out, so `terraform init` does not install a provider it never uses.
   * @default true
   */
  readonly helm?: boolean;
}

/**
 * The kubernetes and helm providers of a Kubernetes-side stack, connected to an existing EKS
 * cluster found by name. Data sources keyed by a plain name (never a resource of this stack, never
 * a cross-stack reference to the cluster resource) let Terraform configure the providers at plan
 * time; a provider built from a resource still to be created makes the plan fail.
 */
export class ClusterAccess extends Construct {
  /** VPC of the cluster, as EKS reports it. */
  public readonly vpcId: string;
  /** https URL of the cluster's API server. */
  public readonly endpoint: string;
  /** The API server's CA, base64-encoded PEM, as EKS reports it. */
  public readonly certificateAuthorityData: string;
  /** Who may reach the public API endpoint (read at plan time): every cluster's NAT addresses plus apiAllowedCidrs. */
  public readonly publicAccessCidrs: string[];
  public readonly kubernetesProvider: KubernetesProvider;
  /** Undefined when the stack asked for no helm provider. */
  public readonly helmProvider?: HelmProvider;

  constructor(scope: Construct, id: string, props: ClusterAccessProps) {
    super(scope, id);
    const cluster = new DataAwsEksCluster(this, "cluster", { name: props.clusterName });
    this.endpoint = cluster.endpoint;
    this.certificateAuthorityData = cluster.certificateAuthority.get(0).data;
    const connection = {
      host: this.endpoint,
      clusterCaCertificate: Fn.base64decode(this.certificateAuthorityData),
    };
    const exec = eksTokenCommand(props.clusterName, props.region);
    this.kubernetesProvider = new KubernetesProvider(this, "kubernetes", { ...connection, exec: [exec] });
    if (props.helm ?? true) {
      this.helmProvider = new HelmProvider(this, "helm", { kubernetes: { ...connection, exec } });
    }
    this.vpcId = cluster.vpcConfig.get(0).vpcId;
    this.publicAccessCidrs = cluster.vpcConfig.get(0).publicAccessCidrs;
  }
}

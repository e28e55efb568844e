import { Construct } from "constructs";
import { Fn } from "cdktf";
import { DataAwsEksCluster } from "@cdktf/provider-aws/lib/data-aws-eks-cluster";
import { DataAwsEksClusterAuth } from "@cdktf/provider-aws/lib/data-aws-eks-cluster-auth";
import { HelmProvider } from "@cdktf/provider-helm/lib/provider";
import { KubernetesProvider } from "@cdktf/provider-kubernetes/lib/provider";

export interface ClusterAccessProps {
  /** Name of an EKS cluster that a stack deployed earlier created. */
  readonly clusterName: string;
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
    // A short-lived token read at plan time, so nothing but the AWS provider's credentials is needed to deploy.
    const auth = new DataAwsEksClusterAuth(this, "auth", { name: props.clusterName });
    this.endpoint = cluster.endpoint;
    this.certificateAuthorityData = cluster.certificateAuthority.get(0).data;
    const connection = {
      host: this.endpoint,
      clusterCaCertificate: Fn.base64decode(this.certificateAuthorityData),
      token: auth.token,
    };
    this.kubernetesProvider = new KubernetesProvider(this, "kubernetes", connection);
    if (props.helm ?? true) this.helmProvider = new HelmProvider(this, "helm", { kubernetes: connection });
    this.vpcId = cluster.vpcConfig.get(0).vpcId;
    this.publicAccessCidrs = cluster.vpcConfig.get(0).publicAccessCidrs;
  }
}

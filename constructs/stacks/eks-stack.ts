import { Construct } from "constructs";
import { TerraformOutput } from "cdktf";
import type { ClusterSpec } from "../../config/spec";
import { addManagedAddons, NODE_PREREQUISITE_ADDONS, WORKLOAD_ADDONS } from "../cluster/eks-addons";
import { EksCluster } from "../cluster/eks-cluster";
import { ManagedNodeGroup } from "../cluster/node-group";
import { WebhookAccess } from "../cluster/webhook-access";
import { MeshStack, MeshStackProps } from "./stack-base";

export interface EksStackProps extends MeshStackProps {
  readonly cluster: ClusterSpec;
  readonly privateSubnetIds: string[];
  /** Every source the public API endpoint admits: all clusters' NAT addresses plus the configured ranges. */
  readonly apiAllowedCidrs: string[];
  readonly admins: readonly string[];
}

/** A cluster's control plane, nodes and core add-ons. */
export class EksStack extends MeshStack {
  public readonly cluster: EksCluster;

  constructor(scope: Construct, id: string, props: EksStackProps) {
    super(scope, id, props);
    const { cluster: spec } = props;
    this.cluster = new EksCluster(this, "eks", {
      clusterName: spec.name,
      kubernetesVersion: spec.kubernetesVersion,
      subnetIds: props.privateSubnetIds,
      publicAccessCidrs: props.apiAllowedCidrs,
      adminPrincipalArns: props.admins,
    });
    new WebhookAccess(this, "webhook-access", { clusterSecurityGroupId: this.cluster.clusterSecurityGroupId });
    // An upgrade runs in this order: the control plane, the add-ons nodes need (their versions
    // are looked up for the version the control plane now runs), the nodes, then CoreDNS, which
    // runs on them. Each step waits for the previous one through references and depends_on.
    const addons = {
      clusterName: this.cluster.name,
      kubernetesVersion: this.cluster.version,
      pinnedVersions: spec.addonVersions,
    };
    const prerequisites = addManagedAddons(this, { ...addons, addonNames: NODE_PREREQUISITE_ADDONS });
    const nodes = new ManagedNodeGroup(this, "nodes", {
      clusterName: this.cluster.name,
      kubernetesVersion: this.cluster.version,
      subnetIds: props.privateSubnetIds,
      nodes: spec.nodes,
      dependsOn: prerequisites,
    });
    addManagedAddons(this, { ...addons, addonNames: WORKLOAD_ADDONS, dependsOn: [nodes.nodeGroup] });

    new TerraformOutput(this, "cluster_name", { value: this.cluster.name });
    new TerraformOutput(this, "cluster_endpoint", { value: this.cluster.endpoint });
    new TerraformOutput(this, "cluster_certificate_authority_data", { value: this.cluster.certificateAuthorityData });
    new TerraformOutput(this, "cluster_security_group_id", { value: this.cluster.clusterSecurityGroupId });
  }
}

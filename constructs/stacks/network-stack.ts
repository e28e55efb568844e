import { Construct } from "constructs";
import { TerraformOutput } from "cdktf";
import type { ClusterSpec } from "../../config/spec";
import { ClusterVpc } from "../network/vpc";
import { PROJECT_DIR_FROM_STACK } from "../names";
import { CaPresenceCheck } from "../trust/ca-presence-check";
import { MeshStack, MeshStackProps } from "./stack-base";

export interface NetworkStackProps extends MeshStackProps {
  readonly cluster: ClusterSpec;
  /** The mesh CA, checked at plan time before anything of the mesh exists. */
  readonly ca: { readonly directory: string; readonly clusterNames: readonly string[] };
}

/**
 * A cluster's VPC in a stack of its own, ahead of every cluster stack: each API endpoint must
 * admit every cluster's NAT addresses, which exist only once all networks do.
 */
export class NetworkStack extends MeshStack {
  public readonly vpc: ClusterVpc;

  constructor(scope: Construct, id: string, props: NetworkStackProps) {
    super(scope, id, props);
    const { cluster } = props;
    // Every cluster's files, in every network stack: the first stage runs in parallel, and no
    // network should be built while any cluster's CA is missing.
    new CaPresenceCheck(this, "ca-check", {
      caDirectory: props.ca.directory,
      clusterNames: props.ca.clusterNames,
      projectDirectory: props.projectDirectory ?? PROJECT_DIR_FROM_STACK,
    });
    this.vpc = new ClusterVpc(this, "vpc", {
      clusterName: cluster.name,
      cidr: cluster.vpcCidr,
      privateSubnetCidrs: cluster.privateSubnetCidrs,
      publicSubnetCidrs: cluster.publicSubnetCidrs,
      natGateways: cluster.natGateways,
    });
    new TerraformOutput(this, "vpc_id", { value: this.vpc.vpcId });
    new TerraformOutput(this, "nat_cidrs", {
      value: this.vpc.natCidrs,
      description: "NAT gateway addresses other clusters admit",
    });
  }
}

import { Construct } from "constructs";
import { TerraformOutput } from "cdktf";
import type { ClusterSpec } from "../../config/spec";
import { ClusterVpc } from "../network/vpc";
import { MeshStack, MeshStackProps } from "./stack-base";

export interface NetworkStackProps extends MeshStackProps {
  readonly cluster: ClusterSpec;
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

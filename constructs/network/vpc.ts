import { Construct } from "constructs";
import { Fn } from "cdktf";
import { DataAwsAvailabilityZones } from "@cdktf/provider-aws/lib/data-aws-availability-zones";
import { Eip } from "@cdktf/provider-aws/lib/eip";
import { InternetGateway } from "@cdktf/provider-aws/lib/internet-gateway";
import { NatGateway } from "@cdktf/provider-aws/lib/nat-gateway";
import { Route } from "@cdktf/provider-aws/lib/route";
import { RouteTable } from "@cdktf/provider-aws/lib/route-table";
import { RouteTableAssociation } from "@cdktf/provider-aws/lib/route-table-association";
import { Subnet } from "@cdktf/provider-aws/lib/subnet";
import { Vpc } from "@cdktf/provider-aws/lib/vpc";

export interface ClusterVpcProps {
  /** EKS cluster name: subnets are tagged for it so load balancers find them. */
  readonly clusterName: string;
  readonly cidr: string;
  /** One CIDR per zone, in zone order. */
  readonly privateSubnetCidrs: readonly string[];
  /** One CIDR per zone, in zone order; same length as privateSubnetCidrs. */
  readonly publicSubnetCidrs: readonly string[];
  /**
   * "perZone" gives every zone its own NAT gateway, so a zone outage cannot cut the others' egress.
   * @default "perZone"
   */
  readonly natGateways?: "perZone" | "single";
}

const IPV4_ANYWHERE = "0.0.0.0/0";

/**
 * Zones, by zone ID, where EKS refuses cluster subnets (UnsupportedAvailabilityZoneException).
 * Zone IDs, unlike zone names, are the same in every account. Source: the EKS User Guide, "View
 * Amazon EKS networking requirements for VPC and subnets"
 * (https://docs.aws.amazon.com/eks/latest/userguide/network-reqs.html), and eksctl's list of zones
 * to avoid; cnn1-az4 (cn-north-1) is left out, as the config accepts commercial regions only.
 */
export const EKS_UNSUPPORTED_ZONE_IDS = ["use1-az3", "usw1-az2", "cac1-az3"];

/**
 * A cluster's network: public subnets for load balancers and NAT, private subnets for nodes and
 * pods, and NAT gateways whose Elastic IPs are the cluster's identity to the other clusters.
 */
export class ClusterVpc extends Construct {
  public readonly vpcId: string;
  public readonly privateSubnetIds: string[];
  public readonly publicSubnetIds: string[];
  /** The NAT gateways' public addresses as /32 CIDRs: what other clusters must admit. */
  public readonly natCidrs: string[];

  constructor(scope: Construct, id: string, props: ClusterVpcProps) {
    super(scope, id);
    if (props.privateSubnetCidrs.length !== props.publicSubnetCidrs.length) {
      throw new Error(
        `ClusterVpc ${props.clusterName}: privateSubnetCidrs and publicSubnetCidrs must list one CIDR per zone each`,
      );
    }
    const natPerZone = (props.natGateways ?? "perZone") === "perZone";
    // Subnet N goes to the Nth zone of this list, so the list must not change while the VPC lives:
    // no filter on zone state (an impaired zone dropping out would move every later subnet to
    // another zone, replacing it), only on what never changes. The provider sorts the list by name,
    // and a zone the region gains later takes the next letter, so it sorts after the existing ones.
    const zones = new DataAwsAvailabilityZones(this, "zones", {
      // Local and Wavelength zones lack EKS and NAT gateways.
      filter: [{ name: "opt-in-status", values: ["opt-in-not-required"] }],
      excludeZoneIds: EKS_UNSUPPORTED_ZONE_IDS,
      lifecycle: {
        // element() wraps around a short list: without this, two subnets would share a zone.
        postcondition: [
          {
            condition: `\${length(self.names) >= ${props.privateSubnetCidrs.length}}`,
            errorMessage: `cluster ${props.clusterName} asks for ${props.privateSubnetCidrs.length} availability zones, more than its region has where EKS runs: ask for fewer`,
          },
        ],
      },
    });
    const clusterTag = { [`kubernetes.io/cluster/${props.clusterName}`]: "shared" };

    const vpc = new Vpc(this, "vpc", {
      cidrBlock: props.cidr,
      enableDnsHostnames: true,
      enableDnsSupport: true,
      tags: { Name: props.clusterName },
    });
    const internetGateway = new InternetGateway(this, "internet-gateway", {
      vpcId: vpc.id,
      tags: { Name: props.clusterName },
    });
    const publicRoutes = new RouteTable(this, "public-routes", {
      vpcId: vpc.id,
      tags: { Name: `${props.clusterName}-public` },
    });
    new Route(this, "public-default-route", {
      routeTableId: publicRoutes.id,
      destinationCidrBlock: IPV4_ANYWHERE,
      gatewayId: internetGateway.id,
    });

    const zoneNumbers = props.privateSubnetCidrs.map((_, index) => index + 1);
    const publicSubnets = zoneNumbers.map((zone) => {
      const subnet = new Subnet(this, `public-zone${zone}`, {
        vpcId: vpc.id,
        cidrBlock: props.publicSubnetCidrs[zone - 1],
        availabilityZone: Fn.element(zones.names, zone - 1),
        tags: { Name: `${props.clusterName}-public-zone${zone}`, "kubernetes.io/role/elb": "1", ...clusterTag },
      });
      new RouteTableAssociation(this, `public-zone${zone}-routes`, {
        subnetId: subnet.id,
        routeTableId: publicRoutes.id,
      });
      return subnet;
    });

    const natGateways = (natPerZone ? zoneNumbers : [1]).map((zone) => {
      const address = new Eip(this, `nat-zone${zone}-address`, {
        domain: "vpc",
        tags: { Name: `${props.clusterName}-nat-zone${zone}` },
      });
      return {
        address,
        gateway: new NatGateway(this, `nat-zone${zone}`, {
          allocationId: address.allocationId,
          subnetId: publicSubnets[zone - 1].id,
          tags: { Name: `${props.clusterName}-zone${zone}` },
          dependsOn: [internetGateway],
        }),
      };
    });

    const privateSubnets = zoneNumbers.map((zone) => {
      const subnet = new Subnet(this, `private-zone${zone}`, {
        vpcId: vpc.id,
        cidrBlock: props.privateSubnetCidrs[zone - 1],
        availabilityZone: Fn.element(zones.names, zone - 1),
        tags: {
          Name: `${props.clusterName}-private-zone${zone}`,
          "kubernetes.io/role/internal-elb": "1",
          ...clusterTag,
        },
      });
      const routes = new RouteTable(this, `private-zone${zone}-routes`, {
        vpcId: vpc.id,
        tags: { Name: `${props.clusterName}-private-zone${zone}` },
      });
      new Route(this, `private-zone${zone}-default-route`, {
        routeTableId: routes.id,
        destinationCidrBlock: IPV4_ANYWHERE,
        natGatewayId: natGateways[natPerZone ? zone - 1 : 0].gateway.id,
      });
      new RouteTableAssociation(this, `private-zone${zone}-routes-association`, {
        subnetId: subnet.id,
        routeTableId: routes.id,
      });
      return subnet;
    });

    this.vpcId = vpc.id;
    this.publicSubnetIds = publicSubnets.map((subnet) => subnet.id);
    this.privateSubnetIds = privateSubnets.map((subnet) => subnet.id);
    this.natCidrs = natGateways.map(({ address }) => `${address.publicIp}/32`);
  }
}

import { Construct } from "constructs";
import { EksNodeGroup } from "@cdktf/provider-aws/lib/eks-node-group";
import { LaunchTemplate } from "@cdktf/provider-aws/lib/launch-template";
import { ITerraformDependable, Token } from "cdktf";
import type { NodeGroupSpec } from "../config/spec";
import { ServiceRole, managedPolicyArn } from "./service-role";

/** Root device of the AL2023 and Bottlerocket EKS AMIs' OS volume. */
const ROOT_DEVICE = { AL2023: "/dev/xvda", BOTTLEROCKET: "/dev/xvdb" } as const;

export const NODE_ROLE_POLICIES = [
  "AmazonEKSWorkerNodePolicy",
  "AmazonEC2ContainerRegistryPullOnly",
  "AmazonEKS_CNI_Policy",
];

export interface ManagedNodeGroupProps {
  readonly clusterName: string;
  /** Private subnets only: nodes get no public address. */
  readonly subnetIds: string[];
  readonly nodes: NodeGroupSpec;
  /** Resources the nodes must wait for (the VPC CNI add-on, or they never become Ready). */
  readonly dependsOn?: ITerraformDependable[];
}

/**
 * A managed node group hardened through its launch template: IMDSv2 only with one hop (pods get
 * AWS credentials through Pod Identity, never the node's role), encrypted gp3 root volumes, no SSH.
 */
export class ManagedNodeGroup extends Construct {
  public readonly nodeGroup: EksNodeGroup;

  constructor(scope: Construct, id: string, props: ManagedNodeGroupProps) {
    super(scope, id);
    const role = new ServiceRole(this, "node-role", {
      roleName: `${props.clusterName}-eks-node`,
      servicePrincipal: "ec2.amazonaws.com",
      managedPolicyArns: NODE_ROLE_POLICIES.map(managedPolicyArn),
    });
    const rootDevice = props.nodes.amiType.startsWith("BOTTLEROCKET") ? ROOT_DEVICE.BOTTLEROCKET : ROOT_DEVICE.AL2023;
    const launchTemplate = new LaunchTemplate(this, "launch-template", {
      namePrefix: `${props.clusterName}-node-`,
      description: `Nodes of EKS cluster ${props.clusterName}`,
      updateDefaultVersion: true,
      metadataOptions: { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1 },
      blockDeviceMappings: [
        {
          deviceName: rootDevice,
          ebs: {
            volumeSize: props.nodes.diskSizeGiB,
            volumeType: "gp3",
            encrypted: "true",
            deleteOnTermination: "true",
          },
        },
      ],
      tagSpecifications: [
        { resourceType: "instance", tags: { Name: `${props.clusterName}-node` } },
        { resourceType: "volume", tags: { Name: `${props.clusterName}-node` } },
      ],
    });
    this.nodeGroup = new EksNodeGroup(this, "node-group", {
      clusterName: props.clusterName,
      nodeGroupNamePrefix: `${props.clusterName}-`,
      nodeRoleArn: role.arn,
      subnetIds: props.subnetIds,
      amiType: props.nodes.amiType,
      capacityType: "ON_DEMAND",
      instanceTypes: [...props.nodes.instanceTypes],
      scalingConfig: {
        minSize: props.nodes.minSize,
        desiredSize: props.nodes.desiredSize,
        maxSize: props.nodes.maxSize,
      },
      updateConfig: { maxUnavailable: 1 },
      launchTemplate: { id: launchTemplate.id, version: Token.asString(launchTemplate.latestVersion) },
      lifecycle: { createBeforeDestroy: true, ignoreChanges: ["scaling_config[0].desired_size"] },
      dependsOn: [...role.attachments, ...(props.dependsOn ?? [])],
    });
  }
}

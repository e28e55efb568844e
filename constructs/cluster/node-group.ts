import { Construct } from "constructs";
import { EksNodeGroup } from "@cdktf/provider-aws/lib/eks-node-group";
import { LaunchTemplate } from "@cdktf/provider-aws/lib/launch-template";
import { ITerraformDependable, Token } from "cdktf";
import type { NodeGroupSpec } from "../../config/spec";
import { ServiceRole, managedPolicyArn } from "./service-role";

/** The OS volume of every EKS AMI: AL2023's one volume, Bottlerocket's first of two. */
const OS_DEVICE = "/dev/xvda";
/** Bottlerocket's data volume: container images, logs and everything else the node writes. */
const BOTTLEROCKET_DATA_DEVICE = "/dev/xvdb";
/**
 * Size of Bottlerocket's OS volume, which holds only the two read-only OS partition sets (active
 * and update). The standard variants' OS image is 2 GiB, the NVIDIA variants' 4 GiB; EC2 refuses
 * a volume smaller than the AMI's snapshot, so 4 GiB fits either at a few cents a month.
 */
export const BOTTLEROCKET_OS_VOLUME_GIB = 4;

export const NODE_ROLE_POLICIES = [
  "AmazonEKSWorkerNodePolicy",
  "AmazonEC2ContainerRegistryPullOnly",
  "AmazonEKS_CNI_Policy",
];

export interface ManagedNodeGroupProps {
  readonly clusterName: string;
  /**
   * The control plane's Kubernetes version (a reference to it): the nodes follow it, after the
   * control plane and the add-ons they need. Without it a node group keeps the version it was
   * created with, and raising the cluster's version would leave the nodes behind.
   */
  readonly kubernetesVersion: string;
  /** Private subnets only: nodes get no public address. */
  readonly subnetIds: string[];
  readonly nodes: NodeGroupSpec;
  /**
   * Resources the nodes must wait for (the VPC CNI add-on, or they never become Ready).
   * @default []
   */
  readonly dependsOn?: ITerraformDependable[];
}

/**
 * A managed node group hardened through its launch template: IMDSv2 only with one hop (pods get
 * AWS credentials through Pod Identity, never the node's role), every volume encrypted gp3, no SSH.
 * AL2023 nodes have one volume of `nodes.diskSizeGiB`; Bottlerocket nodes have a small OS volume
 * and a data volume of `nodes.diskSizeGiB`, both mapped here so neither keeps the AMI's settings.
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
    const volume = (deviceName: string, volumeSize: number) => ({
      deviceName,
      ebs: { volumeSize, volumeType: "gp3", encrypted: "true", deleteOnTermination: "true" },
    });
    const volumes = props.nodes.amiType.startsWith("BOTTLEROCKET")
      ? [volume(OS_DEVICE, BOTTLEROCKET_OS_VOLUME_GIB), volume(BOTTLEROCKET_DATA_DEVICE, props.nodes.diskSizeGiB)]
      : [volume(OS_DEVICE, props.nodes.diskSizeGiB)];
    const launchTemplate = new LaunchTemplate(this, "launch-template", {
      namePrefix: `${props.clusterName}-node-`,
      description: `Nodes of EKS cluster ${props.clusterName}`,
      updateDefaultVersion: true,
      metadataOptions: { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1 },
      blockDeviceMappings: volumes,
      tagSpecifications: [
        { resourceType: "instance", tags: { Name: `${props.clusterName}-node` } },
        { resourceType: "volume", tags: { Name: `${props.clusterName}-node` } },
      ],
    });
    this.nodeGroup = new EksNodeGroup(this, "node-group", {
      clusterName: props.clusterName,
      nodeGroupNamePrefix: `${props.clusterName}-`,
      version: props.kubernetesVersion,
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

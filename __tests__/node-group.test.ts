import { Testing } from "cdktf";
import { ManagedNodeGroup } from "../constructs/cluster/node-group";
import type { NodeGroupSpec } from "../config/spec";
import { resourcesOf, StackJson } from "./helpers/synth";

const nodes = (amiType: string): NodeGroupSpec => ({
  instanceTypes: ["m7i.large"],
  minSize: 2,
  desiredSize: 3,
  maxSize: 6,
  diskSizeGiB: 80,
  amiType,
});

/** The launch template's block device mappings of one node group per AMI type, from a single synth. */
const synthesized: StackJson = JSON.parse(
  Testing.synthScope((scope) => {
    for (const amiType of ["AL2023_x86_64_STANDARD", "BOTTLEROCKET_ARM_64"]) {
      new ManagedNodeGroup(scope, amiType, {
        clusterName: amiType.toLowerCase(),
        kubernetesVersion: "1.35",
        subnetIds: [],
        nodes: nodes(amiType),
      });
    }
  }),
);
const volumesOf = (amiType: string) =>
  Object.values(resourcesOf(synthesized, "aws_launch_template")).find((template) =>
    template.name_prefix.startsWith(amiType.toLowerCase()),
  )?.block_device_mappings;

const encryptedGp3 = (size: number) => ({
  volume_size: size,
  volume_type: "gp3",
  encrypted: "true",
  delete_on_termination: "true",
});

describe("ManagedNodeGroup volumes", () => {
  it("gives AL2023 nodes one encrypted gp3 volume, the OS volume, of the configured size", () => {
    expect(volumesOf("AL2023_x86_64_STANDARD")).toEqual([{ device_name: "/dev/xvda", ebs: encryptedGp3(80) }]);
  });

  it("encrypts both Bottlerocket volumes: a 4 GiB OS volume and the data volume of the configured size", () => {
    // 4 GiB is Bottlerocket's largest OS image (the NVIDIA variants); EC2 refuses a smaller volume than the AMI's snapshot.
    expect(volumesOf("BOTTLEROCKET_ARM_64")).toEqual([
      { device_name: "/dev/xvda", ebs: encryptedGp3(4) },
      { device_name: "/dev/xvdb", ebs: encryptedGp3(80) },
    ]);
  });
});

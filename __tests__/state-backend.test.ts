import { validateMeshConfig } from "../config/load";
import { dataOf, synthMesh } from "./helpers/synth";

const config = {
  meshId: "mesh1",
  apiAllowedCidrs: ["203.0.113.0/24"],
  state: { s3: { bucket: "acme-terraform-state", region: "eu-west-1", keyPrefix: "meshes/prod" } },
  clusters: [
    { name: "cluster1", region: "us-west-2", vpcCidr: "10.10.0.0/16" },
    { name: "cluster2", region: "us-east-2", vpcCidr: "10.20.0.0/16" },
  ],
};
const stacks = synthMesh(validateMeshConfig(config, "test").spec);

describe("remote state in S3", () => {
  it("gives every stack its own encrypted, natively locked state object under the key prefix", () => {
    for (const [name, stack] of Object.entries(stacks)) {
      expect(stack.terraform.backend).toEqual({
        s3: {
          bucket: "acme-terraform-state",
          region: "eu-west-1",
          key: `meshes/prod/${name}.tfstate`,
          encrypt: true,
          use_lockfile: true,
        },
      });
    }
  });

  it("reads other stacks' outputs from the same bucket", () => {
    const remoteStates = Object.values(stacks).flatMap((stack) =>
      Object.values(dataOf(stack, "terraform_remote_state")),
    );
    expect(remoteStates.length).toBeGreaterThan(0);
    for (const remote of remoteStates) {
      expect(remote.backend).toBe("s3");
      expect(remote.config).toMatchObject({ bucket: "acme-terraform-state", region: "eu-west-1", encrypt: true });
      expect(remote.config.key).toMatch(/^meshes\/prod\/cluster[12]-[a-z-]+\.tfstate$/);
      expect(remote.config.key.replace(/^meshes\/prod\/|\.tfstate$/g, "") in stacks).toBe(true);
    }
  });
});

import { readFileSync } from "node:fs";
import * as path from "node:path";
import { Namespace } from "@cdktf/provider-kubernetes/lib/namespace";
import { loadMeshConfig } from "../config/load";
import { MeshStack, MINIMUM_TERRAFORM_VERSION } from "../constructs/stacks/stack-base";
import { remoteStateName } from "./helpers/cdktf-names";
import { example, resourcesOf, dataOf, PROJECT_DIR, synthApp, synthWith, StackJson } from "./helpers/synth";

const { spec } = loadMeshConfig(example("three-regions.yaml"));
const { stacks, manifest } = synthApp(spec);
const only = <T>(record: Record<string, T>): T => {
  const values = Object.values(record);
  expect(values).toHaveLength(1);
  return values[0];
};
const networkStack = (name: string): StackJson => stacks[`${name}-network`];
const eksStack = (name: string): StackJson => stacks[`${name}-eks`];

describe.each(spec.clusters.map((cluster) => [cluster.name, cluster] as const))(
  "cluster %s, AWS side",
  (name, cluster) => {
    it("has its own VPC with the configured CIDR, in its own region", () => {
      expect(only(resourcesOf(networkStack(name), "aws_vpc")).cidr_block).toBe(cluster.vpcCidr);
      for (const stack of [networkStack(name), eksStack(name)]) {
        expect(stack.provider.aws.map((provider: StackJson) => provider.region)).toEqual([cluster.region]);
      }
    });

    it("spreads tagged public and private subnets over the configured zones, inside the VPC", () => {
      const subnets = Object.values(resourcesOf(networkStack(name), "aws_subnet"));
      const publicSubnets = subnets.filter((subnet) => subnet.tags["kubernetes.io/role/elb"] === "1");
      const privateSubnets = subnets.filter((subnet) => subnet.tags["kubernetes.io/role/internal-elb"] === "1");
      expect(publicSubnets).toHaveLength(cluster.privateSubnetCidrs.length);
      expect(privateSubnets).toHaveLength(cluster.privateSubnetCidrs.length);
      expect(privateSubnets.map((subnet) => subnet.cidr_block)).toEqual([...cluster.privateSubnetCidrs]);
      expect(publicSubnets.map((subnet) => subnet.cidr_block)).toEqual([...cluster.publicSubnetCidrs]);
      const zones = new Set(privateSubnets.map((subnet) => subnet.availability_zone));
      expect(zones.size).toBe(privateSubnets.length);
    });

    it("places zone N's subnets in the Nth zone of a list that zone health cannot reorder, without zones EKS refuses", () => {
      const [[zonesId, zones]] = Object.entries(dataOf(networkStack(name), "aws_availability_zones"));
      // A state filter would drop an impaired zone and move every later subnet to another zone.
      expect(zones.state).toBeUndefined();
      expect(zones.filter).toEqual([{ name: "opt-in-status", values: ["opt-in-not-required"] }]);
      expect(zones.exclude_zone_ids).toEqual(expect.arrayContaining(["use1-az3", "usw1-az2", "cac1-az3"]));
      const zoneCount = cluster.privateSubnetCidrs.length;
      // element() wraps around: a region with too few zones must fail the plan, not reuse a zone.
      expect(zones.lifecycle.postcondition).toEqual([
        expect.objectContaining({ condition: `\${length(self.names) >= ${zoneCount}}` }),
      ]);
      const subnets = Object.values(resourcesOf(networkStack(name), "aws_subnet"));
      for (let zone = 1; zone <= zoneCount; zone++) {
        const inZone = subnets.filter((subnet) => subnet.tags.Name.endsWith(`-zone${zone}`));
        expect(inZone.map((subnet) => subnet.availability_zone)).toEqual([
          `\${element(data.aws_availability_zones.${zonesId}.names, ${zone - 1})}`,
          `\${element(data.aws_availability_zones.${zonesId}.names, ${zone - 1})}`,
        ]);
      }
    });

    it("routes private subnets through NAT gateways with Elastic IPs", () => {
      const natGateways = Object.values(resourcesOf(networkStack(name), "aws_nat_gateway"));
      const expected = cluster.natGateways === "perZone" ? cluster.privateSubnetCidrs.length : 1;
      expect(natGateways).toHaveLength(expected);
      expect(Object.values(resourcesOf(networkStack(name), "aws_eip"))).toHaveLength(expected);
      const natRoutes = Object.values(resourcesOf(networkStack(name), "aws_route")).filter(
        (route) => route.nat_gateway_id,
      );
      expect(natRoutes).toHaveLength(cluster.privateSubnetCidrs.length);
    });

    it("runs EKS at the configured version with encrypted secrets, full logging and restricted endpoints", () => {
      const eks = only(resourcesOf(eksStack(name), "aws_eks_cluster"));
      expect(eks.name).toBe(name);
      expect(eks.version).toBe(cluster.kubernetesVersion);
      expect(eks.encryption_config.resources).toEqual(["secrets"]);
      expect(eks.encryption_config.provider.key_arn).toMatch(/^\$\{aws_kms_key\..*\.arn\}$/);
      expect(only(resourcesOf(eksStack(name), "aws_kms_key")).enable_key_rotation).toBe(true);
      expect(eks.enabled_cluster_log_types).toEqual(expect.arrayContaining(["api", "audit", "authenticator"]));
      expect(eks.vpc_config.endpoint_private_access).toBe(true);
      expect(eks.vpc_config.public_access_cidrs).not.toContain("0.0.0.0/0");
      expect(eks.access_config).toEqual({
        authentication_mode: "API",
        // The deployer gets an entry Terraform manages instead (admin-entries.test.ts).
        bootstrap_cluster_creator_admin_permissions: false,
      });
    });

    it("admits every cluster's NAT addresses and the configured ranges to its API endpoint", () => {
      const publicCidrs: string[] = only(resourcesOf(eksStack(name), "aws_eks_cluster")).vpc_config.public_access_cidrs;
      expect(publicCidrs).toEqual(expect.arrayContaining([...spec.apiAllowedCidrs]));
      for (const other of spec.clusters) {
        const natCount = other.natGateways === "perZone" ? other.privateSubnetCidrs.length : 1;
        const fromOther = publicCidrs.filter((cidr) => cidr.includes(`${remoteStateName(`${other.name}-network`)}.`));
        expect(fromOther).toHaveLength(natCount);
        fromOther.forEach((cidr) => expect(cidr).toMatch(/public_ip\}\/32$/));
      }
    });

    it("gives nodes IMDSv2 with one hop, encrypted gp3 root volumes and no SSH, in private subnets", () => {
      const template = only(resourcesOf(eksStack(name), "aws_launch_template"));
      expect(template.metadata_options).toMatchObject({ http_tokens: "required", http_put_response_hop_limit: 1 });
      expect(cluster.nodes.amiType).toMatch(/^AL2023_/);
      expect(template.block_device_mappings).toEqual([
        {
          device_name: "/dev/xvda",
          ebs: expect.objectContaining({
            encrypted: "true",
            volume_type: "gp3",
            volume_size: cluster.nodes.diskSizeGiB,
          }),
        },
      ]);
      const nodeGroup = only(resourcesOf(eksStack(name), "aws_eks_node_group"));
      expect(nodeGroup.remote_access).toBeUndefined();
      expect(nodeGroup.launch_template.id).toContain("aws_launch_template.");
      expect(nodeGroup.scaling_config).toEqual({
        min_size: cluster.nodes.minSize,
        desired_size: cluster.nodes.desiredSize,
        max_size: cluster.nodes.maxSize,
      });
      expect(nodeGroup.subnet_ids.every((id: string) => id.includes("_private-zone"))).toBe(true);
    });

    it("installs the core EKS add-ons, with the CNI before the nodes", () => {
      const addons = Object.values(resourcesOf(eksStack(name), "aws_eks_addon"));
      expect(addons.map((addon) => addon.addon_name).sort()).toEqual([
        "coredns",
        "eks-pod-identity-agent",
        "kube-proxy",
        "vpc-cni",
      ]);
      const nodeGroup = only(resourcesOf(eksStack(name), "aws_eks_node_group"));
      expect(nodeGroup.depends_on.some((dependency: string) => dependency.includes("addon-vpc-cni"))).toBe(true);
    });

    it("grants each admin cluster-admin through an access entry", () => {
      // Besides the deployer's own entry, made at plan time from the caller's role.
      const fromConfig = (entry: StackJson) => !String(entry.principal_arn).includes("aws_iam_session_context");
      const entries = Object.values(resourcesOf(eksStack(name), "aws_eks_access_entry")).filter(fromConfig);
      expect(entries.map((entry) => entry.principal_arn).sort()).toEqual([...spec.admins].sort());
      const associations = Object.values(resourcesOf(eksStack(name), "aws_eks_access_policy_association"));
      expect(associations.filter(fromConfig)).toHaveLength(spec.admins.length);
      associations.forEach((association) => {
        expect(association.policy_arn).toBe("arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy");
        expect(association.access_scope).toEqual({ type: "cluster" });
      });
    });

    it("attaches IAM policies one by one, never exclusively", () => {
      expect(resourcesOf(eksStack(name), "aws_iam_policy_attachment")).toEqual({});
      expect(Object.keys(resourcesOf(eksStack(name), "aws_iam_role_policy_attachment")).length).toBeGreaterThanOrEqual(
        4,
      );
    });

    it("outputs what later stacks need", () => {
      expect(Object.keys(networkStack(name).output)).toEqual(expect.arrayContaining(["vpc_id", "nat_cidrs"]));
      expect(Object.keys(eksStack(name).output)).toEqual(
        expect.arrayContaining(["cluster_name", "cluster_endpoint", "cluster_certificate_authority_data"]),
      );
    });
  },
);

describe("the mesh's AWS side as a whole", () => {
  it("carves /19 private subnets from the start of each /16 and /22 public ones from its last /19, one of each per zone", () => {
    const subnetCidrs = (name: string) =>
      Object.entries(resourcesOf(networkStack(name), "aws_subnet"))
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([, subnet]) => subnet.cidr_block);
    expect(subnetCidrs("us-west")).toEqual([
      "10.30.0.0/19",
      "10.30.32.0/19",
      "10.30.64.0/19",
      "10.30.224.0/22",
      "10.30.228.0/22",
      "10.30.232.0/22",
    ]);
    expect(subnetCidrs("ap-southeast")).toEqual(["10.50.0.0/19", "10.50.32.0/19", "10.50.224.0/22", "10.50.228.0/22"]);
  });

  it("orders stacks network -> eks with no cycle and a depth that does not grow with the cluster count", () => {
    const dependencies = Object.fromEntries(
      Object.entries(manifest.stacks).map(([name, stack]) => [name, stack.dependencies]),
    );
    const depth = (name: string, seen: string[] = []): number => {
      expect(seen).not.toContain(name);
      const below = dependencies[name].map((dependency) => depth(dependency, [...seen, name]));
      return 1 + Math.max(0, ...below);
    };
    for (const cluster of spec.clusters) {
      expect(dependencies[`${cluster.name}-network`]).toEqual([]);
      expect(dependencies[`${cluster.name}-eks`].every((dependency) => dependency.endsWith("-network"))).toBe(true);
      expect(depth(`${cluster.name}-eks`)).toBe(2);
    }
  });

  it("keeps local state paths relative in every backend and remote-state block", () => {
    for (const [name, stack] of Object.entries(stacks)) {
      expect(stack.terraform.backend.local.path).toBe(`../../../terraform.${name}.tfstate`);
      for (const remote of Object.values(dataOf(stack, "terraform_remote_state"))) {
        expect(remote.config.path).toMatch(/^\.\.\/\.\.\/\.\.\/terraform\.[a-z0-9-]+\.tfstate$/);
      }
    }
  });
});

describe("what each stack asks of Terraform", () => {
  it("declares the oldest Terraform it runs on, the version the README asks for", () => {
    expect(Object.keys(stacks).length).toBeGreaterThan(0);
    for (const stack of Object.values(stacks)) expect(stack.terraform.required_version).toBe(">= 1.10");
    const readme = readFileSync(path.join(PROJECT_DIR, "README.md"), "utf8");
    expect(readme).toContain(`Prerequisites: Terraform ${MINIMUM_TERRAFORM_VERSION} or later`);
  });

  it("still refuses a resource whose provider the stack does not configure", () => {
    class OneClusterStack extends MeshStack {}
    const build = () =>
      synthWith((app) => {
        const stack = new OneClusterStack(app, "c1-lonely", { meshId: "m", clusterName: "c1", region: "us-west-2" });
        new Namespace(stack, "ns", { metadata: { name: "x" } });
      });
    expect(build).toThrow(/c1-lonely: .*for the following providers: kubernetes/);
  });
});

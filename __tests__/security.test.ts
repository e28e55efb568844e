import { loadMeshConfig } from "../config/load";
import { parse } from "yaml";
import { example, resourcesOf, synthApp, StackJson } from "./helpers/synth";

/**
 * The security policy a review of this program would check, asserted over everything `cdktf
 * synth` writes for a three-cluster mesh with an admin and mixed NAT layouts.
 */
const { spec } = loadMeshConfig(example("three-regions.yaml"));
const { stacks, files } = synthApp(spec);
const allOf = (type: string): [string, StackJson][] =>
  Object.entries(stacks).flatMap(([stackName, stack]) =>
    Object.entries(resourcesOf(stack, type)).map(
      ([id, resource]) => [`${stackName}/${id}`, resource] as [string, StackJson],
    ),
  );
const OPEN_TO_ALL = ["0.0.0.0/0", "::/0"];
const ALB_PORTS = [80, 443];
const natReference =
  /^\$\{data\.terraform_remote_state\.cross-stack-reference-input-[a-z0-9-]+-network\.outputs\.[^}]+public_ip\}\/32$/;
const helmValues = (stack: StackJson, release: string) =>
  parse(Object.values(resourcesOf(stack, "helm_release")).find((r) => r.name === release)!.values[0]);

describe("network exposure", () => {
  it("has no security group rule open to the internet except 80/443 to the ALB", () => {
    const openRules = [
      ...allOf("aws_vpc_security_group_ingress_rule").filter(([, rule]) =>
        OPEN_TO_ALL.includes(rule.cidr_ipv4 ?? rule.cidr_ipv6),
      ),
      ...allOf("aws_security_group_rule").filter(
        ([, rule]) =>
          rule.type === "ingress" && (rule.cidr_blocks ?? []).some((cidr: string) => OPEN_TO_ALL.includes(cidr)),
      ),
      ...allOf("aws_security_group").filter(([, group]) =>
        (group.ingress ?? []).some((rule: StackJson) =>
          (rule.cidr_blocks ?? []).some((cidr: string) => OPEN_TO_ALL.includes(cidr)),
        ),
      ),
    ].filter(([, rule]) => !ALB_PORTS.includes(rule.from_port));
    expect(openRules).toEqual([]);
    expect(JSON.stringify(stacks)).not.toMatch(/"from_port":\s*22\b/);
  });

  it("admits only the mesh's NAT addresses and apiAllowedCidrs to every API endpoint", () => {
    const natCount = spec.clusters.reduce(
      (sum, c) => sum + (c.natGateways === "single" ? 1 : c.privateSubnetCidrs.length),
      0,
    );
    for (const [, cluster] of allOf("aws_eks_cluster")) {
      const cidrs: string[] = cluster.vpc_config.public_access_cidrs;
      expect(cidrs.filter((cidr) => natReference.test(cidr))).toHaveLength(natCount);
      expect(cidrs.filter((cidr) => !natReference.test(cidr))).toEqual([...spec.apiAllowedCidrs]);
    }
  });

  it("admits to every east-west gateway NLB exactly its API endpoint's sources", () => {
    for (const cluster of spec.clusters) {
      const platform = stacks[`${cluster.name}-platform`];
      const release = Object.values(resourcesOf(platform, "helm_release")).find(
        (r) => r.name === "istio-eastwestgateway",
      )!;
      expect(helmValues(platform, "istio-eastwestgateway").service.annotations).toMatchObject({
        "service.beta.kubernetes.io/aws-load-balancer-scheme": "internet-facing",
      });
      // Read at plan time from this cluster's EKS endpoint, whose list the test above pins down.
      const [[dataId, eks]] = Object.entries(platform.data.aws_eks_cluster as Record<string, StackJson>);
      expect(eks.name).toBe(cluster.name);
      expect(release.set_list).toEqual([
        {
          name: "service.loadBalancerSourceRanges",
          value: `\${tolist(data.aws_eks_cluster.${dataId}.vpc_config[0].public_access_cidrs)}`,
        },
      ]);
    }
  });

  it("lets the control plane reach the LB controller's webhook (9443) and istiod's (15017) on the nodes", () => {
    for (const cluster of spec.clusters) {
      const rules = Object.values(resourcesOf(stacks[`${cluster.name}-eks`], "aws_vpc_security_group_ingress_rule"));
      for (const port of [9443, 15017]) {
        const rule = rules.find((r) => r.from_port === port && r.to_port === port);
        expect(rule).toMatchObject({ ip_protocol: "tcp" });
        // Nodes carry the EKS cluster security group (the launch template sets none), as does the control plane.
        expect(rule!.security_group_id).toMatch(/\.vpc_config\[0\]\.cluster_security_group_id\}$/);
        expect(rule!.referenced_security_group_id).toBe(rule!.security_group_id);
      }
      const [template] = Object.values(resourcesOf(stacks[`${cluster.name}-eks`], "aws_launch_template"));
      expect(template.vpc_security_group_ids).toBeUndefined();
    }
  });
});

describe("identity", () => {
  it("creates no IAM users, access keys or exclusive policy attachments", () => {
    for (const type of ["aws_iam_user", "aws_iam_access_key", "aws_iam_user_policy", "aws_iam_policy_attachment"]) {
      expect(allOf(type)).toEqual([]);
    }
  });

  it("lets each role be assumed by exactly one AWS service, never by an account or anyone", () => {
    const roles = allOf("aws_iam_role");
    expect(roles.length).toBeGreaterThan(0);
    for (const [, role] of roles) {
      const statements = JSON.parse(role.assume_role_policy).Statement;
      expect(statements).toHaveLength(1);
      expect(Object.keys(statements[0].Principal)).toEqual(["Service"]);
      expect(["eks.amazonaws.com", "ec2.amazonaws.com", "pods.eks.amazonaws.com"]).toContain(
        statements[0].Principal.Service,
      );
    }
  });

  it("grants no wildcard actions in policies of its own", () => {
    for (const [, policy] of [...allOf("aws_iam_policy"), ...allOf("aws_iam_role_policy")]) {
      const actions = JSON.parse(policy.policy).Statement.flatMap((s: StackJson) => [s.Action].flat());
      expect(actions.filter((action: string) => action === "*" || action.endsWith(":*"))).toEqual([]);
    }
  });

  it("attaches only the managed policies EKS documents for clusters and nodes", () => {
    const managed = allOf("aws_iam_role_policy_attachment")
      .map(([, attachment]) => attachment.policy_arn)
      .filter((arn: string) => arn.startsWith("arn:aws:iam::aws:policy/"));
    expect([...new Set(managed)].sort()).toEqual([
      "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryPullOnly",
      "arn:aws:iam::aws:policy/AmazonEKSClusterPolicy",
      "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy",
      "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy",
    ]);
  });
});

describe("data at rest and on nodes", () => {
  it("rotates every KMS key", () => {
    const keys = allOf("aws_kms_key");
    expect(keys).toHaveLength(spec.clusters.length);
    keys.forEach(([, key]) => expect(key.enable_key_rotation).toBe(true));
  });

  it("requires IMDSv2 with one hop and encrypted volumes on every node, and no SSH access", () => {
    for (const [, template] of allOf("aws_launch_template")) {
      expect(template.metadata_options).toMatchObject({ http_tokens: "required", http_put_response_hop_limit: 1 });
      template.block_device_mappings.forEach((mapping: StackJson) => expect(mapping.ebs.encrypted).toBe("true"));
      expect(template.key_name).toBeUndefined();
    }
    for (const [, nodeGroup] of allOf("aws_eks_node_group")) expect(nodeGroup.remote_access).toBeUndefined();
  });
});

describe("secrets in the synthesized output", () => {
  const everything = Object.values(files).join("\n");

  it("holds no private key, certificate or token", () => {
    expect(everything).not.toMatch(/PRIVATE KEY|BEGIN CERTIFICATE|eyJhbGciOi|k8s-aws-v1\./);
  });

  it("fills every Kubernetes secret from files or references resolved at apply time, never literals", () => {
    for (const [, secret] of allOf("kubernetes_secret_v1")) {
      for (const value of Object.values<string>(secret.data ?? {})) expect(value).toMatch(/^\$\{.+\}$/s);
    }
  });

  it("marks every output that carries a token or key as sensitive", () => {
    for (const stack of Object.values(stacks)) {
      for (const output of Object.values<StackJson>(stack.output ?? {})) {
        if (/\.token\b|kubernetes_secret|ca-key/.test(JSON.stringify(output.value)))
          expect(output.sensitive).toBe(true);
      }
    }
  });
});

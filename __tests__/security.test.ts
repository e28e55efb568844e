import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { validateMeshConfig } from "../config/load";
import { MESH_CHART_DIRECTORY, MESH_MANIFESTS_RELEASE } from "../constructs/istio/mesh-manifests";
import { NAT_ADDRESS_REFERENCE } from "./helpers/cdktf-names";
import { helmTemplate, K8sObject } from "./helpers/helm";
import { example, resourcesOf, synthApp, StackJson } from "./helpers/synth";

/**
 * The security policy a review of this program would check, asserted over everything `cdktf
 * synth` writes for a three-cluster mesh with an admin, mixed NAT layouts and one HTTPS ingress,
 * and over the Kubernetes objects the mesh chart renders from the values each cluster passes it.
 * Every loop asserts it ran over something: a scan of nothing proves nothing.
 */
const CERTIFICATE_ARN = "arn:aws:acm:us-west-2:111122223333:certificate/0b9e4f6a-1c2d-4e5f-8a9b-0c1d2e3f4a5b";
const raw = parse(readFileSync(example("three-regions.yaml"), "utf8"));
raw.clusters[0].ingress = { certificateArn: CERTIFICATE_ARN };
const { spec } = validateMeshConfig(raw, "three-regions.yaml with a certificate on us-west");
const { stacks, files } = synthApp(spec);
const allOf = (type: string): [string, StackJson][] =>
  Object.entries(stacks).flatMap(([stackName, stack]) =>
    Object.entries(resourcesOf(stack, type)).map(
      ([id, resource]) => [`${stackName}/${id}`, resource] as [string, StackJson],
    ),
  );
/** Fails when a scan would run over nothing. */
const nonEmpty = <T>(items: T[]): T[] => {
  expect(items.length).toBeGreaterThan(0);
  return items;
};
const OPEN_TO_ALL = ["0.0.0.0/0", "::/0"];
const releaseOf = (stack: StackJson, release: string) =>
  Object.values(resourcesOf(stack, "helm_release")).find((r) => r.name === release)!;
const helmValues = (stack: StackJson, release: string) => parse(releaseOf(stack, release).values[0]);
const platformOf = (cluster: string) => stacks[`${cluster}-platform`];
/** The mesh chart's objects for a cluster, rendered by helm with the values its release passes. */
const meshObjects = (cluster: string): K8sObject[] => {
  const release = releaseOf(platformOf(cluster), MESH_MANIFESTS_RELEASE);
  return helmTemplate(MESH_CHART_DIRECTORY, MESH_MANIFESTS_RELEASE, release.namespace, release.values[0]);
};
const rendered = new Map(spec.clusters.map((cluster) => [cluster.name, meshObjects(cluster.name)]));

describe("network exposure", () => {
  it("writes security group rules only as aws_vpc_security_group_ingress_rule, each between security groups, never from a CIDR", () => {
    // A new kind of rule (aws_security_group, aws_security_group_rule, egress) must be added to this scan first.
    const securityGroupTypes = Object.values(stacks).flatMap((stack) =>
      Object.keys(stack.resource ?? {}).filter((type) => type.includes("security_group")),
    );
    expect([...new Set(securityGroupTypes)]).toEqual(["aws_vpc_security_group_ingress_rule"]);
    for (const [address, rule] of nonEmpty(allOf("aws_vpc_security_group_ingress_rule"))) {
      expect({ address, cidr: rule.cidr_ipv4 ?? rule.cidr_ipv6 ?? rule.prefix_list_id }).toEqual({
        address,
        cidr: undefined,
      });
      expect(rule.referenced_security_group_id).toMatch(/\.cluster_security_group_id\}$/);
      expect(rule.from_port).not.toBe(22);
    }
  });

  it("opens to the internet only the ALB's 80 (and 443 with a certificate), through one Ingress per cluster", () => {
    for (const cluster of spec.clusters) {
      const ingresses = rendered.get(cluster.name)!.filter((object) => object.kind === "Ingress");
      expect(ingresses).toHaveLength(1);
      const { annotations } = ingresses[0].metadata;
      expect(annotations["alb.ingress.kubernetes.io/scheme"]).toBe("internet-facing");
      // No inbound-cidrs annotation: the controller opens each listener to 0.0.0.0/0, so the listeners are the exposure.
      expect(annotations["alb.ingress.kubernetes.io/inbound-cidrs"]).toBeUndefined();
      expect(JSON.parse(annotations["alb.ingress.kubernetes.io/listen-ports"])).toEqual(
        cluster.ingressCertificateArn ? [{ HTTP: 80 }, { HTTPS: 443 }] : [{ HTTP: 80 }],
      );
    }
    expect(spec.clusters.filter((cluster) => cluster.ingressCertificateArn)).toHaveLength(1);
  });

  it("makes no load balancer but the ALB and the east-west NLB: no other Service of type LoadBalancer or NodePort", () => {
    for (const cluster of spec.clusters) {
      const services = rendered.get(cluster.name)!.filter((object) => object.kind === "Service");
      expect(services.filter((service) => ["LoadBalancer", "NodePort"].includes(service.spec?.type))).toEqual([]);
      const releases = nonEmpty(Object.values(resourcesOf(platformOf(cluster.name), "helm_release")));
      const withLoadBalancer = releases
        .filter((release) => /\btype: (LoadBalancer|NodePort)\b/.test(release.values?.[0] ?? ""))
        .map((release) => release.name);
      expect(withLoadBalancer).toEqual(["istio-eastwestgateway"]);
      expect(helmValues(platformOf(cluster.name), "istio-ingressgateway").service.type).toBe("ClusterIP");
    }
  });

  it("admits only the mesh's NAT addresses and apiAllowedCidrs to every API endpoint", () => {
    const natCount = spec.clusters.reduce(
      (sum, c) => sum + (c.natGateways === "single" ? 1 : c.privateSubnetCidrs.length),
      0,
    );
    const clusters = allOf("aws_eks_cluster");
    expect(clusters).toHaveLength(spec.clusters.length);
    for (const [, cluster] of clusters) {
      const cidrs: string[] = cluster.vpc_config.public_access_cidrs;
      expect(cidrs.filter((cidr) => NAT_ADDRESS_REFERENCE.test(cidr))).toHaveLength(natCount);
      expect(cidrs.filter((cidr) => !NAT_ADDRESS_REFERENCE.test(cidr))).toEqual([...spec.apiAllowedCidrs]);
      expect(cidrs.filter((cidr) => OPEN_TO_ALL.includes(cidr))).toEqual([]);
    }
  });

  it("admits to every east-west gateway NLB exactly its API endpoint's sources", () => {
    for (const cluster of spec.clusters) {
      const platform = platformOf(cluster.name);
      const release = releaseOf(platform, "istio-eastwestgateway");
      const { service } = helmValues(platform, "istio-eastwestgateway");
      expect(service.annotations).toMatchObject({
        "service.beta.kubernetes.io/aws-load-balancer-scheme": "internet-facing",
      });
      // Only set_list fills the source ranges: the values neither open nor empty them.
      expect(service.loadBalancerSourceRanges).toBeUndefined();
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
    for (const [, policy] of nonEmpty([...allOf("aws_iam_policy"), ...allOf("aws_iam_role_policy")])) {
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
    expect(allOf("aws_launch_template")).toHaveLength(spec.clusters.length);
    expect(allOf("aws_eks_node_group")).toHaveLength(spec.clusters.length);
    for (const [, template] of allOf("aws_launch_template")) {
      expect(template.metadata_options).toMatchObject({ http_tokens: "required", http_put_response_hop_limit: 1 });
      nonEmpty<StackJson>(template.block_device_mappings).forEach((mapping: StackJson) =>
        expect(mapping.ebs.encrypted).toBe("true"),
      );
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
    for (const [, secret] of nonEmpty(allOf("kubernetes_secret_v1"))) {
      for (const value of Object.values<string>(secret.data ?? {})) expect(value).toMatch(/^\$\{.+\}$/s);
    }
  });

  it("marks every output that carries a token or key as sensitive, looking through the locals it names", () => {
    /** An output's value with each `local.<name>` it names replaced by that local's expression. */
    const expanded = (stack: StackJson, value: unknown) =>
      JSON.stringify(value).replace(/local\.([\w-]+)/g, (_match, name: string) =>
        JSON.stringify(stack.locals?.[name] ?? ""),
      );
    const carriesSecret = Object.values(stacks).flatMap((stack) =>
      Object.entries<StackJson>(stack.output ?? {})
        .filter(([, output]) => /\.token\b|kubernetes_secret|ca-key/.test(expanded(stack, output.value)))
        .map(([name, output]) => ({ name, sensitive: output.sensitive })),
    );
    // Each platform stack hands its reader-token kubeconfig to the other clusters' links stacks.
    expect(carriesSecret).toHaveLength(spec.clusters.length);
    carriesSecret.forEach((output) => expect(output).toEqual({ name: output.name, sensitive: true }));
  });
});

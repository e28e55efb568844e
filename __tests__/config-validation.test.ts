import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { JsonSchemaNode, meshConfigJsonSchema } from "../config/json-schema";
import { loadMeshConfig, validateMeshConfig } from "../config/load";
import { ConfigError, formatProblem } from "../config/problems";

/** A valid two-cluster config; every case below breaks exactly one thing in a fresh copy. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Config = Record<string, any>;
const validConfig = (): Config => ({
  meshId: "mesh1",
  apiAllowedCidrs: ["203.0.113.0/24"],
  clusters: [
    { name: "cluster1", region: "us-west-2", vpcCidr: "10.10.0.0/16" },
    { name: "cluster2", region: "us-east-2", vpcCidr: "10.20.0.0/16" },
  ],
});

/** A day on which the default Kubernetes version is more than 90 days from the end of its EKS standard support. */
const BEFORE_ANY_SUPPORT_WARNING = new Date("2026-12-01T12:00:00Z");

const CERTIFICATE_ID = "12345678-1234-1234-1234-123456789012";

/** Runs `validate` and returns the problems it reports, failing the test when it accepts the input. */
function problemsOf(validate: () => unknown): string[] {
  try {
    validate();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    expect(error.message.split("\n")).toEqual([
      `${error.source} is not valid:`,
      ...error.problems.map((p) => `  ${formatProblem(p)}`),
    ]);
    return error.problems.map(formatProblem);
  }
  throw new Error("the config was accepted");
}

interface BadInput {
  /** What is wrong, as the test name. */
  readonly name: string;
  readonly edit: (config: Config) => void;
  /** Field path the message must start with. */
  readonly path: string;
  /** The offending value as the message quotes it (JSON); omitted for missing and unknown keys. */
  readonly value?: unknown;
  /** A fragment of the fix the message must give. */
  readonly fix: string;
}

const cluster = (config: Config, index: number) => config.clusters[index];

const BAD_DATA: readonly BadInput[] = [
  // Unknown keys, at every level, with the right spelling suggested.
  {
    name: "meshID instead of meshId",
    edit: (c) => ((c.meshID = c.meshId), delete c.meshId),
    path: "meshID",
    fix: 'did you mean "meshId"?',
  },
  {
    name: "an unknown top-level key far from any known one",
    edit: (c) => (c.colour = "blue"),
    path: "colour",
    fix: "known settings are meshId, clusters",
  },
  {
    name: "vpcCIDR in a cluster",
    edit: (c) => ((cluster(c, 1).vpcCIDR = "10.30.0.0/16"), delete cluster(c, 1).vpcCidr),
    path: "clusters[1].vpcCIDR",
    fix: 'did you mean "vpcCidr"?',
  },
  {
    name: "minsize in nodes",
    edit: (c) => (cluster(c, 0).nodes = { minsize: 1 }),
    path: "clusters[0].nodes.minsize",
    fix: 'did you mean "minSize"?',
  },
  {
    name: "certArn in ingress",
    edit: (c) => (cluster(c, 0).ingress = { certArn: "x" }),
    path: "clusters[0].ingress.certArn",
    fix: 'did you mean "certificateArn"?',
  },
  {
    name: "versoin in istio",
    edit: (c) => (c.istio = { versoin: "1.31.0" }),
    path: "istio.versoin",
    fix: 'did you mean "version"?',
  },
  {
    name: "dir in certificateAuthority",
    edit: (c) => (c.certificateAuthority = { dir: "ca" }),
    path: "certificateAuthority.dir",
    fix: 'did you mean "directory"?',
  },
  {
    name: "keyprefix in state.s3",
    edit: (c) => (c.state = { s3: { bucket: "tf-state", region: "us-west-2", keyprefix: "x" } }),
    path: "state.s3.keyprefix",
    fix: 'did you mean "keyPrefix"?',
  },
  {
    name: "istioD in helmValues",
    edit: (c) => (c.helmValues = { istioD: {} }),
    path: "helmValues.istioD",
    fix: 'did you mean "istiod"?',
  },

  // Wrong types, with how to write the right one in YAML.
  {
    name: "clusters as a string",
    edit: (c) => (c.clusters = "cluster1"),
    path: "clusters",
    value: "cluster1",
    fix: "must be a list, not a string",
  },
  {
    name: "a cluster entry left empty",
    edit: (c) => (c.clusters[1] = null),
    path: "clusters[1]",
    value: null,
    fix: "write a value after the colon",
  },
  {
    name: "meshId as a number",
    edit: (c) => (c.meshId = 42),
    path: "meshId",
    value: 42,
    fix: "put the value in quotes",
  },
  {
    name: "availabilityZones quoted",
    edit: (c) => (cluster(c, 0).availabilityZones = "3"),
    path: "clusters[0].availabilityZones",
    value: "3",
    fix: "remove the quotes",
  },
  {
    name: "samples as yes",
    edit: (c) => (c.samples = "yes"),
    path: "samples",
    value: "yes",
    fix: "write true or false",
  },
  {
    name: "apiAllowedCidrs as one string",
    edit: (c) => (c.apiAllowedCidrs = "203.0.113.0/24"),
    path: "apiAllowedCidrs",
    value: "203.0.113.0/24",
    fix: "- item",
  },
  {
    name: "helm values as a string",
    edit: (c) => (cluster(c, 0).helmValues = { istiod: "pilot" }),
    path: "clusters[0].helmValues.istiod",
    value: "pilot",
    fix: "key: value",
  },

  // Required fields, each with an example line to add.
  { name: "no meshId", edit: (c) => delete c.meshId, path: "meshId", fix: "add meshId: mesh1" },
  {
    name: "a cluster without region",
    edit: (c) => delete cluster(c, 0).region,
    path: "clusters[0].region",
    fix: "add region: us-west-2",
  },
  {
    name: "a cluster without vpcCidr",
    edit: (c) => delete cluster(c, 1).vpcCidr,
    path: "clusters[1].vpcCidr",
    fix: "add vpcCidr: 10.10.0.0/16",
  },
  {
    name: "state.s3 without bucket",
    edit: (c) => (c.state = { s3: { region: "us-west-2" } }),
    path: "state.s3.bucket",
    fix: "add bucket:",
  },

  // Clusters, names and networks.
  {
    name: "zero clusters",
    edit: (c) => (c.clusters = []),
    path: "clusters",
    value: [],
    fix: "examples/two-clusters.yaml",
  },
  {
    name: "two clusters with one name",
    edit: (c) => (cluster(c, 1).name = "cluster1"),
    path: "clusters[1].name",
    value: "cluster1",
    fix: "give every cluster its own name",
  },
  {
    name: "a name with uppercase and underscore",
    edit: (c) => (cluster(c, 1).name = "Cluster_2"),
    path: "clusters[1].name",
    value: "Cluster_2",
    fix: "lowercase DNS label",
  },
  {
    name: "a name ending in a hyphen",
    edit: (c) => (cluster(c, 1).name = "cluster-"),
    path: "clusters[1].name",
    value: "cluster-",
    fix: "not ending with '-'",
  },
  {
    name: "a name too long for IAM role names",
    edit: (c) => (cluster(c, 1).name = "c".repeat(33)),
    path: "clusters[1].name",
    value: "c".repeat(33),
    fix: "longer than 32 characters: shorten it",
  },
  {
    name: "a network name too long for a label",
    edit: (c) => (cluster(c, 1).network = "n".repeat(64)),
    path: "clusters[1].network",
    value: "n".repeat(64),
    fix: "shorten it",
  },
  {
    name: "two clusters with one explicit network",
    edit: (c) => c.clusters.forEach((x: Config) => (x.network = "shared")),
    path: "clusters[1].network",
    value: "shared",
    fix: "give every cluster its own network",
  },
  {
    name: "an explicit network equal to another's default",
    edit: (c) => (cluster(c, 1).network = "cluster1-network"),
    path: "clusters[1].network",
    value: "cluster1-network",
    fix: "give every cluster its own network",
  },
  {
    name: "a default network equal to another's explicit one",
    edit: (c) => (cluster(c, 0).network = "cluster2-network"),
    path: "clusters[1].network",
    value: "cluster2-network",
    fix: "give every cluster its own network",
  },

  // VPC CIDRs.
  {
    name: "a CIDR without prefix length",
    edit: (c) => (cluster(c, 1).vpcCidr = "10.20.0.0"),
    path: "clusters[1].vpcCidr",
    value: "10.20.0.0",
    fix: 'like "10.10.0.0/16"',
  },
  {
    name: "a CIDR with an octet above 255",
    edit: (c) => (cluster(c, 1).vpcCidr = "10.300.0.0/16"),
    path: "clusters[1].vpcCidr",
    value: "10.300.0.0/16",
    fix: 'like "10.10.0.0/16"',
  },
  {
    name: "an IPv6 VPC CIDR",
    edit: (c) => (cluster(c, 1).vpcCidr = "fd00::/56"),
    path: "clusters[1].vpcCidr",
    value: "fd00::/56",
    fix: "IPv4 CIDR",
  },
  {
    name: "a CIDR with host bits set",
    edit: (c) => (cluster(c, 1).vpcCidr = "10.20.1.0/16"),
    path: "clusters[1].vpcCidr",
    value: "10.20.1.0/16",
    fix: 'write it as "10.20.0.0/16"',
  },
  {
    name: "a /24 VPC, too small for the subnets",
    edit: (c) => (cluster(c, 1).vpcCidr = "10.20.0.0/24"),
    path: "clusters[1].vpcCidr",
    value: "10.20.0.0/24",
    fix: "use a /16 to /20",
  },
  {
    name: "a /8 VPC, larger than AWS allows",
    edit: (c) => (cluster(c, 1).vpcCidr = "10.0.0.0/8"),
    path: "clusters[1].vpcCidr",
    value: "10.0.0.0/8",
    fix: "use a /16 to /20",
  },
  {
    name: "overlapping VPC CIDRs",
    edit: (c) => (cluster(c, 1).vpcCidr = "10.10.128.0/17"),
    path: "clusters[1].vpcCidr",
    value: "10.10.128.0/17",
    fix: 'overlaps clusters[0].vpcCidr "10.10.0.0/16": give each cluster its own range',
  },
  {
    name: "a public VPC range",
    edit: (c) => (cluster(c, 1).vpcCidr = "8.8.0.0/16"),
    path: "clusters[1].vpcCidr",
    value: "8.8.0.0/16",
    fix: "use one inside 10.0.0.0/8",
  },

  // Regions.
  {
    name: "a region that does not exist",
    edit: (c) => (cluster(c, 1).region = "mars-1"),
    path: "clusters[1].region",
    value: "mars-1",
    fix: 'use one like "us-west-2"',
  },
  {
    name: "an availability zone instead of a region",
    edit: (c) => (cluster(c, 1).region = "us-east-2a"),
    path: "clusters[1].region",
    value: "us-east-2a",
    fix: 'use one like "us-west-2"',
  },
  {
    name: "a GovCloud region",
    edit: (c) => (cluster(c, 1).region = "us-gov-west-1"),
    path: "clusters[1].region",
    value: "us-gov-west-1",
    fix: "another AWS partition",
  },
  {
    name: "a China region",
    edit: (c) => (cluster(c, 1).region = "cn-north-1"),
    path: "clusters[1].region",
    value: "cn-north-1",
    fix: 'use a commercial region such as "us-west-2"',
  },

  // Versions.
  {
    name: "an unsupported Kubernetes version",
    edit: (c) => (cluster(c, 0).kubernetesVersion = "1.29"),
    path: "clusters[0].kubernetesVersion",
    value: "1.29",
    fix: "use one of 1.32, 1.33, 1.34, 1.35, 1.36",
  },
  {
    name: "an unquoted Kubernetes version 1.30 (read as 1.3)",
    edit: (c) => (cluster(c, 0).kubernetesVersion = 1.3),
    path: "clusters[0].kubernetesVersion",
    value: 1.3,
    fix: 'quoted string such as "1.35"',
  },
  {
    name: "an Istio version of an unsupported minor",
    edit: (c) => (c.istio = { version: "1.29.6" }),
    path: "istio.version",
    value: "1.29.6",
    fix: "use 1.30.x or 1.31.x",
  },
  {
    name: "an unquoted Istio version",
    edit: (c) => (c.istio = { version: 1.31 }),
    path: "istio.version",
    value: 1.31,
    fix: "put the value in quotes",
  },

  // Zones and nodes.
  {
    name: "one availability zone",
    edit: (c) => (cluster(c, 0).availabilityZones = 1),
    path: "clusters[0].availabilityZones",
    value: 1,
    fix: "at least 2",
  },
  {
    name: "seven availability zones",
    edit: (c) => (cluster(c, 0).availabilityZones = 7),
    path: "clusters[0].availabilityZones",
    value: 7,
    fix: "at most 6",
  },
  {
    name: "a fractional zone count",
    edit: (c) => (cluster(c, 0).availabilityZones = 2.5),
    path: "clusters[0].availabilityZones",
    value: 2.5,
    fix: "whole number",
  },
  {
    name: "an unknown NAT gateway mode",
    edit: (c) => (cluster(c, 0).natGateways = "one"),
    path: "clusters[0].natGateways",
    value: "one",
    fix: '"perZone"',
  },
  {
    name: "nodes minSize above desiredSize",
    edit: (c) => (cluster(c, 0).nodes = { minSize: 5, desiredSize: 3 }),
    path: "clusters[0].nodes.minSize",
    value: 5,
    fix: "lower minSize or raise desiredSize",
  },
  {
    name: "nodes desiredSize above maxSize",
    edit: (c) => (cluster(c, 0).nodes = { desiredSize: 8 }),
    path: "clusters[0].nodes.desiredSize",
    value: 8,
    fix: "lower desiredSize or raise maxSize",
  },
  {
    name: "nodes maxSize 0",
    edit: (c) => (cluster(c, 0).nodes = { minSize: 0, desiredSize: 1, maxSize: 0 }),
    path: "clusters[0].nodes.maxSize",
    value: 0,
    fix: "at least 1",
  },
  {
    name: "a negative minSize",
    edit: (c) => (cluster(c, 0).nodes = { minSize: -1 }),
    path: "clusters[0].nodes.minSize",
    value: -1,
    fix: "must not be negative",
  },
  {
    name: "an instance type in capitals",
    edit: (c) => (cluster(c, 0).nodes = { instanceTypes: ["M7i.Large"] }),
    path: "clusters[0].nodes.instanceTypes[0]",
    value: "M7i.Large",
    fix: 'like "m7i.large"',
  },
  {
    name: "no instance types",
    edit: (c) => (cluster(c, 0).nodes = { instanceTypes: [] }),
    path: "clusters[0].nodes.instanceTypes",
    value: [],
    fix: "at least one instance type",
  },
  {
    name: "an unknown AMI type",
    edit: (c) => (cluster(c, 0).nodes = { amiType: "AL2_x86_64" }),
    path: "clusters[0].nodes.amiType",
    value: "AL2_x86_64",
    fix: "AL2023_x86_64_STANDARD",
  },
  {
    name: "a 10 GiB node disk",
    edit: (c) => (cluster(c, 0).nodes = { diskSizeGiB: 10 }),
    path: "clusters[0].nodes.diskSizeGiB",
    value: 10,
    fix: "at least 20 GiB",
  },
  {
    name: "an empty kubeContext",
    edit: (c) => (cluster(c, 0).kubeContext = ""),
    path: "clusters[0].kubeContext",
    value: "",
    fix: "remove the line to use the cluster name",
  },

  // Mesh-wide access, certificates and state.
  {
    name: "API access open to the internet",
    edit: (c) => (c.apiAllowedCidrs = ["0.0.0.0/0"]),
    path: "apiAllowedCidrs[0]",
    value: "0.0.0.0/0",
    fix: "list your egress ranges instead",
  },
  {
    name: "no API access ranges",
    edit: (c) => (c.apiAllowedCidrs = []),
    path: "apiAllowedCidrs",
    value: [],
    fix: "your office, VPN or CI egress",
  },
  {
    name: "an allowed CIDR with host bits",
    edit: (c) => (c.apiAllowedCidrs = ["203.0.113.7/24"]),
    path: "apiAllowedCidrs[0]",
    value: "203.0.113.7/24",
    fix: 'write it as "203.0.113.0/24"',
  },
  {
    name: "an admin ARN with a short account id",
    edit: (c) => (c.admins = ["arn:aws:iam::1234:role/admins"]),
    path: "admins[0]",
    value: "arn:aws:iam::1234:role/admins",
    fix: 'like "arn:aws:iam::111122223333:role/platform-admins"',
  },
  {
    name: "an admin given as a role name",
    edit: (c) => (c.admins = ["platform-admins"]),
    path: "admins[0]",
    value: "platform-admins",
    fix: "arn:aws:iam::",
  },
  {
    name: "an ingress certificate from another region",
    edit: (c) =>
      (cluster(c, 0).ingress = { certificateArn: `arn:aws:acm:eu-west-1:111122223333:certificate/${CERTIFICATE_ID}` }),
    path: "clusters[0].ingress.certificateArn",
    value: `arn:aws:acm:eu-west-1:111122223333:certificate/${CERTIFICATE_ID}`,
    fix: "issue or import the certificate there",
  },
  {
    name: "an ingress certificate that is not an ACM ARN",
    edit: (c) => (cluster(c, 0).ingress = { certificateArn: "my-cert" }),
    path: "clusters[0].ingress.certificateArn",
    value: "my-cert",
    fix: "ACM certificate ARN like",
  },
  {
    name: "a state bucket region that does not exist",
    edit: (c) => (c.state = { s3: { bucket: "tf-state", region: "us-west-9" } }),
    path: "state.s3.region",
    value: "us-west-9",
    fix: 'use one like "us-west-2"',
  },
  {
    name: "a state bucket name with capitals",
    edit: (c) => (c.state = { s3: { bucket: "TF_State", region: "us-west-2" } }),
    path: "state.s3.bucket",
    value: "TF_State",
    fix: "lowercase letters",
  },
  {
    name: "an empty CA directory",
    edit: (c) => (c.certificateAuthority = { directory: "" }),
    path: "certificateAuthority.directory",
    value: "",
    fix: 'remove the line to use "ca"',
  },
  // Limits of the platform underneath.
  {
    name: "more API source ranges than EKS allows",
    edit: (c) => (c.apiAllowedCidrs = Array.from({ length: 35 }, (_, i) => `198.51.${i}.0/24`)),
    path: "apiAllowedCidrs",
    fix: "over the EKS limit of 40: set natGateways: single on some clusters",
  },
  // One line per bad value, not one per rule it breaks.
  {
    name: "an empty string where the list of ranges belongs",
    edit: (c) => (c.apiAllowedCidrs = ""),
    path: "apiAllowedCidrs",
    value: "",
    fix: 'must be a list, not a string: write one "- item" per line under the key',
  },
  {
    name: "a negative number of zones",
    edit: (c) => (c.clusters[0].availabilityZones = -1),
    path: "clusters[0].availabilityZones",
    value: -1,
    fix: "must be at least 2 (EKS needs subnets in two zones)",
  },
  {
    name: "a negative disk size",
    edit: (c) => (c.clusters[0].nodes = { diskSizeGiB: -1 }),
    path: "clusters[0].nodes.diskSizeGiB",
    value: -1,
    fix: "must be at least 20 GiB",
  },
  {
    name: "more single-NAT clusters than the API source ranges allow",
    edit: (c) =>
      (c.clusters = Array.from({ length: 40 }, (_, i) => ({
        name: `c${i + 1}`,
        region: "us-west-2",
        vpcCidr: `10.${i}.0.0/16`,
        natGateways: "single",
      }))),
    path: "apiAllowedCidrs",
    fix: "every cluster has one NAT address already, so list fewer, wider ranges, or put at most 39 clusters in one mesh",
  },
  {
    name: "an absolute CA directory",
    edit: (c) => (c.certificateAuthority = { directory: "/home/me/pki" }),
    path: "certificateAuthority.directory",
    value: "/home/me/pki",
    fix: "give it relative to the project",
  },
  {
    name: "an STS assumed-role session as an admin",
    edit: (c) => (c.admins = ["arn:aws:sts::111122223333:assumed-role/Admin/me"]),
    path: "admins[0]",
    value: "arn:aws:sts::111122223333:assumed-role/Admin/me",
    fix: 'name the role itself, like "arn:aws:iam::111122223333:role/platform-admins"',
  },
];

describe("a valid config", () => {
  it("is accepted, with defaults filled in", () => {
    const { spec } = validateMeshConfig(validConfig(), "test");
    expect(spec.clusters.map((c) => [c.name, c.network, c.kubernetesVersion])).toEqual([
      ["cluster1", "cluster1-network", "1.35"],
      ["cluster2", "cluster2-network", "1.35"],
    ]);
  });
});

describe.each(BAD_DATA.map((bad) => [bad.name, bad] as const))("rejects %s", (_name, bad) => {
  it("with one problem naming the field path, the value and the fix", () => {
    const config = validConfig();
    bad.edit(config);
    const problems = problemsOf(() => validateMeshConfig(config, "MESH_CONFIG test.yaml"));
    expect(problems).toHaveLength(1);
    const subject = bad.value === undefined ? `${bad.path} ` : `${bad.path} ${JSON.stringify(bad.value)} `;
    expect(problems[0].startsWith(subject)).toBe(true);
    expect(problems[0]).toContain(bad.fix);
  });
});

describe("a file with many problems", () => {
  it("reports all of them at once, schema and cross-field alike", () => {
    const config: Config = {
      meshID: "mesh1",
      apiAllowedCidrs: ["0.0.0.0/0"],
      clusters: [
        {
          name: "east",
          region: "us-east-1",
          vpcCidr: "10.10.0.0/16",
          kubernetesVersion: 1.3,
          nodes: { minSize: 4, desiredSize: 3, maxsize: 2 },
        },
        { name: "east", region: "mars-1", vpcCidr: "10.10.128.0/17", network: "east-network" },
        { name: "West_2", region: "us-west-2", vpcCidr: "10.30.0.0/24" },
      ],
    };
    const problems = problemsOf(() => validateMeshConfig(config, "MESH_CONFIG many.yaml"));
    const expected = [
      // The misspelling stands for the missing meshId: one problem, not two.
      'meshID is not a known setting: did you mean "meshId"?',
      "clusters[0].kubernetesVersion 1.3 must be a quoted string",
      "clusters[0].nodes.maxsize is not a known setting",
      "clusters[0].nodes.minSize 4 is above desiredSize 3",
      'clusters[1].region "mars-1" is not an AWS region name',
      'clusters[1].name "east" is already used by clusters[0]',
      'clusters[1].network "east-network" is already used by clusters[0]',
      'clusters[1].vpcCidr "10.10.128.0/17" overlaps clusters[0].vpcCidr',
      'clusters[2].name "West_2" must be a lowercase DNS label',
      'clusters[2].vpcCidr "10.30.0.0/24" is too small',
      'apiAllowedCidrs[0] "0.0.0.0/0" opens the API servers',
    ];
    for (const start of expected) expect(problems.filter((problem) => problem.startsWith(start))).toHaveLength(1);
    expect(problems).toHaveLength(expected.length);
  });

  it("does not take a setting of another section for the one setting a section knows", () => {
    const config: Config = { ...validConfig(), state: { tokenRotationDays: 14 } };
    expect(problemsOf(() => validateMeshConfig(config, "MESH_CONFIG t.yaml"))).toEqual([
      "state.s3 is required but missing: add s3: with bucket and region, or remove state to keep local state",
      "state.tokenRotationDays is not a known setting: known settings are s3",
    ]);
  });
});

describe("every required field", () => {
  /** Paths of required fields in the JSON Schema, with list items at index 0. */
  const requiredPaths = (node: JsonSchemaNode, prefix: (string | number)[] = []): (string | number)[][] => [
    ...(node.required ?? []).map((key) => [...prefix, key]),
    ...Object.entries(node.properties ?? {}).flatMap(([key, field]) => [
      ...requiredPaths(field, [...prefix, key]),
      ...(field.items ? requiredPaths(field.items, [...prefix, key, 0]) : []),
    ]),
  ];
  const fullConfig = () => ({
    ...validConfig(),
    state: { s3: { bucket: "tf-state", region: "us-west-2" } },
    istio: { revisions: [{ name: "default", version: "1.31.1" }], tags: { stable: "default" }, gatewayTag: "stable" },
  });
  const paths = requiredPaths(meshConfigJsonSchema());

  it("is found in the schema", () => {
    expect(paths.map((p) => p.join("."))).toEqual(
      expect.arrayContaining([
        "meshId",
        "clusters",
        "apiAllowedCidrs",
        "clusters.0.name",
        "clusters.0.region",
        "clusters.0.vpcCidr",
        "state.s3",
        "state.s3.bucket",
        "state.s3.region",
      ]),
    );
  });

  it.each(paths.map((p) => [p.join("."), p] as const))(
    "%s, when missing, comes with an example line to add",
    (_name, fieldPath) => {
      const config: Config = fullConfig();
      const parent = fieldPath.slice(0, -1).reduce((node, key) => node[key], config);
      const key = fieldPath[fieldPath.length - 1];
      delete parent[key];
      const problems = problemsOf(() => validateMeshConfig(config, "test"));
      expect(problems).toContainEqual(expect.stringMatching(new RegExp(`is required but missing: add ${key}: `)));
    },
  );
});

describe("config files", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), "mesh-config-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const file = (name: string, text: string): string => {
    const filePath = path.join(dir, name);
    writeFileSync(filePath, text);
    return filePath;
  };
  const VALID_YAML =
    "meshId: mesh1\napiAllowedCidrs: [203.0.113.0/24]\nclusters:\n  - name: cluster1\n    region: us-west-2\n    vpcCidr: 10.10.0.0/16\n";

  it("loads a valid file", () => {
    expect(loadMeshConfig(file("valid.yaml", VALID_YAML)).spec.meshId).toBe("mesh1");
  });

  const BAD_FILES: readonly { name: string; make: () => string; subject: string; fix: string }[] = [
    {
      name: "a file that does not exist",
      make: () => path.join(dir, "nope.yaml"),
      subject: "the file does not exist",
      fix: "set MESH_CONFIG to an existing YAML file",
    },
    {
      name: "a directory",
      make: () => dir,
      subject: "the file is a directory",
      fix: "point MESH_CONFIG at a YAML file",
    },
    {
      name: "an empty file",
      make: () => file("empty.yaml", ""),
      subject: "the file is empty",
      fix: "start from examples/two-clusters.yaml",
    },
    {
      name: "a file of comments only",
      make: () => file("comments.yaml", "# meshId: mesh1\n\n"),
      subject: "the file holds no settings",
      fix: "start from examples/two-clusters.yaml",
    },
    {
      name: "a symbolic link loop (unreadable even as root)",
      make: () => {
        const link = path.join(dir, "loop.yaml");
        symlinkSync(link, link);
        return link;
      },
      subject: "the file (",
      fix: "is a loop of symbolic links",
    },
    {
      name: "a path through a file",
      make: () => path.join(file("plain.yaml", VALID_YAML), "child.yaml"),
      subject: "the file (",
      fix: "has a parent that is a file",
    },
    {
      name: "a duplicate key",
      make: () => file("dup.yaml", `meshId: a\n${VALID_YAML}`),
      subject: 'line 2, column 1 "meshId: mesh1" is not valid YAML: Map keys must be unique',
      fix: "remove or merge the repeated key",
    },
    {
      name: "a key outside its list item",
      make: () => file("indent.yaml", VALID_YAML.replace("    region", "   region")),
      subject: 'line 5, column 1 "region: us-west-2" is not valid YAML',
      fix: "fix the syntax there",
    },
    {
      name: "tabs for indentation",
      make: () => file("tabs.yaml", VALID_YAML.replace("    region", "\tregion")),
      subject: 'line 5, column 1 "region: us-west-2" is not valid YAML',
      fix: "indent with spaces, not tabs",
    },
    {
      name: "two YAML documents",
      make: () => file("docs.yaml", `${VALID_YAML}---\nmeshId: b\n`),
      subject: 'line 7, column 1 "---" is not valid YAML',
      fix: "keep one document",
    },
    {
      name: "an unclosed flow list",
      make: () => file("flow.yaml", VALID_YAML.replace("[203.0.113.0/24]", "[203.0.113.0/24")),
      subject: "line ",
      fix: "is not valid YAML",
    },
  ];

  it.each(BAD_FILES.map((bad) => [bad.name, bad] as const))("rejects %s, naming the file and the fix", (_name, bad) => {
    const configPath = bad.make();
    let message = "";
    try {
      loadMeshConfig(configPath);
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      message = (error as Error).message;
    }
    const [header, ...problems] = message.split("\n");
    expect(header).toMatch(/^MESH_CONFIG .+ is not valid:$/);
    expect(header).toContain(path.basename(configPath));
    expect(problems).toHaveLength(1);
    expect(problems[0].trim().startsWith(bad.subject)).toBe(true);
    expect(problems[0]).toContain(bad.fix);
  });

  it("names the full path of a missing file", () => {
    const missing = path.join(dir, "sub", "missing.yaml");
    expect(problemsOf(() => loadMeshConfig(missing))[0]).toContain(`(${missing})`);
  });

  // chmod cannot make a file unreadable for root (CI containers often run as root); the symlink
  // loop above covers "cannot be read" there.
  const runsAsRoot = process.getuid?.() === 0;
  (runsAsRoot ? it.skip : it)("rejects a file without read permission", () => {
    const locked = file("locked.yaml", VALID_YAML);
    chmodSync(locked, 0o000);
    try {
      expect(problemsOf(() => loadMeshConfig(locked))[0]).toContain(
        "is not readable by this user: check its permissions",
      );
    } finally {
      chmodSync(locked, 0o600);
    }
  });

  it("shows paths inside the working directory relatively, others in full", () => {
    mkdirSync(path.join(dir, "nested"), { recursive: true });
    const outside = file("nested/outside.yaml", "");
    expect(() => loadMeshConfig(outside)).toThrow(`MESH_CONFIG ${outside} is not valid`);
    expect(() => loadMeshConfig(path.resolve("examples/none.yaml"))).toThrow(
      "MESH_CONFIG examples/none.yaml is not valid",
    );
  });
});

describe("advice that does not stop a synth", () => {
  it("warns when the NAT gateways of one region need more Elastic IPs than the default quota", () => {
    const config = validConfig();
    config.clusters[1].region = "us-west-2";
    const { warnings } = validateMeshConfig(config, "test", BEFORE_ANY_SUPPORT_WARNING);
    expect(warnings).toEqual([
      expect.stringContaining(
        "the clusters in us-west-2 need 6 Elastic IPs for NAT gateways, above the default quota of 5",
      ),
    ]);
    config.clusters[1].natGateways = "single";
    expect(validateMeshConfig(config, "test", BEFORE_ANY_SUPPORT_WARNING).warnings).toEqual([]);
  });

  it("warns when the east-west NLBs would need more security group rules than the default quota", () => {
    const config = validConfig();
    config.clusters = Array.from({ length: 5 }, (_, i) => ({
      name: `cluster${i + 1}`,
      region: ["us-west-2", "us-east-2", "eu-west-1", "eu-central-1", "ap-southeast-1"][i],
      vpcCidr: `10.${10 + i}.0.0/16`,
    }));
    // 5 clusters x 3 NAT addresses + 1 range = 16 ranges x 4 ports = 64 rules > 60.
    expect(validateMeshConfig(config, "test", BEFORE_ANY_SUPPORT_WARNING).warnings).toEqual([
      expect.stringContaining(
        "admits 16 source ranges (NAT addresses and apiAllowedCidrs) on 4 ports: 64 security group rules",
      ),
    ]);
    config.clusters[0].natGateways = "single";
    expect(validateMeshConfig(config, "test", BEFORE_ANY_SUPPORT_WARNING).warnings).toEqual([]);
  });

  it("warns about a Kubernetes version past EKS standard support", () => {
    const config = validConfig();
    config.clusters[0].kubernetesVersion = "1.33";
    const { warnings } = validateMeshConfig(config, "test", new Date("2026-11-25"));
    expect(warnings).toEqual([
      expect.stringMatching(/^clusters\[0\]\.kubernetesVersion "1.33" left EKS standard support on 2026-07-29/),
    ]);
  });
});

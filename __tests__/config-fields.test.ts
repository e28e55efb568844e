import { validateMeshConfig } from "../config/load";
import { BadEdit, Config, itNamesEachProblem, validConfig } from "./helpers/config-problems";
import { synthMesh } from "./helpers/synth";

/** Single fields with rules beyond their pattern: the S3 state, admin ARNs, the CA directory, kubeContext. */

const validate = (config: Config) => validateMeshConfig(config, "MESH_CONFIG test.yaml");
const withState = (s3: Config) => (c: Config) =>
  (c.state = { s3: { bucket: "mesh-state", region: "us-west-2", ...s3 } });
const ROLE = "arn:aws:iam::111122223333:role";

const BAD: readonly BadEdit[] = [
  // S3 general purpose bucket naming rules.
  ...(
    [
      ["ab", "is 2 characters long: S3 bucket names have 3 to 63"],
      ["a".repeat(64), "is 64 characters long"],
      ["Mesh-State", "is not an S3 bucket name: use 3 to 63 lowercase letters"],
      ["mesh..state", "has two adjacent dots"],
      ["192.168.5.4", "is shaped like an IP address"],
      ["xn--mesh", 'starts with "xn--", a prefix S3 reserves'],
      ["sthree-mesh", 'starts with "sthree-"'],
      ["amzn-s3-demo-mesh", 'starts with "amzn-s3-demo-"'],
      ["mesh-s3alias", 'ends with "-s3alias", a suffix S3 reserves'],
      ["mesh--ol-s3", 'ends with "--ol-s3"'],
      ["mesh.mrap", 'ends with ".mrap"'],
      ["mesh--x-s3", 'ends with "--x-s3"'],
      ["mesh--table-s3", 'ends with "--table-s3"'],
    ] as const
  ).map(([bucket, fix]) => ({
    name: `bucket ${bucket.slice(0, 20)}`,
    edit: withState({ bucket }),
    path: "state.s3.bucket",
    value: bucket,
    fix,
  })),
  ...(
    [
      ["/mesh", 'starts or ends with "/": write it without, like "mesh"'],
      ["mesh/", 'starts or ends with "/": write it without, like "mesh"'],
      ["teams//mesh", 'has an empty folder ("//"): write it as "teams/mesh"'],
      ["", 'is empty: remove the line to use "istio-mesh"'],
      ["mesh/${var.env}", "has characters outside S3's safe set"],
      ["mesh/%{ if true }", "has characters outside S3's safe set"],
      ["teams/../mesh", 'has a "." or ".." folder'],
    ] as const
  ).map(([keyPrefix, fix]) => ({
    name: `keyPrefix ${keyPrefix}`,
    edit: withState({ keyPrefix }),
    path: "state.s3.keyPrefix",
    value: keyPrefix,
    fix,
  })),
  {
    name: "a state key over S3's 1,024 bytes for the longest stack name",
    // "/cluster2-mesh-links.tfstate" adds 28 bytes.
    edit: withState({ keyPrefix: "k".repeat(1000) }),
    path: "state.s3.keyPrefix",
    value: "k".repeat(1000),
    fix: "makes the state key of stack cluster1-mesh-links 1028 bytes long, over S3's limit of 1024: shorten it by 4 bytes",
  },
  // IAM limits beyond the ARN's pattern.
  {
    name: "a role name over 64 characters",
    edit: (c) => (c.admins = [`${ROLE}/${"r".repeat(65)}`]),
    path: "admins[0]",
    value: `${ROLE}/${"r".repeat(65)}`,
    fix: "names a role of 65 characters, but IAM role names have at most 64",
  },
  {
    name: "a user name over 64 characters",
    edit: (c) => (c.admins = [`arn:aws:iam::111122223333:user/${"u".repeat(70)}`]),
    path: "admins[0]",
    value: `arn:aws:iam::111122223333:user/${"u".repeat(70)}`,
    fix: "names a user of 70 characters, but IAM user names have at most 64",
  },
  {
    name: "a path over 512 characters",
    edit: (c) => (c.admins = [`${ROLE}/${"p/".repeat(300)}admins`]),
    path: "admins[0]",
    value: `${ROLE}/${"p/".repeat(300)}admins`,
    fix: "has a path of 601 characters, but IAM paths have at most 512",
  },
  {
    name: "an empty path segment",
    edit: (c) => (c.admins = [`${ROLE}/team//admins`]),
    path: "admins[0]",
    value: `${ROLE}/team//admins`,
    fix: 'has an empty path segment ("//"): write the path as "/team/"',
  },
  {
    name: "an ARN ending in a slash",
    edit: (c) => (c.admins = [`${ROLE}/team/`]),
    path: "admins[0]",
    value: `${ROLE}/team/`,
    fix: 'ends with "/": an IAM role ARN ends with the role name',
  },
  // The CA directory, written into Terraform file() calls.
  ...(
    [
      ["   ", "is only whitespace"],
      [" ca", 'starts or ends with whitespace, which is easy to miss: write "ca"'],
      ['pki/"istio"', "holds a quote or a backslash, which would end or escape the Terraform string"],
      ["pki\\istio", "holds a quote or a backslash"],
      ['pki/${file("/etc/hostname")}', "holds a quote or a backslash"],
      ["pki/${path.root}", 'holds "${" or "%{", which Terraform would read as a template'],
      ["pki/%{ if true }x%{ endif }", 'holds "${" or "%{"'],
      ["pki/\nistio", "holds a control character"],
      [`pki/${"n".repeat(256)}`, "has a folder name of 256 bytes, longer than file systems allow (255)"],
      [Array(20).fill("d".repeat(250)).join("/"), "is 5019 bytes long, over the system's path limit of 4096"],
    ] as const
  ).map(([directory, fix]) => ({
    name: `CA directory ${JSON.stringify(directory).slice(0, 30)}`,
    edit: (c: Config) => (c.certificateAuthority = { directory }),
    path: "certificateAuthority.directory",
    value: directory,
    fix,
  })),
  // Template sequences in names and tags are not names at all.
  ...(["meshId", "name", "network"] as const).map((field) => ({
    name: `a template sequence as ${field}`,
    edit: (c: Config) => (field === "meshId" ? (c.meshId = "${1}") : (c.clusters[0][field] = "${1}")),
    path: field === "meshId" ? "meshId" : `clusters[0].${field}`,
    value: "${1}",
    fix: "must be a lowercase DNS label",
  })),
  // kubeconfig contexts.
  {
    name: "two clusters with one kubeContext",
    edit: (c) => ((c.clusters[0].kubeContext = "prod"), (c.clusters[1].kubeContext = "prod")),
    path: "clusters[1].kubeContext",
    value: "prod",
    fix: "is already used by clusters[0]: give every cluster its own kubeconfig context",
  },
  {
    name: "a kubeContext that is another cluster's default",
    edit: (c) => (c.clusters[1].kubeContext = "cluster1"),
    path: "clusters[1].kubeContext",
    value: "cluster1",
    fix: "is already used by clusters[0]",
  },
  {
    name: "a kubeContext of spaces",
    edit: (c) => (c.clusters[0].kubeContext = "   "),
    path: "clusters[0].kubeContext",
    value: "   ",
    fix: "is only spaces: name a kubeconfig context, or remove the line to use the cluster name",
  },
  {
    name: "a kubeContext with a line break",
    edit: (c) => (c.clusters[0].kubeContext = "prod\nstaging"),
    path: "clusters[0].kubeContext",
    value: "prod\nstaging",
    fix: "holds a line break or another control character",
  },
];

describe("a bad field", () => {
  itNamesEachProblem(BAD, validate);
});

describe("good fields", () => {
  it("accept a nested key prefix, a role with a path, a CA directory outside the project", () => {
    const config = validConfig();
    withState({ keyPrefix: "teams/platform/mesh", bucket: "mesh.state-1" })(config);
    config.admins = [`${ROLE}/platform/team/admins`];
    config.certificateAuthority = { directory: "../pki/istio mesh" };
    expect(validate(config).spec.state?.keyPrefix).toBe("teams/platform/mesh");
  });

  it("keep a kubeContext out of the synthesized Terraform: it is read by npm run verify only", () => {
    const config = validConfig();
    config.clusters[0].kubeContext = 'arn:aws:eks:us-west-2:111122223333:cluster/${file("/etc/hostname")}';
    const stacks = synthMesh(validate(config).spec);
    expect(JSON.stringify(stacks)).not.toContain("/etc/hostname");
  });
});

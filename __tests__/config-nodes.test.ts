import { readFileSync } from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { validateMeshConfig } from "../config/load";
import { ISTIOD_MEMORY_REQUEST_GIB, MIN_MESH_NODES, describeInstanceType } from "../config/rules/nodes";
import { GATEWAY_MIN_REPLICAS, ISTIOD_MIN_REPLICAS } from "../constructs/names";
import { BadEdit, Config, itNamesEachProblem, validConfig } from "./helpers/config-problems";

/** Node groups that cannot run the mesh, and instance types that do not fit the AMI or the mesh's pods. */

const validate = (config: Config) => validateMeshConfig(config, "MESH_CONFIG test.yaml");
const nodes = (value: Config) => (c: Config) => (c.clusters[1].nodes = value);

const BAD: readonly BadEdit[] = [
  {
    name: "desired size 0",
    edit: nodes({ minSize: 0, desiredSize: 0 }),
    path: "clusters[1].nodes.desiredSize",
    value: 0,
    fix: `starts the cluster with no nodes, so nothing of the mesh can run: use at least ${MIN_MESH_NODES}`,
  },
  {
    name: "a maximum below what the mesh's replicas need",
    edit: nodes({ minSize: 1, desiredSize: 1, maxSize: 1 }),
    path: "clusters[1].nodes.maxSize",
    value: 1,
    fix: `is below the ${MIN_MESH_NODES} nodes the mesh needs (istiod, both gateways and coredns each keep 2 replicas on separate nodes, so a node can drain): raise it`,
  },
  {
    name: "a Graviton type with an x86 AMI",
    edit: nodes({ instanceTypes: ["m7g.large"] }),
    path: "clusters[1].nodes.instanceTypes[0]",
    value: "m7g.large",
    fix: "is arm64, but amiType AL2023_x86_64_STANDARD is x86_64: set amiType: AL2023_ARM_64_STANDARD",
  },
  {
    name: "an x86 type with an ARM AMI",
    edit: nodes({ instanceTypes: ["c7i.xlarge"], amiType: "BOTTLEROCKET_ARM_64" }),
    path: "clusters[1].nodes.instanceTypes[0]",
    value: "c7i.xlarge",
    fix: "is x86_64, but amiType BOTTLEROCKET_ARM_64 is arm64: set amiType: AL2023_x86_64_STANDARD",
  },
  {
    name: "mixed architectures",
    edit: nodes({ instanceTypes: ["t4g.large", "t3.large"], amiType: "AL2023_ARM_64_STANDARD" }),
    path: "clusters[1].nodes.instanceTypes[1]",
    value: "t3.large",
    fix: "is x86_64 but t4g.large is arm64: one node group runs one AMI, so list types of one architecture",
  },
  {
    name: "a duplicate instance type",
    edit: nodes({ instanceTypes: ["m7i.large", "m6i.large", "m7i.large"] }),
    path: "clusters[1].nodes.instanceTypes[2]",
    value: "m7i.large",
    fix: "is listed already as instanceTypes[0]: remove one",
  },
  {
    name: "a size that does not exist",
    edit: nodes({ instanceTypes: ["m7i.huge"] }),
    path: "clusters[1].nodes.instanceTypes[0]",
    value: "m7i.huge",
    fix: 'is not an EC2 instance type: write family and size, like "m7i.large"',
  },
  {
    name: "a family without a generation",
    edit: nodes({ instanceTypes: ["large.xlarge"] }),
    path: "clusters[1].nodes.instanceTypes[0]",
    value: "large.xlarge",
    fix: "is not an EC2 instance type",
  },
];

describe("a node group that does not fit the mesh", () => {
  itNamesEachProblem(BAD, validate);
});

describe("node group warnings", () => {
  const warningsOf = (value: Config) => {
    const config = validConfig();
    nodes(value)(config);
    return validate(config).warnings;
  };

  it("warns about a type too small for istiod", () => {
    expect(warningsOf({ instanceTypes: ["t3.small"] })).toContainEqual(
      expect.stringMatching(
        /^clusters\[1\]\.nodes\.instanceTypes\[0\] "t3\.small" has 2 GiB of memory: istiod alone requests 2 GiB/,
      ),
    );
    expect(warningsOf({ instanceTypes: ["c7g.medium"], amiType: "AL2023_ARM_64_STANDARD" })).toContainEqual(
      expect.stringContaining('"c7g.medium" has 2 GiB of memory'),
    );
    expect(warningsOf({ instanceTypes: ["m7i.large", "t3.medium"] })).toEqual([]);
  });

  it("warns, rather than fails, for a family whose architecture it does not know", () => {
    expect(warningsOf({ instanceTypes: ["zz9.large"] })).toEqual([
      'clusters[1].nodes.instanceTypes[0] "zz9.large" is of a family (zz9) whose architecture this program does not know, so it cannot check it against amiType AL2023_x86_64_STANDARD: make sure they match',
    ]);
  });

  it("warns that one node holds every replica", () => {
    expect(warningsOf({ minSize: 1, desiredSize: 1 })).toContainEqual(
      expect.stringContaining(
        "clusters[1].nodes.desiredSize 1 puts every replica of istiod, the gateways and coredns on one node",
      ),
    );
  });
});

describe("the numbers behind the rules", () => {
  it("take the node count from the replicas the constructs set", () => {
    expect(MIN_MESH_NODES).toBe(Math.max(ISTIOD_MIN_REPLICAS, GATEWAY_MIN_REPLICAS));
  });

  it("take istiod's memory request from the istiod chart's defaults", () => {
    const fixture = path.join(__dirname, "fixtures", "upstream-values", "istio-1.31-istiod-values.yaml");
    const values = parse(readFileSync(fixture, "utf8"));
    expect(values._internal_defaults_do_not_set.resources.requests.memory).toBe(
      `${ISTIOD_MEMORY_REQUEST_GIB * 1024}Mi`,
    );
  });

  it.each([
    ["m7g.large", "arm64"],
    ["c7gn.16xlarge", "arm64"],
    ["r8gd.metal-24xl", "arm64"],
    ["t4g.nano", "arm64"],
    ["a1.medium", "arm64"],
    ["im4gn.large", "arm64"],
    ["is4gen.xlarge", "arm64"],
    ["m7i.large", "x86_64"],
    ["m7i-flex.large", "x86_64"],
    ["c6a.2xlarge", "x86_64"],
    ["g4dn.xlarge", "x86_64"],
    ["m5zn.metal", "x86_64"],
  ])("knows %s is %s", (type, architecture) => {
    expect(describeInstanceType(type)).toMatchObject({ architecture });
  });
});

describe("an instance type of an unknown class", () => {
  it.each(["zz9.large", "constructor1.large"])(
    "%s has no architecture or memory to check, even named like a property every object has",
    (type) => {
      expect(describeInstanceType(type)).toEqual({ family: type.split(".")[0] });
    },
  );
});

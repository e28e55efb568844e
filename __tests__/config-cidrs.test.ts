import * as ipaddr from "ipaddr.js";
import { validateMeshConfig } from "../config/load";
import { NON_PUBLIC_RANGES } from "../config/rules/api-cidrs";
import { BadEdit, Config, itNamesEachProblem, problemLinesOf, validConfig } from "./helpers/config-problems";
import { synthMesh, resourcesOf } from "./helpers/synth";

/** CIDR blocks as the user writes them: one notation only, and only public sources for the endpoints. */

const validate = (config: Config) => validateMeshConfig(config, "MESH_CONFIG test.yaml");

const BAD: readonly BadEdit[] = [
  // Notations ipaddr.js (and inet_aton) accept, which would reach Terraform as another string.
  {
    name: "leading zeros in an octet",
    edit: (c) => (c.clusters[1].vpcCidr = "10.020.0.0/16"),
    path: "clusters[1].vpcCidr",
    value: "10.020.0.0/16",
    fix: 'has leading zeros, which other tools read as octal: write it as "10.20.0.0/16"',
  },
  {
    name: "a hexadecimal octet",
    edit: (c) => (c.clusters[1].vpcCidr = "0x0a.20.0.0/16"),
    path: "clusters[1].vpcCidr",
    value: "0x0a.20.0.0/16",
    fix: 'is not in dotted-quad notation (four decimal numbers 0-255 and a prefix length): write it as "10.20.0.0/16"',
  },
  {
    name: "an octal octet",
    edit: (c) => (c.clusters[1].vpcCidr = "012.20.0.0/16"),
    path: "clusters[1].vpcCidr",
    value: "012.20.0.0/16",
    fix: 'write it as "12.20.0.0/16"',
  },
  {
    name: "a short form",
    edit: (c) => (c.clusters[1].vpcCidr = "10.20.0/16"),
    path: "clusters[1].vpcCidr",
    value: "10.20.0/16",
    fix: 'is not in dotted-quad notation (four decimal numbers 0-255 and a prefix length): write it as "10.20.0.0/16"',
  },
  {
    name: "an integer form",
    edit: (c) => (c.apiAllowedCidrs = ["3325256704/24"]),
    path: "apiAllowedCidrs[0]",
    value: "3325256704/24",
    fix: 'write it as "198.51.100.0/24"',
  },
  {
    name: "a zero-padded prefix length",
    edit: (c) => (c.clusters[0].vpcCidr = "10.10.0.0/016"),
    path: "clusters[0].vpcCidr",
    value: "10.10.0.0/016",
    fix: 'write it as "10.10.0.0/16"',
  },
  // Sources no request from the internet comes from.
  ...[
    ["10.0.0.0/8", "is a private range (RFC 1918)"],
    ["172.16.5.0/24", "is a private range (RFC 1918)"],
    ["192.168.1.0/24", "is a private range (RFC 1918)"],
    ["172.0.0.0/8", "includes 172.16.0.0/12, a private range (RFC 1918)"],
    ["100.64.0.0/16", "is carrier-grade NAT space (RFC 6598)"],
    ["127.0.0.1/32", "is loopback"],
    ["169.254.169.254/32", "is link-local"],
    ["224.0.0.0/8", "is multicast"],
    ["0.0.0.0/8", 'is "this network" (0.0.0.0/8)'],
    ["198.18.0.0/16", "is reserved for benchmarking (RFC 2544)"],
    ["192.0.0.0/24", "is reserved for IETF protocol assignments"],
    ["240.0.0.0/8", "is reserved for future use (and broadcast)"],
    ["255.255.255.255/32", "is reserved for future use (and broadcast)"],
  ].map(([cidr, what]) => ({
    name: `${cidr} as an API source`,
    edit: (c: Config) => (c.apiAllowedCidrs = ["198.51.100.0/24", cidr]),
    path: "apiAllowedCidrs[1]",
    value: cidr,
    fix: `${what}, from which no request reaches a public endpoint: list the public addresses`,
  })),
  {
    name: "a duplicate API source",
    edit: (c) => (c.apiAllowedCidrs = ["198.51.100.0/24", "203.0.113.0/24", "198.51.100.0/24"]),
    path: "apiAllowedCidrs[2]",
    value: "198.51.100.0/24",
    fix: "is listed already as apiAllowedCidrs[0]: remove one",
  },
  {
    name: "an API source inside another",
    edit: (c) => (c.apiAllowedCidrs = ["198.51.100.7/32", "198.51.100.0/24"]),
    path: "apiAllowedCidrs[0]",
    value: "198.51.100.7/32",
    fix: 'is inside apiAllowedCidrs[1] "198.51.100.0/24", which admits it already: remove it',
  },
];

describe("a bad CIDR", () => {
  itNamesEachProblem(BAD, validate);
});

describe("the 40-range EKS limit", () => {
  // Two clusters with three NAT gateways each: 6 of the 40.
  const publicRanges = (count: number) => Array.from({ length: count }, (_, i) => `198.51.${i}.0/24`);

  it("counts each range once: duplicates are reported, not counted twice", () => {
    const config = validConfig();
    config.apiAllowedCidrs = [...publicRanges(34), "198.51.0.0/24"];
    expect(problemLinesOf(() => validate(config))).toEqual([
      'apiAllowedCidrs[34] "198.51.0.0/24" is listed already as apiAllowedCidrs[0]: remove one',
    ]);
  });

  it("still counts every cluster's NAT addresses", () => {
    const config = validConfig();
    config.apiAllowedCidrs = publicRanges(35);
    expect(problemLinesOf(() => validate(config))).toEqual([
      expect.stringContaining("plus the clusters' 6 NAT addresses gives every API endpoint 41 source ranges"),
    ]);
  });
});

describe("the ranges rejected as API sources", () => {
  it("carry ipaddr.js's range() names", () => {
    for (const range of NON_PUBLIC_RANGES) {
      const [address] = ipaddr.IPv4.parseCIDR(range.cidr);
      expect({ cidr: range.cidr, name: address.range() }).toEqual({ cidr: range.cidr, name: range.name });
    }
  });

  it("leave out the documentation ranges the examples use, and the publicly routed anycast ones", () => {
    const config = validConfig();
    config.apiAllowedCidrs = [
      "192.0.2.0/24",
      "198.51.100.0/24",
      "203.0.113.0/24",
      "192.175.48.0/24",
      "192.52.193.0/24",
    ];
    expect(validate(config).spec.apiAllowedCidrs).toHaveLength(5);
  });
});

describe("the CIDR strings written to Terraform", () => {
  const config = validConfig();
  config.apiAllowedCidrs = ["198.51.100.0/24", "203.0.113.7/32"];
  const spec = validate(config).spec;
  const stacks = synthMesh(spec);

  it("are the strings validated, for the VPC and the endpoint's sources", () => {
    const vpc = Object.values(resourcesOf(stacks["cluster2-network"], "aws_vpc"))[0];
    expect(vpc.cidr_block).toBe("10.20.0.0/16");
    const eks = Object.values(resourcesOf(stacks["cluster1-eks"], "aws_eks_cluster"))[0];
    expect(JSON.stringify(eks.vpc_config)).toContain('"198.51.100.0/24","203.0.113.7/32"');
  });
});

import {
  Ipv4Network,
  allowedCidrProblem,
  formatIpv4Network,
  isWithin,
  networksOverlap,
  parseIpv4Network,
  tryParseIpv4Network,
} from "../cidr";
import type { ConfigProblem } from "../problems";

/**
 * Ranges no request from the internet comes from, by ipaddr.js's range() name: the EKS public
 * endpoint and the east-west NLBs only ever see public source addresses, so listing one of these
 * admits nobody (and EKS rejects private ones). Accepted although ipaddr.js names them specially:
 * the documentation ranges 192.0.2.0/24, 198.51.100.0/24 and 203.0.113.0/24 ("reserved", the
 * examples' placeholders), and the anycast ranges "as112" and "amt", which are routed publicly.
 */
export const NON_PUBLIC_RANGES: readonly { readonly name: string; readonly cidr: string; readonly what: string }[] = [
  { name: "unspecified", cidr: "0.0.0.0/8", what: '"this network" (0.0.0.0/8)' },
  { name: "private", cidr: "10.0.0.0/8", what: "a private range (RFC 1918)" },
  { name: "private", cidr: "172.16.0.0/12", what: "a private range (RFC 1918)" },
  { name: "private", cidr: "192.168.0.0/16", what: "a private range (RFC 1918)" },
  { name: "carrierGradeNat", cidr: "100.64.0.0/10", what: "carrier-grade NAT space (RFC 6598)" },
  { name: "loopback", cidr: "127.0.0.0/8", what: "loopback" },
  { name: "linkLocal", cidr: "169.254.0.0/16", what: "link-local" },
  { name: "reserved", cidr: "192.0.0.0/24", what: "reserved for IETF protocol assignments" },
  { name: "reserved", cidr: "192.88.99.0/24", what: "reserved (the retired 6to4 relay anycast)" },
  { name: "reserved", cidr: "198.18.0.0/15", what: "reserved for benchmarking (RFC 2544)" },
  { name: "multicast", cidr: "224.0.0.0/4", what: "multicast" },
  { name: "reserved", cidr: "240.0.0.0/4", what: "reserved for future use (and broadcast)" },
];

const NON_PUBLIC_NETWORKS = NON_PUBLIC_RANGES.map((range) => ({ ...range, network: parseIpv4Network(range.cidr) }));

/** Why `cidr` cannot be a source admitted to the public API endpoints and east-west gateways, or undefined. */
export function publicSourceCidrProblem(cidr: string): string | undefined {
  const basic = allowedCidrProblem(cidr);
  if (basic) return basic;
  const network = tryParseIpv4Network(cidr) as Ipv4Network;
  const range = NON_PUBLIC_NETWORKS.find((candidate) => networksOverlap(network, candidate.network));
  if (!range) return undefined;
  const relation = isWithin(network, range.network) ? "is" : `includes ${range.cidr},`;
  return `${relation} ${range.what}, from which no request reaches a public endpoint: list the public addresses your office, VPN or CI connects from`;
}

/**
 * The same range twice, or one inside another listed range, admits nobody new and uses one of the
 * EKS endpoint's source ranges for nothing.
 */
export function duplicateAllowedCidrProblems(cidrs: readonly (string | undefined)[]): ConfigProblem[] {
  const networks = cidrs.map((cidr) => (cidr === undefined ? undefined : tryParseIpv4Network(cidr)));
  return networks.flatMap((network, index) => {
    if (typeof network !== "object") return [];
    const outer = networks.findIndex(
      (other, otherIndex) =>
        otherIndex !== index &&
        typeof other === "object" &&
        isWithin(network, other) &&
        // Of two equal ranges, the later one is the duplicate.
        (formatIpv4Network(other) !== formatIpv4Network(network) || otherIndex < index),
    );
    if (outer < 0) return [];
    const same = formatIpv4Network(networks[outer] as Ipv4Network) === formatIpv4Network(network);
    return [
      {
        path: `apiAllowedCidrs[${index}]`,
        value: cidrs[index],
        message: same
          ? `is listed already as apiAllowedCidrs[${outer}]: remove one`
          : `is inside apiAllowedCidrs[${outer}] "${cidrs[outer]}", which admits it already: remove it`,
      },
    ];
  });
}

/** apiAllowedCidrs as the endpoint's source list counts them: each distinct valid range once. */
export function distinctAllowedCidrCount(cidrs: readonly (string | undefined)[]): number {
  return new Set(cidrs.filter((cidr): cidr is string => cidr !== undefined)).size;
}

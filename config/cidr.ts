import * as ipaddr from "ipaddr.js";
import { LARGEST_VPC_PREFIX, SMALLEST_VPC_PREFIX } from "./defaults";

/** An IPv4 network in numeric form, for overlap checks and subnet carving. */
export interface Ipv4Network {
  readonly base: number;
  readonly prefix: number;
}

const OCTET = "(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)";
/**
 * Four decimal octets without leading zeros and a prefix length without one. Only this form is
 * accepted: other tools read 010 as octal 8 or 10.10.0 as 10.10.0.0, so the string written to
 * Terraform would name another network than the one checked here.
 */
const CANONICAL_CIDR = new RegExp(`^${OCTET}(\\.${OCTET}){3}/(3[0-2]|[12]?\\d)$`);

/** Parses "a.b.c.d/n" in canonical form; throws with a user-facing reason when it is not an IPv4 network address. */
export function parseIpv4Network(cidr: string): Ipv4Network {
  if (!CANONICAL_CIDR.test(cidr)) throw new Error(nonCanonicalReason(cidr));
  const [address, prefix] = ipaddr.IPv4.parseCIDR(cidr);
  const base = toNumber(address);
  const network = { base: maskedBase(base, prefix), prefix };
  if (network.base !== base) {
    throw new Error(`has host bits set: write it as "${formatIpv4Network(network)}"`);
  }
  return network;
}

/** Why `cidr` is not canonical, with the canonical form of what it most likely means. */
function nonCanonicalReason(cidr: string): string {
  const parts = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(cidr);
  const numbers = parts?.slice(1).map(Number);
  if (numbers && numbers.slice(0, 4).every((octet) => octet <= 255) && numbers[4] <= 32) {
    const decimal = `${numbers.slice(0, 4).join(".")}/${numbers[4]}`;
    return `has leading zeros, which other tools read as octal: write it as "${decimal}"`;
  }
  if (ipaddr.IPv4.isValidCIDR(cidr)) {
    const [address, prefix] = ipaddr.IPv4.parseCIDR(cidr);
    return `is not in dotted-quad notation (four decimal numbers 0-255 and a prefix length): write it as "${address.toString()}/${prefix}"`;
  }
  return `is not an IPv4 CIDR block like "10.10.0.0/16"`;
}

export function formatIpv4Network(network: Ipv4Network): string {
  const octets = [24, 16, 8, 0].map((shift) => (network.base >>> shift) & 0xff);
  return `${octets.join(".")}/${network.prefix}`;
}

export function networksOverlap(a: Ipv4Network, b: Ipv4Network): boolean {
  const shorter = Math.min(a.prefix, b.prefix);
  return maskedBase(a.base, shorter) === maskedBase(b.base, shorter);
}

export function isWithin(inner: Ipv4Network, outer: Ipv4Network): boolean {
  return inner.prefix >= outer.prefix && maskedBase(inner.base, outer.prefix) === outer.base;
}

/** The `index`-th block of `newBits` more bits inside `network`, like Terraform's cidrsubnet(). */
export function subnetOf(network: Ipv4Network, newBits: number, index: number): Ipv4Network {
  const prefix = network.prefix + newBits;
  if (prefix > 32 || index < 0 || index >= 2 ** newBits) {
    throw new Error(`cannot carve block ${index} of /${prefix} from ${formatIpv4Network(network)}`);
  }
  return { base: (network.base + index * 2 ** (32 - prefix)) >>> 0, prefix };
}

/** Ranges meant for private networks (RFC 1918) and carrier-grade NAT space AWS accepts for VPCs. */
export const PRIVATE_IPV4_RANGES: readonly Ipv4Network[] = [
  "10.0.0.0/8",
  "172.16.0.0/12",
  "192.168.0.0/16",
  "100.64.0.0/10",
].map(parseIpv4Network);

export function isPrivateNetwork(network: Ipv4Network): boolean {
  return PRIVATE_IPV4_RANGES.some((range) => isWithin(network, range));
}

/** Why `cidr` cannot be a cluster VPC range, or undefined when it can. */
export function vpcCidrProblem(cidr: string): string | undefined {
  const network = tryParseIpv4Network(cidr);
  if (typeof network === "string") return network;
  const sizes = `use a /${LARGEST_VPC_PREFIX} to /${SMALLEST_VPC_PREFIX}`;
  if (network.prefix < LARGEST_VPC_PREFIX) return `is larger than AWS allows for a VPC: ${sizes}`;
  if (network.prefix > SMALLEST_VPC_PREFIX) {
    return `is too small for one private and one public subnet per zone with room for pod IPs: ${sizes}`;
  }
  if (!isPrivateNetwork(network)) {
    return "is not a private range: use one inside 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16 or 100.64.0.0/10";
  }
  return undefined;
}

/** Why `cidr` cannot be admitted to the API endpoints and east-west gateways, or undefined when it can. */
export function allowedCidrProblem(cidr: string): string | undefined {
  const network = tryParseIpv4Network(cidr);
  if (typeof network === "string") return network;
  if (network.prefix < 8) {
    return "opens the API servers and east-west gateways to a large part of the internet: list your egress ranges instead";
  }
  return undefined;
}

/** The network, or the reason `cidr` is not one. */
export function tryParseIpv4Network(cidr: string): Ipv4Network | string {
  try {
    return parseIpv4Network(cidr);
  } catch (error) {
    return (error as Error).message;
  }
}

function toNumber(address: ipaddr.IPv4): number {
  return address.octets.reduce((value, octet) => value * 256 + octet, 0);
}

function maskedBase(base: number, prefix: number): number {
  if (prefix === 0) return 0;
  const mask = (0xffffffff << (32 - prefix)) >>> 0;
  return (base & mask) >>> 0;
}

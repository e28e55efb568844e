import { X509Certificate } from "node:crypto";
import { pemCertificateBlocks } from "./pem";

/**
 * A root-cert.pem that holds more than one root: Istio's plug-in CA reads it as a pool of trust
 * anchors (security/pkg/pki/util/keycertbundle.go appends every PEM block to the root pool), so a
 * workload trusts a peer that chains to any of them. The first root is the one that signs.
 */
export interface TrustBundle {
  /** The PEM blocks, signing root first, each as it was written. */
  readonly roots: readonly string[];
}

/** The bundle in a root-cert.pem text; throws when it holds no certificate. */
export function parseTrustBundle(text: string): TrustBundle {
  const roots = pemCertificateBlocks(text);
  if (!roots.length) throw new Error("holds no PEM certificate");
  return { roots };
}

/** The text of a root-cert.pem: every root, one after the other. */
export function trustBundlePem(roots: readonly string[]): string {
  return `${roots.map((root) => root.trim()).join("\n")}\n`;
}

/** SHA-256 fingerprint of a PEM certificate, colon-separated hex as openssl prints it. */
export function fingerprintOf(pem: string): string {
  return new X509Certificate(pem).fingerprint256;
}

/** The same certificates, in any order (istiod compares its root pools as sets too). */
export function sameRootSet(a: readonly string[], b: readonly string[]): boolean {
  const fingerprints = (roots: readonly string[]) => roots.map(fingerprintOf).sort().join(" ");
  return fingerprints(a) === fingerprints(b);
}

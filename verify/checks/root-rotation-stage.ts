import type { CertificateSummary } from "../../certs/pem";
import { shortFingerprint } from "../../certs/pem";

/** The roots a cluster's cacerts trusts, the first being the one its intermediate chains to. */
export type TrustedRoots = CertificateSummary & { readonly bundle: readonly CertificateSummary[] };

/**
 * Where a cluster is in a root rotation, read from what is deployed: `npm run certs -- --rotate-root`
 * writes the signing root first, so with two roots the cluster is at stage 1 while the signing
 * root is the older one (it expires first) and at stage 2 once the newer one signs. One root is
 * either no rotation or a finished one (stage 3).
 */
export function rotationStage(roots: TrustedRoots): string {
  const [signing, ...others] = roots.bundle;
  if (!others.length) return "one root";
  if (others.length > 1) return `${roots.bundle.length} roots`;
  return signing.validTo.getTime() < others[0].validTo.getTime()
    ? "root rotation stage 1 (trust: the old root signs, the new one is trusted)"
    : "root rotation stage 2 (reissue: the new root signs, the old one is still trusted)";
}

/** The bundle's fingerprints in a fixed order, to compare what two clusters trust. */
export function trustedSet(roots: TrustedRoots): string {
  return roots.bundle
    .map((root) => root.fingerprint)
    .sort()
    .join(" ");
}

/** "AB:CD:…" for one root, "AB:CD:… + EF:01:… (stage 1 …)" for a bundle. */
export function describeTrust(roots: TrustedRoots): string {
  const fingerprints = roots.bundle.map((root) => shortFingerprint(root.fingerprint)).join(" + ");
  return roots.bundle.length > 1 ? `${fingerprints} (${rotationStage(roots)})` : fingerprints;
}

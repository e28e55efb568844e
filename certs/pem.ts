import { X509Certificate } from "node:crypto";

/** A certificate as the checks compare and print it. */
export interface CertificateSummary {
  /** SHA-256 fingerprint of the DER, colon-separated hex: equal fingerprints mean the same certificate. */
  readonly fingerprint: string;
  /** Subject as one line, e.g. "CN=Root CA, O=Istio". */
  readonly subject: string;
  readonly validTo: Date;
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

/** The PEM certificate blocks of a text, in order, as they are written (nothing is parsed). */
export function pemCertificateBlocks(text: string): string[] {
  return text.match(PEM_CERTIFICATE) ?? [];
}

/**
 * Every certificate in a PEM bundle, in order. Throws when the text holds no certificate or one
 * that does not parse, with a message saying which.
 */
export function parsePemCertificates(pem: string): CertificateSummary[] {
  const blocks = pemCertificateBlocks(pem);
  if (!blocks.length) throw new Error("holds no PEM certificate");
  return blocks.map((block, index) => {
    let certificate: X509Certificate;
    try {
      certificate = new X509Certificate(block);
    } catch (error) {
      throw new Error(`certificate ${index + 1} does not parse (${(error as Error).message})`);
    }
    return {
      fingerprint: certificate.fingerprint256,
      subject: certificate.subject.split("\n").reverse().join(", "),
      validTo: new Date(certificate.validTo),
    };
  });
}

/** The first bytes of a fingerprint: enough to tell roots apart in a one-line message. */
export function shortFingerprint(fingerprint: string): string {
  return `${fingerprint.split(":").slice(0, 8).join(":")}…`;
}

/** "CN=Root CA, O=Istio (SHA-256 AB:CD:…)". */
export function describeCertificate(certificate: CertificateSummary): string {
  return `${certificate.subject} (SHA-256 ${shortFingerprint(certificate.fingerprint)})`;
}

/** PKCS#8 ("ENCRYPTED PRIVATE KEY") and legacy OpenSSL ("Proc-Type: 4,ENCRYPTED") encryption. */
export function isEncryptedKeyPem(text: string): boolean {
  return /-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type:\s*4,ENCRYPTED/.test(text);
}

/**
 * The label of the first PEM block that begins but never ends ("CERTIFICATE", "PRIVATE KEY"), as
 * in a file cut short by an interrupted copy; undefined when every block is complete.
 */
export function truncatedPemLabel(text: string): string | undefined {
  for (const begin of text.matchAll(/-----BEGIN ([A-Z0-9 ]+)-----/g)) {
    const label = begin[1];
    if (!text.includes(`-----END ${label}-----`, begin.index + begin[0].length)) return label;
  }
  return undefined;
}

/** What to say about a PEM file that does not decode: cut short, or damaged inside. */
export function damagedPemReason(text: string): string {
  const label = truncatedPemLabel(text);
  return label
    ? `is cut short: it has "-----BEGIN ${label}-----" but no "-----END ${label}-----" line (an interrupted copy or download?)`
    : "does not decode: its base64 body is damaged or incomplete";
}

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

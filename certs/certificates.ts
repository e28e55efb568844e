import "reflect-metadata";
import { createPrivateKey, randomBytes, webcrypto } from "node:crypto";
import * as x509 from "@peculiar/x509";
import { SIGNING_CURVES, unsupportedKeyKind } from "./root-key";

/*
 * The parameters of Istio's tools/certs/Makefile.selfsigned.mk (root-ca and <cluster>-cacerts),
 * so users who know that flow get the same chain. Key usage follows the issue: keyCertSign, cRLSign,
 * digitalSignature and keyEncipherment (the Makefile has nonRepudiation where we have cRLSign).
 */
export const CA_KEY_BITS = 4096;
export const ROOT_VALIDITY_DAYS = 3650;
export const INTERMEDIATE_VALIDITY_DAYS = 730;
export const CA_ORGANIZATION = "Istio";
export const ROOT_COMMON_NAME = "Root CA";
export const INTERMEDIATE_COMMON_NAME = "Intermediate CA";
/** istiod's in-cluster name, which the Makefile puts in every intermediate. */
export const ISTIOD_DNS_NAME = "istiod.istio-system.svc";
export const CA_KEY_USAGES =
  x509.KeyUsageFlags.keyCertSign |
  x509.KeyUsageFlags.cRLSign |
  x509.KeyUsageFlags.digitalSignature |
  x509.KeyUsageFlags.keyEncipherment;

const DAY_MS = 24 * 60 * 60 * 1000;
export const RSA_SIGNING = { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" } as const;

const subtle = webcrypto.subtle;
x509.cryptoProvider.set(webcrypto);

/** A key pair able to sign certificates; the private key must be extractable to be written out. */
export type CaKeyPair = webcrypto.CryptoKeyPair;

/** A CA certificate with the key that signs under it. */
export interface SigningCa {
  readonly certificate: x509.X509Certificate;
  readonly privateKey: webcrypto.CryptoKey;
  /** The WebCrypto algorithm this key signs with. */
  readonly signingAlgorithm: webcrypto.Algorithm | webcrypto.EcdsaParams;
}

/** A new RSA key pair for a CA. Generating a 4096-bit key takes a second or more. */
export async function generateCaKeyPair(modulusLength = CA_KEY_BITS): Promise<CaKeyPair> {
  return (await subtle.generateKey({ ...RSA_SIGNING, modulusLength, publicExponent: new Uint8Array([1, 0, 1]) }, true, [
    "sign",
    "verify",
  ])) as CaKeyPair;
}

/** A self-signed mesh root: O=Istio, CN=Root CA, about ten years. */
export async function createRootCertificate(keys: CaKeyPair, now = new Date()): Promise<x509.X509Certificate> {
  return x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerialNumber(),
    name: [{ O: [CA_ORGANIZATION] }, { CN: [ROOT_COMMON_NAME] }],
    notBefore: now,
    notAfter: new Date(now.getTime() + ROOT_VALIDITY_DAYS * DAY_MS),
    keys,
    signingAlgorithm: RSA_SIGNING,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(CA_KEY_USAGES, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
}

export interface IntermediateRequest {
  readonly clusterName: string;
  /** Public key of the intermediate. */
  readonly publicKey: webcrypto.CryptoKey;
  readonly issuer: SigningCa;
  /**
   * Start of the certificate's validity.
   * @default the current time
   */
  readonly now?: Date;
}

/**
 * A cluster's intermediate CA: O=Istio, CN=Intermediate CA, L=<cluster>, about two years (never
 * past its root), CA:TRUE with pathlen 0 so it can sign workloads but no further CAs.
 */
export async function createIntermediateCertificate(request: IntermediateRequest): Promise<x509.X509Certificate> {
  const now = request.now ?? new Date();
  const notAfter = Math.min(
    now.getTime() + INTERMEDIATE_VALIDITY_DAYS * DAY_MS,
    request.issuer.certificate.notAfter.getTime(),
  );
  return x509.X509CertificateGenerator.create({
    serialNumber: randomSerialNumber(),
    subject: [{ O: [CA_ORGANIZATION] }, { CN: [INTERMEDIATE_COMMON_NAME] }, { L: [request.clusterName] }],
    issuer: request.issuer.certificate.subjectName,
    notBefore: now,
    notAfter: new Date(notAfter),
    publicKey: request.publicKey,
    signingKey: request.issuer.privateKey,
    signingAlgorithm: request.issuer.signingAlgorithm,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(CA_KEY_USAGES, true),
      new x509.SubjectAlternativeNameExtension([{ type: "dns", value: ISTIOD_DNS_NAME }]),
      await x509.SubjectKeyIdentifierExtension.create(request.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(request.issuer.certificate.publicKey),
    ],
  });
}

/** PKCS#8 PEM ("BEGIN PRIVATE KEY"), which istiod and openssl both read. */
export async function privateKeyPem(key: webcrypto.CryptoKey): Promise<string> {
  return x509.PemConverter.encode(await subtle.exportKey("pkcs8", key), "PRIVATE KEY");
}

/**
 * Loads a root key from PEM (PKCS#8, PKCS#1 RSA or SEC1 EC, as openssl and PKIs write them) for
 * signing intermediates.
 */
export async function loadSigningCa(certificatePem: string, keyPem: string): Promise<SigningCa> {
  const keyObject = createPrivateKey(keyPem);
  const unsupported = unsupportedKeyKind(keyObject);
  if (unsupported)
    throw new Error(`is a ${unsupported} key: npm run certs signs with RSA, P-256 or P-384 root keys only`);
  const pkcs8 = keyObject.export({ type: "pkcs8", format: "der" });
  const certificate = new x509.X509Certificate(certificatePem);
  if (keyObject.asymmetricKeyType === "rsa") {
    const privateKey = await subtle.importKey("pkcs8", pkcs8, RSA_SIGNING, false, ["sign"]);
    return { certificate, privateKey, signingAlgorithm: RSA_SIGNING };
  }
  const [namedCurve, hash] = SIGNING_CURVES[keyObject.asymmetricKeyDetails!.namedCurve!];
  const privateKey = await subtle.importKey("pkcs8", pkcs8, { name: "ECDSA", namedCurve }, false, ["sign"]);
  return { certificate, privateKey, signingAlgorithm: { name: "ECDSA", hash } };
}

/** A positive 128-bit serial whose first byte is non-zero, so its DER encoding is minimal. */
function randomSerialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0] & 0x7f) | 0x40;
  return bytes.toString("hex");
}

import "reflect-metadata";
import { createPrivateKey, randomBytes, webcrypto } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import * as x509 from "@peculiar/x509";
import { PROJECT_DIR } from "../config/project";
import { clusterFiles, displayPath, rootFiles } from "./layout";
import { CaError, validateCaDirectory } from "./validate-ca";

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
const RSA_SIGNING = { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" } as const;
const PRIVATE_KEY_MODE = 0o600;
const CERTIFICATE_MODE = 0o644;
const CA_DIRECTORY_MODE = 0o700;

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
  const pkcs8 = keyObject.export({ type: "pkcs8", format: "der" });
  const certificate = new x509.X509Certificate(certificatePem);
  if (keyObject.asymmetricKeyType === "rsa") {
    const privateKey = await subtle.importKey("pkcs8", pkcs8, RSA_SIGNING, false, ["sign"]);
    return { certificate, privateKey, signingAlgorithm: RSA_SIGNING };
  }
  const curve = { prime256v1: ["P-256", "SHA-256"], secp384r1: ["P-384", "SHA-384"] }[
    keyObject.asymmetricKeyDetails?.namedCurve ?? ""
  ];
  if (keyObject.asymmetricKeyType === "ec" && curve) {
    const privateKey = await subtle.importKey("pkcs8", pkcs8, { name: "ECDSA", namedCurve: curve[0] }, false, ["sign"]);
    return { certificate, privateKey, signingAlgorithm: { name: "ECDSA", hash: curve[1] } };
  }
  const kind = keyObject.asymmetricKeyDetails?.namedCurve ?? keyObject.asymmetricKeyType;
  throw new Error(`is a ${kind} key: npm run certs signs with RSA, P-256 or P-384 root keys only`);
}

export interface EnsureMeshCaOptions {
  /** The CA directory, absolute or relative to projectDir. */
  readonly caDirectory: string;
  /** Clusters that need an intermediate; folders of other clusters in the directory are left alone. */
  readonly clusterNames: readonly string[];
  /**
   * Messages show paths relative to this directory.
   * @default PROJECT_DIR
   */
  readonly projectDir?: string;
  /**
   * The moment new certificates start from and existing ones are checked against.
   * @default the current time
   */
  readonly now?: Date;
  /**
   * RSA modulus of new keys. Istio's Makefile uses 4096; a bring-your-own CA may use any size.
   * @default CA_KEY_BITS
   */
  readonly keyBits?: number;
}

/** What one run did, for the CLI to print. Paths are shown relative to the project. */
export interface MeshCaReport {
  readonly created: CaEntry[];
  readonly kept: CaEntry[];
  /** Expiring certificates and the like: the run still succeeded. */
  readonly warnings: string[];
  /** Every private key file of the configured CA, for the git-ignore check. */
  readonly keyFiles: string[];
}

export interface CaEntry {
  /** "root" or the cluster's name. */
  readonly name: string;
  /** The directory (cluster) or certificate file (root) as shown to users. */
  readonly shown: string;
  readonly notAfter: Date;
}

/**
 * `npm run certs`: creates the mesh root if there is none and an intermediate for every configured
 * cluster that has none. Everything that exists is validated first and kept as it is; a root is
 * never replaced, and a partial, expired or mismatched CA stops the run with a CaError before
 * anything is written.
 */
export async function ensureMeshCa(options: EnsureMeshCaOptions): Promise<MeshCaReport> {
  const projectDir = options.projectDir ?? PROJECT_DIR;
  const now = options.now ?? new Date();
  const caDirectory = path.resolve(projectDir, options.caDirectory);
  const show = (file: string) => displayPath(projectDir, file);
  const root = rootFiles(caDirectory);
  const hasRootCert = existsSync(root.cert);
  const hasRootKey = existsSync(root.key);
  const existing = options.clusterNames.filter((name) => clusterFileCount(caDirectory, name) > 0);
  const missing = options.clusterNames.filter((name) => !existing.includes(name));

  const problems: string[] = [];
  if (!hasRootCert && (hasRootKey || existing.length)) {
    const orphans = [
      ...(hasRootKey ? [show(root.key)] : []),
      ...existing.map((name) => `${show(path.join(caDirectory, name))}/`),
    ];
    problems.push(
      `${show(root.cert)} is missing but ${orphans.join(", ")} exist: restore the root certificate, or move ${show(caDirectory)}/ aside and run \`npm run certs\` again to start a new CA (every cluster then needs a new deploy)`,
    );
  } else if (hasRootCert && !hasRootKey && missing.length) {
    problems.push(
      `${show(root.key)} is missing, and issuing intermediates for ${missing.join(", ")} needs it: restore the root key, or put those clusters' files from your PKI in ${show(caDirectory)}/`,
    );
  }
  if (hasRootCert)
    problems.push(...validateCaDirectory({ caDirectory, clusterNames: existing, projectDir, now }).problems);
  if (problems.length) throw new CaError(`${show(caDirectory)}/`, problems);

  const created: CaEntry[] = [];
  const kept: CaEntry[] = [];
  let issuer: SigningCa | undefined;
  if (hasRootCert) {
    const certificatePem = readFileSync(root.cert, "utf8");
    const rootCertificate = new x509.X509Certificate(certificatePem);
    kept.push({ name: "root", shown: show(root.cert), notAfter: rootCertificate.notAfter });
    if (missing.length) {
      try {
        issuer = await loadSigningCa(certificatePem, readFileSync(root.key, "utf8"));
      } catch (error) {
        throw new CaError(`${show(caDirectory)}/`, [`${show(root.key)} ${(error as Error).message}`]);
      }
    }
  }

  // Every key is generated before anything is written, so a failure leaves the directory as it was.
  const [rootKeys, ...clusterKeys] = await Promise.all([
    hasRootCert ? undefined : generateCaKeyPair(options.keyBits),
    ...missing.map(() => generateCaKeyPair(options.keyBits)),
  ]);
  mkdirSync(caDirectory, { recursive: true, mode: CA_DIRECTORY_MODE });
  if (rootKeys) {
    const certificate = await createRootCertificate(rootKeys, now);
    issuer = { certificate, privateKey: rootKeys.privateKey, signingAlgorithm: RSA_SIGNING };
    writeNewFile(root.key, await privateKeyPem(rootKeys.privateKey), PRIVATE_KEY_MODE);
    writeNewFile(root.cert, certificate.toString("pem"), CERTIFICATE_MODE);
    created.push({ name: "root", shown: show(root.cert), notAfter: certificate.notAfter });
  }
  // Every cluster's root-cert.pem is the mesh root file as it is; the chain ends with the root that signed.
  const rootPem = readFileSync(root.cert, "utf8");

  for (const [index, clusterName] of missing.entries()) {
    const keys = clusterKeys[index]!;
    const certificate = await createIntermediateCertificate({
      clusterName,
      publicKey: keys.publicKey,
      issuer: issuer!,
      now,
    });
    const files = clusterFiles(caDirectory, clusterName);
    const certificatePem = `${certificate.toString("pem")}\n`;
    mkdirSync(files.directory, { recursive: true, mode: CA_DIRECTORY_MODE });
    writeNewFile(files.caKey, await privateKeyPem(keys.privateKey), PRIVATE_KEY_MODE);
    writeNewFile(files.caCert, certificatePem, CERTIFICATE_MODE);
    writeNewFile(files.certChain, `${certificatePem}${issuer!.certificate.toString("pem")}\n`, CERTIFICATE_MODE);
    writeNewFile(files.rootCert, rootPem, CERTIFICATE_MODE);
    created.push({ name: clusterName, shown: `${show(files.directory)}/`, notAfter: certificate.notAfter });
  }
  for (const clusterName of existing) {
    const files = clusterFiles(caDirectory, clusterName);
    const certificate = new x509.X509Certificate(readFileSync(files.caCert, "utf8"));
    kept.push({ name: clusterName, shown: `${show(files.directory)}/`, notAfter: certificate.notAfter });
  }

  // A last look at the whole directory as istiod will get it; it also yields the expiry warnings.
  const check = validateCaDirectory({ caDirectory, clusterNames: options.clusterNames, projectDir, now });
  if (check.problems.length) throw new CaError(`${show(caDirectory)}/`, check.problems);
  const keyFiles = [root.key, ...options.clusterNames.map((name) => clusterFiles(caDirectory, name).caKey)].filter(
    (file) => existsSync(file),
  );
  return { created, kept, warnings: check.warnings, keyFiles };
}

function clusterFileCount(caDirectory: string, clusterName: string): number {
  const files = clusterFiles(caDirectory, clusterName);
  return [files.caCert, files.caKey, files.certChain, files.rootCert].filter((file) => existsSync(file)).length;
}

/** Exclusive create: a file that appeared meanwhile is never overwritten. */
function writeNewFile(file: string, contents: string, mode: number): void {
  writeFileSync(file, contents.endsWith("\n") ? contents : `${contents}\n`, { flag: "wx", mode });
  // The process umask may have cleared bits of `mode`; keys must end up exactly owner-only.
  chmodSync(file, mode);
}

/** A positive 128-bit serial whose first byte is non-zero, so its DER encoding is minimal. */
function randomSerialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0] & 0x7f) | 0x40;
  return bytes.toString("hex");
}

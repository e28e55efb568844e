import { createPrivateKey, KeyObject, X509Certificate as NodeCertificate } from "node:crypto";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import type { X509Certificate } from "@peculiar/x509";
import { PROJECT_DIR } from "../config/project";
import { CA_CERT_FILE, CA_KEY_FILE, CERT_CHAIN_FILE, ClusterCaFile, ROOT_CERT_FILE } from "../constructs/names";
import {
  CaPurpose,
  CaState,
  ClusterState,
  hasClusterMaterial,
  inspectCaDirectory,
  isFreshCa,
  keyPermissionWarnings,
  layoutProblems,
  reissueAdvice,
} from "./ca-state";
import { clusterFiles, displayPath, rootFiles } from "./layout";
import { meshRecordProblem } from "./mesh-record";
import { unreachableReason } from "./path-kind";
import { damagedPemReason, isEncryptedKeyPem, pemCertificateBlocks, shortFingerprint, truncatedPemLabel } from "./pem";

/**
 * @peculiar/x509 (and the Reflect polyfill it needs) takes about 100 ms to load: every synth
 * imports this module, but only a synth with a CA directory to check pays for the library.
 */
function x509(): typeof import("@peculiar/x509") {
  /* eslint-disable @typescript-eslint/no-require-imports */
  require("reflect-metadata");
  return require("@peculiar/x509");
  /* eslint-enable @typescript-eslint/no-require-imports */
}

/** A certificate that ends within this many days gets a warning, so there is time to renew it. */
export const EXPIRY_WARNING_DAYS = 30;

const DAY_MS = 24 * 60 * 60 * 1000;

/** What is wrong with a CA directory (blocks synth and `npm run certs`) and what will be soon (advice). */
export interface CaCheck {
  /** Each names the file (relative to the project), what is wrong and the fix. */
  readonly problems: string[];
  readonly warnings: string[];
}

export interface CaCheckOptions {
  /** The CA directory, absolute or relative to projectDir (the config's certificateAuthority.directory). */
  readonly caDirectory: string;
  /** Clusters whose intermediates to check; other folders in the directory are left alone. */
  readonly clusterNames: readonly string[];
  /**
   * Paths in messages are shown relative to this directory.
   * @default PROJECT_DIR
   */
  readonly projectDir?: string;
  /**
   * The moment expiry is judged against.
   * @default the current time
   */
  readonly now?: Date;
  /**
   * The config's meshId: a CA directory recorded for other meshes (mesh.json) is refused.
   * @default no check
   */
  readonly meshId?: string;
  /**
   * Who asks: synth needs every intermediate in place; `npm run certs` issues the missing ones.
   * @default "synth"
   */
  readonly purpose?: CaPurpose;
}

/**
 * A CA directory that cannot be used, with every problem at once. Raised by `npm run certs`, and
 * by synth when checkMeshCa finds problems in a CA directory that exists.
 */
export class CaError extends Error {
  constructor(
    readonly caDirectory: string,
    readonly problems: readonly string[],
  ) {
    super(`CA directory ${caDirectory} is not usable:\n${problems.map((problem) => `  ${problem}`).join("\n")}`);
    this.name = "CaError";
  }
}

/**
 * The synth-time check. A CA directory with no CA in it yet (a fresh clone) only warns: synth
 * still succeeds, since Terraform reads the files at apply time. Anything else is validated in
 * full, with the same classification `npm run certs` uses.
 */
export function checkMeshCa(options: CaCheckOptions): CaCheck & { readonly missing: boolean } {
  const projectDir = options.projectDir ?? PROJECT_DIR;
  const caDirectory = path.resolve(projectDir, options.caDirectory);
  const state = inspectCaDirectory(caDirectory, options.clusterNames);
  if (isFreshCa(state)) {
    const shown = `${displayPath(projectDir, caDirectory)}/`;
    const what = state.kind.kind === "absent" ? "does not exist yet" : "holds no CA yet";
    return {
      missing: true,
      problems: [],
      warnings: [
        `CA directory ${shown} ${what}: synth goes on, but run \`npm run certs\` (or put your own CA there, see certificateAuthority.directory) before cdktf deploy, or the apply fails reading the cacerts files`,
      ],
    };
  }
  return { missing: false, ...checkCaState(state, { ...options, purpose: options.purpose ?? "synth" }) };
}

/**
 * Checks a CA directory of the layout in layout.ts, generated or brought from a company PKI: every
 * file present, each intermediate chaining to the mesh root (issuer and signature), every cluster
 * holding the same root, each key matching its certificate, intermediates being CAs, and nothing
 * expired (a problem) or expiring within EXPIRY_WARNING_DAYS (a warning).
 *
 * Keys are read only to check that they match their certificates; nothing read here is returned.
 * root-key.pem is optional (a company root key stays offline) but must match when present.
 */
export function validateCaDirectory(options: CaCheckOptions): CaCheck {
  const caDirectory = path.resolve(options.projectDir ?? PROJECT_DIR, options.caDirectory);
  return checkCaState(inspectCaDirectory(caDirectory, options.clusterNames), options);
}

/** validateCaDirectory on a directory already inspected. */
export function checkCaState(state: CaState, options: Omit<CaCheckOptions, "caDirectory" | "clusterNames">): CaCheck {
  const checker = new CaChecker(options.projectDir ?? PROJECT_DIR, options.now ?? new Date(), state);
  const show = (file: string) => checker.show(file);
  for (const problem of layoutProblems(state, options.purpose ?? "synth", show)) checker.problem(problem);
  if (state.kind.kind !== "directory") return checker.result();
  const recordProblem = options.meshId ? meshRecordProblem(state.directory, options.meshId, show) : undefined;
  if (recordProblem) checker.problem(recordProblem);
  for (const warning of keyPermissionWarnings(state, show)) checker.warn(warning);
  if (state.rootCert.kind !== "file") return checker.result();
  const roots = checker.checkRoot();
  for (const cluster of state.clusters) {
    if (cluster.folder.kind === "directory" && hasClusterMaterial(cluster)) checker.checkCluster(cluster, roots);
  }
  return checker.result();
}

/** A certificate parsed twice: Node's crypto verifies signatures and keys, @peculiar/x509 reads extensions. */
interface LoadedCertificate {
  readonly node: NodeCertificate;
  readonly parsed: X509Certificate;
  /** How messages name it, e.g. `ca/cluster1/ca-cert.pem`. */
  readonly label: string;
}

class CaChecker {
  private readonly problems: string[] = [];
  private readonly warnings: string[] = [];

  constructor(
    private readonly projectDir: string,
    private readonly now: Date,
    private readonly state: CaState,
  ) {}

  problem(message: string): void {
    this.problems.push(message);
  }

  warn(message: string): void {
    this.warnings.push(message);
  }

  result(): CaCheck {
    return { problems: this.problems, warnings: this.warnings };
  }

  show(file: string): string {
    return displayPath(this.projectDir, file);
  }

  /** The mesh root certificates (the first is the one that signs), or undefined when unusable. */
  checkRoot(): LoadedCertificate[] | undefined {
    const files = rootFiles(this.state.directory);
    const roots = this.readCertificates(files.cert);
    if (!roots) return undefined;
    for (const root of roots) {
      this.checkIsCa(root, "it cannot be the mesh root: put the root CA certificate of your PKI there");
      this.checkValidity(
        root,
        "every cluster must move to a new root: plan a root rotation (a new root next to this one in root-cert.pem, then new intermediates)",
      );
    }
    // An encrypted root key is fine here: only npm run certs signs with it (ca-state.ts says when it must).
    const rootKey = this.state.rootKey;
    if (this.state.rootKeyFile.kind === "file" && (rootKey.usable || rootKey.reason !== "encrypted")) {
      const key = this.readKey(files.key);
      if (key && !roots[0].node.checkPrivateKey(key)) {
        this.problem(
          `${this.show(files.key)} does not match ${roots[0].label}: restore the root's own key, or remove root-key.pem if the root key is kept elsewhere (it is needed only to issue intermediates)`,
        );
      }
    }
    return roots;
  }

  checkCluster(cluster: ClusterState, roots: LoadedCertificate[] | undefined): void {
    const files = clusterFiles(this.state.directory, cluster.name);
    const reissue = reissueAdvice(this.state, cluster.name, (file) => this.show(file));
    const isFile = (name: ClusterCaFile) => cluster.files[name].kind === "file";

    const caCert = isFile(CA_CERT_FILE) ? this.readCertificates(files.caCert)?.[0] : undefined;
    if (caCert) {
      this.checkIsCa(
        caCert,
        `istiod cannot issue workload certificates with it: ${reissue} (basicConstraints CA:TRUE, keyUsage keyCertSign)`,
      );
      this.checkValidity(caCert, `${reissue}, then deploy cluster ${cluster.name} again`);
      const key = isFile(CA_KEY_FILE) ? this.readKey(files.caKey) : undefined;
      if (key && !caCert.node.checkPrivateKey(key)) {
        this.problem(
          `${this.show(files.caKey)} does not match ${caCert.label}: put the key the certificate was issued for there, or ${reissue}`,
        );
      }
    }

    if (roots && isFile(ROOT_CERT_FILE)) {
      const clusterRoots = this.readCertificates(files.rootCert);
      if (clusterRoots && !sameCertificates(clusterRoots, roots)) {
        this.problem(
          `${this.show(files.rootCert)} differs from ${roots[0].label}: every cluster must trust the same root or cross-cluster mTLS fails; copy ${roots[0].label} over it (and reissue the intermediate if it came from another root)`,
        );
      }
    }

    const chain = isFile(CERT_CHAIN_FILE) ? this.readCertificates(files.certChain) : undefined;
    if (chain && caCert) this.checkChain(chain, caCert, roots, files.certChain, reissue);
  }

  /** cert-chain.pem: the intermediate first, each certificate signed by the next, ending with the mesh root. */
  private checkChain(
    chain: LoadedCertificate[],
    caCert: LoadedCertificate,
    roots: LoadedCertificate[] | undefined,
    chainFile: string,
    reissue: string,
  ): void {
    const shown = this.show(chainFile);
    const isRoot = (certificate: LoadedCertificate) =>
      roots?.some((root) => root.node.raw.equals(certificate.node.raw)) ?? false;
    const name = (index: number) => {
      const certificate = chain[index];
      if (index === 0 && certificate.node.raw.equals(caCert.node.raw)) return caCert.label;
      if (isRoot(certificate)) return `the mesh root ${roots![0].label}`;
      return certificate.label;
    };
    if (!chain[0].node.raw.equals(caCert.node.raw)) {
      this.problem(
        `${shown} does not start with ${caCert.label}: write the intermediate first, then each issuer up to the root (cat ca-cert.pem root-cert.pem > cert-chain.pem)`,
      );
    }
    for (let index = 0; index + 1 < chain.length; index++) {
      const [subject, issuer] = [chain[index], chain[index + 1]];
      if (!issuedBy(subject, issuer)) {
        this.problem(
          `${name(index)} is not signed by ${name(index + 1)} (its issuer is "${subject.parsed.issuer}"): it comes from another CA; ${reissue}`,
        );
      }
    }
    for (const middle of chain.slice(1, -1)) {
      if (!isRoot(middle)) this.checkValidity(middle, "renew it in your PKI and rebuild cert-chain.pem");
    }
    const top = chain[chain.length - 1];
    if (roots && !isRoot(top)) {
      const issuer =
        chain.length > 1
          ? `ends with "${top.parsed.subject}" (SHA-256 ${fingerprintOf(top)})`
          : "holds only one certificate";
      this.problem(
        `${shown} ${issuer}, not the mesh root ${roots[0].label} (SHA-256 ${fingerprintOf(roots[0])}): the intermediate must chain to the one mesh root; append the root (cat ca-cert.pem root-cert.pem > cert-chain.pem) if it was issued by it, or ${reissue}`,
      );
    }
  }

  private checkIsCa(certificate: LoadedCertificate, consequence: string): void {
    const { BasicConstraintsExtension, KeyUsagesExtension, KeyUsageFlags } = x509();
    const basicConstraints = certificate.parsed.getExtension(BasicConstraintsExtension);
    const keyUsage = certificate.parsed.getExtension(KeyUsagesExtension);
    if (!basicConstraints?.ca) {
      this.problem(`${certificate.label} is not a CA certificate (no basicConstraints CA:TRUE): ${consequence}`);
    } else if (keyUsage && !(keyUsage.usages & KeyUsageFlags.keyCertSign)) {
      this.problem(`${certificate.label} may not sign certificates (its keyUsage lacks keyCertSign): ${consequence}`);
    }
  }

  private checkValidity(certificate: LoadedCertificate, renewal: string): void {
    const { notBefore, notAfter } = certificate.parsed;
    if (notBefore.getTime() > this.now.getTime()) {
      this.problem(
        `${certificate.label} is not valid before ${isoDate(notBefore)}: check this machine's clock, or wait until then`,
      );
    } else if (notAfter.getTime() <= this.now.getTime()) {
      this.problem(`${certificate.label} expired on ${isoDate(notAfter)}: ${renewal}`);
    } else {
      const daysLeft = Math.floor((notAfter.getTime() - this.now.getTime()) / DAY_MS);
      if (daysLeft < EXPIRY_WARNING_DAYS) {
        this.warnings.push(`${certificate.label} expires on ${isoDate(notAfter)}, in ${daysLeft} days: ${renewal}`);
      }
    }
  }

  /** Every certificate in a PEM file, in order; undefined (with a problem recorded) when there is none. */
  private readCertificates(file: string): LoadedCertificate[] | undefined {
    const text = this.readText(file);
    if (text === undefined) return undefined;
    const shown = this.show(file);
    const truncated = truncatedPemLabel(text);
    if (truncated) {
      this.problem(`${shown} ${damagedPemReason(text)}: copy the whole file again from its source`);
      return undefined;
    }
    const blocks = pemCertificateBlocks(text);
    if (!blocks.length) {
      this.problem(
        `${shown} holds no PEM certificate ("-----BEGIN CERTIFICATE-----"): put the certificate there in PEM form (openssl x509 -inform der converts DER)`,
      );
      return undefined;
    }
    try {
      return blocks.map((pem, index) => {
        const parsed = new (x509().X509Certificate)(pem);
        const label = blocks.length === 1 ? shown : `certificate ${index + 1} ("${parsed.subject}") of ${shown}`;
        return { node: new NodeCertificate(pem), parsed, label };
      });
    } catch {
      this.problem(`${shown} ${damagedPemReason(text)}: replace it with the PEM certificate from its CA`);
      return undefined;
    }
  }

  private readKey(file: string): KeyObject | undefined {
    const text = this.readText(file);
    if (text === undefined) return undefined;
    if (isEncryptedKeyPem(text)) {
      this.problem(
        `${this.show(file)} is encrypted: istiod needs it unencrypted (openssl pkey -in <encrypted> -out ${this.show(file)})`,
      );
      return undefined;
    }
    try {
      return createPrivateKey(text);
    } catch {
      const what = text.includes("-----BEGIN") ? damagedPemReason(text) : "is not a PEM private key";
      this.problem(`${this.show(file)} ${what}: put the certificate's private key there in PEM form`);
      return undefined;
    }
  }

  private readText(file: string): string | undefined {
    try {
      return readFileSync(file, "utf8");
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? "EIO";
      this.problem(`${this.show(file)} ${unreachableReason(code)}: check its permissions`);
      return undefined;
    }
  }
}

/** Issuer name and signature both: a certificate whose issuer only carries the right name is not enough. */
function issuedBy(subject: LoadedCertificate, issuer: LoadedCertificate): boolean {
  return subject.node.checkIssued(issuer.node) && subject.node.verify(issuer.node.publicKey);
}

function sameCertificates(a: readonly LoadedCertificate[], b: readonly LoadedCertificate[]): boolean {
  return a.length === b.length && a.every((certificate, index) => certificate.node.raw.equals(b[index].node.raw));
}

/** Two roots made by `npm run certs` share their name, so messages tell them apart by fingerprint. */
function fingerprintOf(certificate: LoadedCertificate): string {
  return shortFingerprint(certificate.node.fingerprint256);
}

function isoDate(date: Date): string {
  return date.toISOString().slice(0, 10);
}

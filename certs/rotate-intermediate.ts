import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { PROJECT_DIR } from "../config/project";
import {
  createIntermediateCertificate,
  generateCaKeyPair,
  loadSigningCa,
  privateKeyPem,
  SigningCa,
} from "./certificates";
import { clusterFiles, displayPath, rootFiles } from "./layout";
import { acquireCaLock } from "./lock";
import { backupFiles, FileUpdate, replaceFiles } from "./replace-files";
import { CERTIFICATE_MODE, PRIVATE_KEY_MODE } from "./staging";
import { CaError, validateCaDirectory } from "./validate-ca";

export interface RotateIntermediateOptions {
  /** The CA directory, absolute or relative to projectDir. */
  readonly caDirectory: string;
  /** The cluster whose intermediate is replaced. */
  readonly clusterName: string;
  /** Every configured cluster: the directory must be valid for all of them before anything changes. */
  readonly clusterNames: readonly string[];
  /**
   * Messages show paths relative to this directory.
   * @default PROJECT_DIR
   */
  readonly projectDir?: string;
  /**
   * Start of the new intermediate's validity, and the backup folder's time stamp.
   * @default the current time
   */
  readonly now?: Date;
  /**
   * RSA modulus of the new key.
   * @default CA_KEY_BITS
   */
  readonly keyBits?: number;
}

export interface RotatedIntermediate {
  /** The cluster's folder, as shown to users. */
  readonly shown: string;
  readonly notAfter: Date;
  /** Where the replaced files were copied, as shown to users. */
  readonly backup: string;
  /** The new and the backed-up key files, for the git-ignore check. */
  readonly keyFiles: string[];
}

/**
 * `npm run certs -- --rotate-intermediate <cluster>`: a new key and intermediate for one cluster,
 * signed by the mesh's signing root, replacing ca-cert.pem, ca-key.pem and cert-chain.pem in
 * place. root-cert.pem stays byte for byte the same, which is what lets istiod load the new
 * intermediate from its mounted `cacerts` without a restart (pilot/pkg/bootstrap/istio_ca.go
 * reloads an intermediate signed by the current roots and refuses a changed root set).
 */
export async function rotateIntermediate(options: RotateIntermediateOptions): Promise<RotatedIntermediate> {
  const projectDir = options.projectDir ?? PROJECT_DIR;
  const caDirectory = path.resolve(projectDir, options.caDirectory);
  // A second `npm run certs` meanwhile could issue into the folder being replaced.
  const release = acquireCaLock(caDirectory, (file) => displayPath(projectDir, file));
  try {
    return await rotateLocked(options, projectDir, caDirectory);
  } finally {
    release();
  }
}

async function rotateLocked(
  options: RotateIntermediateOptions,
  projectDir: string,
  caDirectory: string,
): Promise<RotatedIntermediate> {
  const now = options.now ?? new Date();
  const show = (file: string) => displayPath(projectDir, file);
  const root = rootFiles(caDirectory);
  const files = clusterFiles(caDirectory, options.clusterName);

  const problems: string[] = [];
  if (!options.clusterNames.includes(options.clusterName)) {
    problems.push(
      `--rotate-intermediate ${options.clusterName} names no cluster of the config: use one of ${options.clusterNames.join(", ")}`,
    );
  } else {
    problems.push(
      ...validateCaDirectory({ caDirectory, clusterNames: options.clusterNames, projectDir, now }).problems,
    );
    if (existsSync(root.cert) && !existsSync(root.key)) {
      problems.push(
        `${show(root.key)} is missing, and a new intermediate for ${options.clusterName} must be signed with it: restore the root key, or put a new intermediate from your PKI in ${show(files.directory)}/`,
      );
    }
  }
  if (problems.length) throw new CaError(`${show(caDirectory)}/`, problems);

  const issuer = await signingRoot(root.cert, root.key, show);
  const keys = await generateCaKeyPair(options.keyBits);
  const certificate = await createIntermediateCertificate({
    clusterName: options.clusterName,
    publicKey: keys.publicKey,
    issuer,
    now,
  });
  const backup = backupFiles(
    caDirectory,
    `${options.clusterName}-intermediate`,
    [files.caCert, files.caKey, files.certChain],
    now,
  );
  replaceFiles(intermediateUpdates(files, certificate.toString("pem"), await privateKeyPem(keys.privateKey), issuer));

  const check = validateCaDirectory({ caDirectory, clusterNames: options.clusterNames, projectDir, now });
  if (check.problems.length) throw new CaError(`${show(caDirectory)}/`, check.problems);
  return {
    shown: `${show(files.directory)}/`,
    notAfter: certificate.notAfter,
    backup: `${show(backup)}/`,
    keyFiles: [files.caKey, path.join(backup, path.relative(caDirectory, files.caKey))],
  };
}

/** The root that signs intermediates: the first certificate of root-cert.pem, with root-key.pem. */
export async function signingRoot(
  certFile: string,
  keyFile: string,
  show: (file: string) => string,
): Promise<SigningCa> {
  try {
    return await loadSigningCa(readFileSync(certFile, "utf8"), readFileSync(keyFile, "utf8"));
  } catch (error) {
    throw new CaError(`${show(path.dirname(certFile))}/`, [`${show(keyFile)} ${(error as Error).message}`]);
  }
}

/** The three files of a cluster's intermediate; the chain ends with the root that signed it. */
export function intermediateUpdates(
  files: ReturnType<typeof clusterFiles>,
  certificatePem: string,
  keyPem: string,
  issuer: SigningCa,
): FileUpdate[] {
  const certificate = `${certificatePem.trim()}\n`;
  return [
    { file: files.caKey, contents: keyPem, mode: PRIVATE_KEY_MODE },
    { file: files.caCert, contents: certificate, mode: CERTIFICATE_MODE },
    {
      file: files.certChain,
      contents: `${certificate}${issuer.certificate.toString("pem")}\n`,
      mode: CERTIFICATE_MODE,
    },
  ];
}

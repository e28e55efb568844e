import "reflect-metadata";
import { mkdirSync, readFileSync, rmSync } from "node:fs";
import * as path from "node:path";
import * as x509 from "@peculiar/x509";
import { PROJECT_DIR } from "../config/project";
import { CA_MESH_RECORD_FILE } from "../constructs/names";
import { CaState, clustersToIssue, inspectCaDirectory, isFreshCa, layoutProblems } from "./ca-state";
import {
  CaKeyPair,
  createIntermediateCertificate,
  createRootCertificate,
  generateCaKeyPair,
  loadSigningCa,
  privateKeyPem,
  RSA_SIGNING,
  SigningCa,
} from "./certificates";
import { clusterFiles, displayPath, rootFiles } from "./layout";
import { acquireCaLock } from "./lock";
import { meshRecordFile, meshRecordText, readMeshRecord } from "./mesh-record";
import { pathKind } from "./path-kind";
import {
  CA_DIRECTORY_MODE,
  CERTIFICATE_MODE,
  createStaging,
  moveIntoPlace,
  PRIVATE_KEY_MODE,
  removeStaleStaging,
  writeNewFile,
} from "./staging";
import { CaError, checkCaState } from "./validate-ca";

export * from "./certificates";

export interface EnsureMeshCaOptions {
  /** The CA directory, absolute or relative to projectDir. */
  readonly caDirectory: string;
  /** Clusters that need an intermediate; folders of other clusters in the directory are left alone. */
  readonly clusterNames: readonly string[];
  /**
   * The config's meshId: recorded in mesh.json with a new root, and checked against the record
   * of an existing one, so another mesh's config never reuses this root by accident.
   * @default no record is written or checked
   */
  readonly meshId?: string;
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
  /** Expiring certificates, keys readable by others and the like: the run still succeeded. */
  readonly warnings: string[];
  /** Every private key file of the configured CA, for the git-ignore check. */
  readonly keyFiles: string[];
  /** mesh.json as shown, when this run wrote it into a CA directory that had none. */
  readonly recorded?: string;
}

export interface CaEntry {
  /** "root" or the cluster's name. */
  readonly name: string;
  /** The directory (cluster) or certificate file (root) as shown to users. */
  readonly shown: string;
  readonly notAfter: Date;
}

/** Where a run works and how it names paths. */
interface RunContext {
  readonly caDirectory: string;
  readonly options: EnsureMeshCaOptions;
  readonly now: Date;
  readonly show: (file: string) => string;
}

/**
 * `npm run certs`: creates the mesh root if there is none and an intermediate for every configured
 * cluster that has none. Everything that exists is validated first and kept as it is; a root is
 * never replaced, and a partial, expired, mismatched or other mesh's CA stops the run with a
 * CaError before anything is written. New files are staged beside the directory and renamed into
 * place, and a lock keeps a second run out meanwhile.
 */
export async function ensureMeshCa(options: EnsureMeshCaOptions): Promise<MeshCaReport> {
  const projectDir = options.projectDir ?? PROJECT_DIR;
  const caDirectory = path.resolve(projectDir, options.caDirectory);
  const context: RunContext = {
    caDirectory,
    options,
    now: options.now ?? new Date(),
    show: (file) => displayPath(projectDir, file),
  };
  // A CA directory that is a file or a broken link cannot even be locked: say so first.
  const early = inspectCaDirectory(caDirectory, options.clusterNames);
  if (!["absent", "directory"].includes(early.kind.kind)) {
    throw new CaError(`${context.show(caDirectory)}/`, layoutProblems(early, "certs", context.show));
  }
  const release = acquireCaLock(caDirectory, context.show);
  try {
    return await ensureLocked(context);
  } finally {
    release();
  }
}

async function ensureLocked(context: RunContext): Promise<MeshCaReport> {
  const { caDirectory, options, show } = context;
  removeStaleStaging(caDirectory, inspectCaDirectory(caDirectory, []).kind.kind === "directory");
  const state = inspectCaDirectory(caDirectory, options.clusterNames);
  const fresh = isFreshCa(state);
  if (!fresh) {
    const check = checkCaState(state, { ...options, purpose: "certs", now: context.now });
    if (check.problems.length) throw new CaError(`${show(caDirectory)}/`, check.problems);
  }
  const toIssue = fresh ? [...options.clusterNames] : clustersToIssue(state);
  const created = toIssue.length || fresh ? await stageAndMove(context, state, fresh, toIssue) : [];
  const recorded = fresh ? undefined : recordMeshIfUnrecorded(context);

  // A last look at the whole directory as istiod will get it; it also yields the warnings.
  const final = inspectCaDirectory(caDirectory, options.clusterNames);
  const check = checkCaState(final, { ...options, purpose: "synth", now: context.now });
  if (check.problems.length) throw new CaError(`${show(caDirectory)}/`, check.problems);
  const kept = keptEntries(context, fresh, toIssue);
  const keyFiles = [
    rootFiles(caDirectory).key,
    ...options.clusterNames.map((name) => clusterFiles(caDirectory, name).caKey),
  ];
  return {
    created,
    kept,
    warnings: check.warnings,
    keyFiles: keyFiles.filter((file) => pathKind(file).kind === "file"),
    ...(recorded ? { recorded } : {}),
  };
}

/** Writes everything new into a staging folder, checks it there, then moves it into place. */
async function stageAndMove(
  context: RunContext,
  state: CaState,
  fresh: boolean,
  toIssue: readonly string[],
): Promise<CaEntry[]> {
  const { caDirectory, options, show } = context;
  const root = rootFiles(caDirectory);
  const signer = fresh ? undefined : await existingSigner(context);
  // Every key is generated before anything is written.
  const [rootKeys, ...clusterKeys] = await Promise.all([
    fresh ? generateCaKeyPair(options.keyBits) : undefined,
    ...toIssue.map(() => generateCaKeyPair(options.keyBits)),
  ]);
  const exists = state.kind.kind === "directory";
  if (!exists) mkdirSync(path.dirname(caDirectory), { recursive: true });
  const staging = createStaging(caDirectory, exists);
  try {
    const created: CaEntry[] = [];
    const issuer = signer ?? (await stageRoot(staging, rootKeys!, context.now));
    if (!signer) created.push({ name: "root", shown: show(root.cert), notAfter: issuer.certificate.notAfter });
    const rootPem = fresh ? readFileSync(rootFiles(staging).cert, "utf8") : readFileSync(root.cert, "utf8");
    for (const [index, clusterName] of toIssue.entries()) {
      const certificate = await stageIntermediate(
        staging,
        clusterName,
        clusterKeys[index]!,
        issuer,
        rootPem,
        context.now,
      );
      created.push({
        name: clusterName,
        shown: `${show(clusterFiles(caDirectory, clusterName).directory)}/`,
        notAfter: certificate.notAfter,
      });
    }
    if (fresh && options.meshId)
      writeNewFile(meshRecordFile(staging), meshRecordText([options.meshId]), CERTIFICATE_MODE);
    checkStaged(context, staging, fresh, toIssue, rootPem);
    // Cluster folders first, the root last: a root certificate is what makes a CA directory "existing".
    const entries = [
      ...toIssue,
      ...(fresh ? [path.basename(root.key), CA_MESH_RECORD_FILE, path.basename(root.cert)] : []),
    ].filter((entry) => entry !== CA_MESH_RECORD_FILE || options.meshId);
    moveIntoPlace(staging, caDirectory, exists, entries);
    return created;
  } catch (error) {
    if (error instanceof CaError) throw error;
    const { code, message } = error as NodeJS.ErrnoException;
    throw new CaError(`${show(caDirectory)}/`, [
      `writing the new CA files failed (${code ?? message}${code ? `: ${message.replace(/^\w+: /, "")}` : ""}), and ${show(caDirectory)}/ was left as it was: free disk space or fix what the error names, then run \`npm run certs\` again`,
    ]);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/** The existing root as a signer for new intermediates (the checks made sure its key is usable). */
async function existingSigner(context: RunContext): Promise<SigningCa | undefined> {
  const root = rootFiles(context.caDirectory);
  try {
    return await loadSigningCa(readFileSync(root.cert, "utf8"), readFileSync(root.key, "utf8"));
  } catch (error) {
    throw new CaError(`${context.show(context.caDirectory)}/`, [
      `${context.show(root.key)} ${(error as Error).message}`,
    ]);
  }
}

async function stageRoot(staging: string, keys: CaKeyPair, now: Date): Promise<SigningCa> {
  const certificate = await createRootCertificate(keys, now);
  const files = rootFiles(staging);
  writeNewFile(files.key, await privateKeyPem(keys.privateKey), PRIVATE_KEY_MODE);
  writeNewFile(files.cert, certificate.toString("pem"), CERTIFICATE_MODE);
  return { certificate, privateKey: keys.privateKey, signingAlgorithm: RSA_SIGNING };
}

async function stageIntermediate(
  staging: string,
  clusterName: string,
  keys: CaKeyPair,
  issuer: SigningCa,
  rootPem: string,
  now: Date,
): Promise<x509.X509Certificate> {
  const certificate = await createIntermediateCertificate({ clusterName, publicKey: keys.publicKey, issuer, now });
  const files = clusterFiles(staging, clusterName);
  const certificatePem = `${certificate.toString("pem")}\n`;
  mkdirSync(files.directory, { mode: CA_DIRECTORY_MODE });
  writeNewFile(files.caKey, await privateKeyPem(keys.privateKey), PRIVATE_KEY_MODE);
  writeNewFile(files.caCert, certificatePem, CERTIFICATE_MODE);
  // The chain ends with the root that signed; every cluster's root-cert.pem is the mesh root file as it is.
  writeNewFile(files.certChain, `${certificatePem}${issuer.certificate.toString("pem")}\n`, CERTIFICATE_MODE);
  writeNewFile(files.rootCert, rootPem, CERTIFICATE_MODE);
  return certificate;
}

/** The staged files as istiod will get them; a copy of the root lets the chains be checked there. */
function checkStaged(
  context: RunContext,
  staging: string,
  fresh: boolean,
  toIssue: readonly string[],
  rootPem: string,
) {
  const rootCopy = rootFiles(staging).cert;
  if (!fresh) writeNewFile(rootCopy, rootPem, CERTIFICATE_MODE);
  const check = checkCaState(inspectCaDirectory(staging, toIssue), {
    purpose: "synth",
    now: context.now,
    projectDir: context.options.projectDir,
  });
  if (!fresh) rmSync(rootCopy);
  if (check.problems.length) throw new CaError(`${context.show(context.caDirectory)}/`, check.problems);
}

/** Records the meshId in an existing CA directory without mesh.json, so other meshes are refused from now on. */
function recordMeshIfUnrecorded(context: RunContext): string | undefined {
  const { meshId } = context.options;
  if (!meshId || readMeshRecord(context.caDirectory).kind !== "absent") return undefined;
  writeNewFile(meshRecordFile(context.caDirectory), meshRecordText([meshId]), CERTIFICATE_MODE);
  return context.show(meshRecordFile(context.caDirectory));
}

function keptEntries(context: RunContext, fresh: boolean, toIssue: readonly string[]): CaEntry[] {
  if (fresh) return [];
  const { caDirectory, show } = context;
  const notAfter = (file: string) => new x509.X509Certificate(readFileSync(file, "utf8")).notAfter;
  const root = rootFiles(caDirectory);
  return [
    { name: "root", shown: show(root.cert), notAfter: notAfter(root.cert) },
    ...context.options.clusterNames
      .filter((name) => !toIssue.includes(name))
      .map((name) => {
        const files = clusterFiles(caDirectory, name);
        return { name, shown: `${show(files.directory)}/`, notAfter: notAfter(files.caCert) };
      }),
  ];
}

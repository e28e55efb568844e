import { existsSync, readFileSync, rmSync } from "node:fs";
import * as path from "node:path";
import { PROJECT_DIR } from "../config/project";
import { NEXT_ROOT_DIRECTORY } from "../constructs/names";
import {
  createIntermediateCertificate,
  createRootCertificate,
  generateCaKeyPair,
  privateKeyPem,
  SigningCa,
} from "./certificates";
import { clusterFiles, displayPath, rootFiles } from "./layout";
import { acquireCaLock } from "./lock";
import { backupFiles, FileUpdate, replaceFiles } from "./replace-files";
import { CERTIFICATE_MODE, PRIVATE_KEY_MODE } from "./staging";
import { intermediateUpdates, signingRoot } from "./rotate-intermediate";
import {
  readRootRotation,
  RootRotationRecord,
  RootRotationStage,
  rootRotationFile,
  stageOrderProblem,
  writeRootRotation,
} from "./root-rotation-stage";
import { fingerprintOf, parseTrustBundle, trustBundlePem } from "./trust-bundle";
import { CaError, validateCaDirectory } from "./validate-ca";

export interface RotateRootOptions {
  /** The CA directory, absolute or relative to projectDir. */
  readonly caDirectory: string;
  /** Every configured cluster: each moves through the stage together. */
  readonly clusterNames: readonly string[];
  /**
   * Messages show paths relative to this directory.
   * @default PROJECT_DIR
   */
  readonly projectDir?: string;
  /**
   * Start of new certificates, the record's time and the backup folder's time stamp.
   * @default the current time
   */
  readonly now?: Date;
  /**
   * RSA modulus of new keys.
   * @default CA_KEY_BITS
   */
  readonly keyBits?: number;
}

export interface RootRotationReport {
  readonly record: RootRotationRecord;
  /** Where the replaced files were copied, as shown to users. */
  readonly backup: string;
  /** Every private key file the stage wrote or backed up, for the git-ignore check. */
  readonly keyFiles: string[];
}

/** The new root's files while the current root still signs (stage 1). */
export function nextRootFiles(caDirectory: string) {
  return rootFiles(path.join(caDirectory, NEXT_ROOT_DIRECTORY));
}

/**
 * `npm run certs -- --rotate-root <stage>`: one stage of replacing the mesh root without a
 * moment where two workloads disagree on whom to trust. Istio's plug-in CA takes a root-cert.pem
 * with several roots as its trust bundle, so:
 *
 * 1. trust:   root-cert.pem = [current, new] everywhere; intermediates unchanged (current signs).
 * 2. reissue: root-cert.pem = [new, current]; root-key.pem = the new key; every intermediate
 *             re-issued under the new root.
 * 3. retire:  root-cert.pem = [new]; the old root is gone.
 *
 * The stage is recorded in root-rotation.json and a stage out of order is refused before anything
 * is written. Every file a stage replaces is copied to previous/ first, for a rollback.
 */
export async function rotateRoot(stage: RootRotationStage, options: RotateRootOptions): Promise<RootRotationReport> {
  const projectDir = options.projectDir ?? PROJECT_DIR;
  const context = {
    ...options,
    projectDir,
    now: options.now ?? new Date(),
    caDirectory: path.resolve(projectDir, options.caDirectory),
    show: (file: string) => displayPath(projectDir, file),
  };
  const release = acquireCaLock(context.caDirectory, context.show);
  try {
    return await rotateLocked(stage, context);
  } finally {
    release();
  }
}

async function rotateLocked(stage: RootRotationStage, context: Context): Promise<RootRotationReport> {
  const shownDirectory = `${context.show(context.caDirectory)}/`;
  let recorded: RootRotationRecord | undefined;
  try {
    recorded = readRootRotation(context.caDirectory, context.show(rootRotationFile(context.caDirectory)));
  } catch (error) {
    throw new CaError(shownDirectory, [(error as Error).message]);
  }
  const problems: string[] = [];
  const orderProblem = stageOrderProblem(stage, recorded?.stage === "retire" ? undefined : recorded?.stage);
  if (orderProblem) problems.push(orderProblem);
  else problems.push(...validateCaDirectory(context).problems);
  if (!problems.length && recorded && stage !== "trust") problems.push(...bundleProblems(context, recorded, stage));
  if (problems.length) throw new CaError(shownDirectory, problems);

  const run = { trust: trustNewRoot, reissue: reissueUnderNewRoot, retire: retireOldRoot }[stage];
  const report = await run(context, recorded!);
  // A last look at the directory as synth and istiod will get it.
  const check = validateCaDirectory(context);
  if (check.problems.length) throw new CaError(shownDirectory, check.problems);
  return report;
}

type Context = Required<Omit<RotateRootOptions, "keyBits">> & {
  readonly keyBits?: number;
  readonly show: (file: string) => string;
};

async function trustNewRoot(context: Context, _recorded?: RootRotationRecord): Promise<RootRotationReport> {
  const { caDirectory, show, now } = context;
  const root = rootFiles(caDirectory);
  const current = parseTrustBundle(readFileSync(root.cert, "utf8")).roots;
  if (current.length !== 1) {
    throw new CaError(`${show(caDirectory)}/`, [
      `${show(root.cert)} holds ${current.length} roots: a rotation starts from one; finish the one in progress, or leave only the root that signs the intermediates`,
    ]);
  }
  const keys = await generateCaKeyPair(context.keyBits);
  const next = (await createRootCertificate(keys, now)).toString("pem");
  const nextFiles = nextRootFiles(caDirectory);
  const bundle = trustBundlePem([current[0], next]);
  const backup = backupFiles(caDirectory, "root-trust", rootCertFiles(context), now);
  replaceFiles([
    { file: nextFiles.key, contents: await privateKeyPem(keys.privateKey), mode: PRIVATE_KEY_MODE },
    { file: nextFiles.cert, contents: next, mode: CERTIFICATE_MODE },
    ...rootCertFiles(context).map((file) => ({ file, contents: bundle, mode: CERTIFICATE_MODE })),
  ]);
  const record = recordStage(context, "trust", fingerprintOf(current[0]), fingerprintOf(next));
  return { record, backup: `${show(backup)}/`, keyFiles: [nextFiles.key] };
}

async function reissueUnderNewRoot(context: Context, recorded: RootRotationRecord): Promise<RootRotationReport> {
  const { caDirectory, show, now, clusterNames } = context;
  const root = rootFiles(caDirectory);
  const nextFiles = nextRootFiles(caDirectory);
  const [previous] = parseTrustBundle(readFileSync(root.cert, "utf8")).roots;
  const issuer: SigningCa = await signingRoot(nextFiles.cert, nextFiles.key, show);
  const keys = await Promise.all(clusterNames.map(() => generateCaKeyPair(context.keyBits)));
  const bundle = trustBundlePem([issuer.certificate.toString("pem"), previous]);
  const updates: FileUpdate[] = [
    { file: root.key, contents: readFileSync(nextFiles.key, "utf8"), mode: PRIVATE_KEY_MODE },
    { file: root.cert, contents: bundle, mode: CERTIFICATE_MODE },
  ];
  for (const [index, clusterName] of clusterNames.entries()) {
    const files = clusterFiles(caDirectory, clusterName);
    const certificate = await createIntermediateCertificate({
      clusterName,
      publicKey: keys[index].publicKey,
      issuer,
      now,
    });
    const keyPem = await privateKeyPem(keys[index].privateKey);
    updates.push(...intermediateUpdates(files, certificate.toString("pem"), keyPem, issuer));
    updates.push({ file: files.rootCert, contents: bundle, mode: CERTIFICATE_MODE });
  }
  const replaced = [
    root.key,
    ...rootCertFiles(context),
    ...clusterNames.flatMap((name) => intermediateFiles(caDirectory, name)),
  ];
  const backup = backupFiles(caDirectory, "root-reissue", replaced, now);
  replaceFiles(updates);
  rmSync(path.dirname(nextFiles.cert), { recursive: true });
  const record = recordStage(context, "reissue", recorded.previousRoot, recorded.nextRoot);
  const keyFiles = [root.key, ...clusterNames.map((name) => clusterFiles(caDirectory, name).caKey)];
  return { record, backup: `${show(backup)}/`, keyFiles: [...keyFiles, ...backedUp(caDirectory, backup, keyFiles)] };
}

async function retireOldRoot(context: Context, recorded: RootRotationRecord): Promise<RootRotationReport> {
  const { caDirectory, show, now } = context;
  const [signing] = parseTrustBundle(readFileSync(rootFiles(caDirectory).cert, "utf8")).roots;
  const backup = backupFiles(caDirectory, "root-retire", rootCertFiles(context), now);
  const bundle = trustBundlePem([signing]);
  replaceFiles(rootCertFiles(context).map((file) => ({ file, contents: bundle, mode: CERTIFICATE_MODE })));
  const record = recordStage(context, "retire", recorded.previousRoot, recorded.nextRoot);
  return { record, backup: `${show(backup)}/`, keyFiles: [] };
}

/**
 * The roots a stage expects from the one before it: after trust, [previous, next] and the new
 * root waiting in next-root/; after reissue, [next, previous]. Anything else was changed by hand.
 */
function bundleProblems(context: Context, recorded: RootRotationRecord, stage: RootRotationStage): string[] {
  const { caDirectory, show } = context;
  const root = rootFiles(caDirectory);
  const expected =
    stage === "reissue" ? [recorded.previousRoot, recorded.nextRoot] : [recorded.nextRoot, recorded.previousRoot];
  const actual = parseTrustBundle(readFileSync(root.cert, "utf8")).roots.map(fingerprintOf);
  const problems: string[] = [];
  if (actual.join(" ") !== expected.join(" ")) {
    problems.push(
      `${show(root.cert)} does not hold the roots ${show(rootRotationFile(caDirectory))} records for this stage (${expected.length} roots, signing root first): restore it from ${show(path.join(caDirectory, "previous"))}/, the copy the last stage made`,
    );
  }
  const next = nextRootFiles(caDirectory);
  if (stage === "reissue" && !(existsSync(next.cert) && existsSync(next.key))) {
    problems.push(
      `${show(path.dirname(next.cert))}/ must hold root-cert.pem and root-key.pem of the new root, which \`--rotate-root trust\` wrote: restore them from your backup`,
    );
  }
  return problems;
}

/** The mesh root-cert.pem and every configured cluster's copy. */
function rootCertFiles(context: Context): string[] {
  return [
    rootFiles(context.caDirectory).cert,
    ...context.clusterNames.map((name) => clusterFiles(context.caDirectory, name).rootCert),
  ];
}

function intermediateFiles(caDirectory: string, clusterName: string): string[] {
  const files = clusterFiles(caDirectory, clusterName);
  return [files.caCert, files.caKey, files.certChain];
}

function backedUp(caDirectory: string, backup: string, files: readonly string[]): string[] {
  return files.map((file) => path.join(backup, path.relative(caDirectory, file))).filter((file) => existsSync(file));
}

function recordStage(
  context: Context,
  stage: RootRotationStage,
  previousRoot: string,
  nextRoot: string,
): RootRotationRecord {
  const record = { stage, previousRoot, nextRoot, updated: context.now.toISOString() };
  writeRootRotation(context.caDirectory, record);
  return record;
}

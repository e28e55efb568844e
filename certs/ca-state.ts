import * as path from "node:path";
import { CLUSTER_CA_FILES, ClusterCaFile } from "../constructs/names";
import { clusterFiles, rootFiles } from "./layout";
import { PathKind, pathKind, unreachableReason } from "./path-kind";
import { RootKeyState, rootKeyState } from "./root-key";

/**
 * One classification of a CA directory, shared by synth (checkMeshCa) and `npm run certs`
 * (ensureMeshCa), so both name the same problem in the same words and synth suggests
 * `npm run certs` only where that run would succeed.
 */
export interface CaState {
  /** The CA directory, absolute. */
  readonly directory: string;
  readonly kind: PathKind;
  readonly rootCert: PathKind;
  readonly rootKeyFile: PathKind;
  /** Whether `npm run certs` can sign new intermediates with root-key.pem, and if not, why. */
  readonly rootKey: RootKeyState;
  /** The configured clusters, in config order. */
  readonly clusters: readonly ClusterState[];
}

export interface ClusterState {
  readonly name: string;
  readonly folder: PathKind;
  readonly files: Readonly<Record<ClusterCaFile, PathKind>>;
}

export function inspectCaDirectory(caDirectory: string, clusterNames: readonly string[]): CaState {
  const kind = pathKind(caDirectory);
  const root = rootFiles(caDirectory);
  const inside = (file: string): PathKind => (kind.kind === "directory" ? pathKind(file) : { kind: "absent" });
  const rootKeyFile = inside(root.key);
  return {
    directory: caDirectory,
    kind,
    rootCert: inside(root.cert),
    rootKeyFile,
    rootKey: rootKeyFile.kind === "file" ? rootKeyState(root.key) : { usable: false, reason: "missing" },
    clusters: clusterNames.map((name) => {
      const files = clusterFiles(caDirectory, name);
      const folder = inside(files.directory);
      const fileKinds = Object.fromEntries(
        CLUSTER_CA_FILES.map((file) => [
          file,
          folder.kind === "directory" ? pathKind(path.join(files.directory, file)) : { kind: "absent" },
        ]),
      ) as Record<ClusterCaFile, PathKind>;
      return { name, folder, files: fileKinds };
    }),
  };
}

/** Holds any of a cluster's CA files (or something in their place). */
export function hasClusterMaterial(cluster: ClusterState): boolean {
  if (cluster.folder.kind === "absent") return false;
  if (cluster.folder.kind !== "directory") return true;
  return CLUSTER_CA_FILES.some((file) => cluster.files[file].kind !== "absent");
}

/**
 * No CA yet, as in a fresh clone: the directory is absent, or holds neither root nor any of the
 * configured clusters' files. Synth only warns; `npm run certs` creates the whole CA.
 */
export function isFreshCa(state: CaState): boolean {
  if (state.kind.kind === "absent") return true;
  return (
    state.kind.kind === "directory" &&
    state.rootCert.kind === "absent" &&
    state.rootKeyFile.kind === "absent" &&
    !state.clusters.some(hasClusterMaterial)
  );
}

/** Configured clusters with no intermediate at all: what `npm run certs` would issue. */
export function clustersToIssue(state: CaState): string[] {
  return state.clusters.filter((cluster) => !hasClusterMaterial(cluster)).map((cluster) => cluster.name);
}

export type CaPurpose =
  /** Synth: everything must be in place, since Terraform reads the files at apply time. */
  | "synth"
  /** `npm run certs`: clusters without an intermediate are fine when the root key can sign them. */
  | "certs";

/**
 * What is wrong with the shape of a CA directory: things in the wrong place (a file for a folder,
 * a folder for a file, symbolic link loops), a root missing under existing intermediates, missing
 * files and intermediates that cannot be issued. Content (PEM, chains, keys) is validate-ca.ts's.
 */
export function layoutProblems(state: CaState, purpose: CaPurpose, show: (file: string) => string): string[] {
  const shownDirectory = show(state.directory);
  if (state.kind.kind !== "directory") {
    return state.kind.kind === "absent" ? [] : [notAFolder(shownDirectory, state.kind, "the CA directory")];
  }
  const root = rootFiles(state.directory);
  const problems = [
    ...notAFileProblem(show(root.cert), state.rootCert, "the mesh root certificate"),
    ...notAFileProblem(show(root.key), state.rootKeyFile, "the mesh root key"),
  ];
  if (problems.length) return problems;
  if (state.rootCert.kind === "absent") return rootlessProblems(state, show);

  const issuable = clustersToIssue(state);
  for (const cluster of state.clusters) {
    problems.push(...clusterLayoutProblems(state, cluster, show));
  }
  if (issuable.length && (purpose === "synth" || !state.rootKey.usable)) {
    problems.push(missingIntermediatesProblem(state, issuable, show));
  }
  return problems;
}

/** Without root-cert.pem: nothing to check when the directory is empty, else orphaned material. */
function rootlessProblems(state: CaState, show: (file: string) => string): string[] {
  const root = rootFiles(state.directory);
  const orphans = [
    ...(state.rootKeyFile.kind !== "absent" ? [show(root.key)] : []),
    ...state.clusters
      .filter(hasClusterMaterial)
      .map((cluster) => `${show(clusterFiles(state.directory, cluster.name).directory)}/`),
  ];
  if (!orphans.length) {
    return [
      `${show(root.cert)} is missing: run \`npm run certs\` to create the mesh CA, or put the root certificate of your PKI there`,
    ];
  }
  return [
    `${show(root.cert)} is missing but ${orphans.join(", ")} exist: restore the root certificate, or move ${show(state.directory)}/ aside and run \`npm run certs\` again to start a new CA (every cluster then needs a new deploy)`,
  ];
}

function clusterLayoutProblems(state: CaState, cluster: ClusterState, show: (file: string) => string): string[] {
  const files = clusterFiles(state.directory, cluster.name);
  const shownFolder = show(files.directory);
  if (cluster.folder.kind === "absent") return [];
  if (cluster.folder.kind !== "directory") {
    return [
      notAFolder(
        shownFolder,
        cluster.folder,
        `cluster ${cluster.name}'s intermediate CA (${CLUSTER_CA_FILES.join(", ")})`,
        state.rootKey.usable ? " and run `npm run certs`" : "",
      ),
    ];
  }
  if (!hasClusterMaterial(cluster)) return [];
  return CLUSTER_CA_FILES.flatMap((file) => {
    const shown = show(path.join(files.directory, file));
    const kind = cluster.files[file];
    if (kind.kind === "absent")
      return [`${shown} is missing: restore it, or ${reissueAdvice(state, cluster.name, show)}`];
    return notAFileProblem(shown, kind, `cluster ${cluster.name}'s ${file}`);
  });
}

/** How to replace a cluster's intermediate: by `npm run certs` only when it can sign one. */
export function reissueAdvice(state: CaState, clusterName: string, show: (file: string) => string): string {
  const folder = `${show(clusterFiles(state.directory, clusterName).directory)}/`;
  if (state.rootKey.usable) {
    return `delete ${folder} and run \`npm run certs\` to issue a new intermediate from the mesh root, or reissue it from your PKI`;
  }
  return `reissue it from your PKI (npm run certs cannot: ${rootKeyReason(state, show)})`;
}

function missingIntermediatesProblem(state: CaState, clusterNames: readonly string[], show: (file: string) => string) {
  const folders = clusterNames.map((name) => `${show(clusterFiles(state.directory, name).directory)}/`);
  const what =
    clusterNames.length === 1
      ? `${folders[0]} does not hold cluster ${clusterNames[0]}'s intermediate CA`
      : `${folders.join(", ")} do not hold the intermediate CAs of clusters ${clusterNames.join(", ")}`;
  const fromPki = `put ${CLUSTER_CA_FILES.join(", ")} from your PKI there`;
  if (state.rootKey.usable)
    return `${what}: run \`npm run certs\` to issue ${clusterNames.length === 1 ? "it" : "them"}, or ${fromPki}`;
  return `${what}, and npm run certs cannot issue ${clusterNames.length === 1 ? "it" : "them"} (${rootKeyReason(state, show)}): ${rootKeyFix(state, show)}, or ${fromPki}`;
}

function rootKeyReason(state: CaState, show: (file: string) => string): string {
  const shown = show(rootFiles(state.directory).key);
  const key = state.rootKey;
  if (key.usable) return "";
  if (key.reason === "unusable") return `${shown} ${key.detail}`;
  return key.reason === "missing"
    ? `${shown} is not there`
    : `${shown} is encrypted, and npm run certs asks for no passphrase`;
}

function rootKeyFix(state: CaState, show: (file: string) => string): string {
  const shown = show(rootFiles(state.directory).key);
  if (state.rootKey.usable || state.rootKey.reason === "missing") return `restore ${shown} and run \`npm run certs\``;
  if (state.rootKey.reason === "encrypted") {
    return `decrypt it for the run (openssl pkey -in ${shown} -out root-key.plain.pem && mv root-key.plain.pem ${shown}), run \`npm run certs\`, then take the key offline again`;
  }
  return `put the root certificate's own unencrypted key (RSA, P-256 or P-384) at ${shown} and run \`npm run certs\``;
}

/** A path where a file should be; empty when it is a file or absent (absent is judged elsewhere). */
function notAFileProblem(shown: string, kind: PathKind, what: string): string[] {
  switch (kind.kind) {
    case "absent":
    case "file":
      return [];
    case "directory":
      return [
        `${shown} is a folder, not a file: ${what} goes in a file of that name; move the folder aside (mv ${shown} ${shown}.bak)`,
      ];
    case "loop":
      return [`${shown} is a symbolic link that loops back on itself: point it at the real file, or remove it`];
    case "dangling":
      return [
        `${shown} is a symbolic link to ${kind.target}, which does not exist: restore ${kind.target}, or point the link at the real file`,
      ];
    case "special":
      return [`${shown} is not a regular file (a pipe, socket or device): put ${what} there as a file`];
    case "unreachable":
      return [`${shown} ${unreachableReason(kind.code)}: check the path and its permissions`];
  }
}

/** A path where a folder should be: `kind` is never "absent" or "directory" here. */
function notAFolder(shown: string, kind: PathKind, what: string, thenRun = ""): string {
  switch (kind.kind) {
    case "file":
    case "special":
      return what === "the CA directory"
        ? `${shown} is a file, not a directory: point certificateAuthority.directory at the CA directory`
        : `${shown} is a file, not a folder: ${what} goes in the folder ${shown}/; move the file aside (mv ${shown} ${shown}.bak)${thenRun}`;
    case "loop":
      return `${shown} is a symbolic link that loops back on itself: point it at the real folder for ${what}, or remove it`;
    case "dangling":
      return `${shown} is a symbolic link to ${kind.target}, which does not exist: create ${kind.target} (or mount it), or point the link at the real folder for ${what}`;
    case "unreachable":
      return `${shown} ${unreachableReason(kind.code)}: check the path and its permissions`;
    default:
      return `${shown} is not a folder: put ${what} in a folder there`;
  }
}

/** Private keys readable by anyone but their owner: a warning, with the chmod that fixes it. */
export function keyPermissionWarnings(state: CaState, show: (file: string) => string): string[] {
  const keys: [string, PathKind][] = [
    [rootFiles(state.directory).key, state.rootKeyFile],
    ...state.clusters.map((cluster): [string, PathKind] => [
      clusterFiles(state.directory, cluster.name).caKey,
      cluster.files["ca-key.pem"],
    ]),
  ];
  return keys.flatMap(([file, kind]) => {
    if (kind.kind !== "file" || !(kind.mode & 0o077)) return [];
    const mode = kind.mode.toString(8).padStart(4, "0");
    return [
      `${show(file)} is readable by ${kind.mode & 0o007 ? "other users" : "its group"} (mode ${mode}): a private key must be owner-only; run chmod 600 ${show(file)}`,
    ];
  });
}

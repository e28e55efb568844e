import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { loadMeshConfig } from "../config/load";
import { PROJECT_DIR } from "../config/project";
import { ConfigError } from "../config/problems";
import { displayPath } from "./layout";
import { CaEntry, ensureMeshCa } from "./ca";
import { CaError } from "./validate-ca";
import { CertsUsageError, checkActionAgainstConfig, parseCertsArguments } from "./options";
import { runRotation } from "./rotation-cli";

/**
 * `npm run certs`: the mesh CA for the clusters of MESH_CONFIG (or the default config), in its
 * certificateAuthority.directory. Safe to run again: it only adds what is missing.
 */
async function main(): Promise<void> {
  const action = parseCertsArguments(process.argv.slice(2));
  const configPath = process.env.MESH_CONFIG ? path.resolve(process.env.MESH_CONFIG) : undefined;
  const { spec } = loadMeshConfig(configPath);
  checkActionAgainstConfig(
    action,
    spec.clusters.map((cluster) => cluster.name),
  );
  const caDirectory = path.resolve(PROJECT_DIR, spec.caDirectory);
  console.log(
    `Mesh CA in ${displayPath(PROJECT_DIR, caDirectory)}/ for ${spec.clusters.map((cluster) => cluster.name).join(", ")}:`,
  );

  if (action.kind !== "ensure") {
    const rotation = await runRotation(action, { caDirectory, clusters: spec.clusters });
    for (const line of rotation.lines) console.log(line);
    warnAboutTrackedKeys(rotation.keyFiles);
    return;
  }
  const report = await ensureMeshCa({
    caDirectory,
    clusterNames: spec.clusters.map((cluster) => cluster.name),
    meshId: spec.meshId,
  });
  for (const entry of report.created) console.log(`  created ${describe(entry)}`);
  for (const entry of report.kept) console.log(`  kept    ${describe(entry)}`);
  if (report.recorded)
    console.log(`  recorded ${report.recorded} (this CA directory is mesh ${spec.meshId}'s from now on)`);
  for (const warning of report.warnings) console.warn(`Warning: ${warning}`);
  warnAboutTrackedKeys(report.keyFiles);
  console.log(
    report.created.length
      ? "Private keys are PKCS#8 PEM, owner-only (0600). Keep root-key.pem safe: it can mint any identity in the mesh."
      : "Nothing to add: every configured cluster has its intermediate.",
  );
}

function warnAboutTrackedKeys(keyFiles: readonly string[]): void {
  for (const file of keysGitWouldTrack(keyFiles)) {
    console.warn(
      `Warning: git does not ignore ${displayPath(PROJECT_DIR, file)}: add it to .gitignore so the key is never committed`,
    );
  }
}

function describe(entry: CaEntry): string {
  const what = entry.name === "root" ? "mesh root" : `intermediate of ${entry.name}`;
  return `${entry.shown} (${what}, valid until ${entry.notAfter.toISOString().slice(0, 10)})`;
}

/**
 * Key files inside the project's git work tree that git would not ignore. Best effort: outside a
 * git checkout, or without git, there is nothing to check.
 */
function keysGitWouldTrack(keyFiles: readonly string[]): string[] {
  return keyFiles.filter((file) => {
    const result = spawnSync("git", ["check-ignore", "--quiet", file], { cwd: PROJECT_DIR });
    // 0: ignored; 1: not ignored; anything else (128: not a repo, outside it; no git): unknown.
    return result.status === 1;
  });
}

main().catch((error: unknown) => {
  // Users get the message they can act on, never a stack trace.
  const known = error instanceof ConfigError || error instanceof CaError || error instanceof CertsUsageError;
  console.error(known ? error.message : `npm run certs failed: ${(error as Error).message}`);
  process.exit(1);
});

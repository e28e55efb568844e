import * as path from "node:path";
import { App } from "cdktf";
import { loadMeshConfig } from "./config/load";
import { ConfigError } from "./config/problems";
import type { MeshSpec } from "./config/spec";
import { buildMesh } from "./constructs/mesh";
import { CaError, checkMeshCa } from "./certs/validate-ca";

/**
 * Entry point of `cdktf synth`: config -> validated mesh spec (and CA) -> stacks. Bad input stops
 * here, before any construct exists, so nothing is written to cdktf.out.
 */
function main(): void {
  const configPath = process.env.MESH_CONFIG ? path.resolve(process.env.MESH_CONFIG) : undefined;
  const { spec, warnings } = loadMeshConfig(configPath);
  // cdktf shows the app's stdout as it is, like its own "WARN" lines; stderr it labels as errors.
  for (const warning of [...warnings, ...checkCertificateAuthority(spec)]) console.log(`WARN: ${warning}`);
  // Annotation stack traces hold absolute paths of this machine: keep them out of manifest.json.
  const app = new App({ stackTraces: false });
  withoutTokenStackTraces(() => {
    buildMesh(app, spec);
    app.synth();
  });
}

/**
 * cdktf captures a complete stack trace for every token it creates, only to quote it in an error
 * about that token. Formatting those traces took a quarter of the app's time for 16 clusters
 * (npm run bench), and this program reports errors by message, never by trace.
 */
function withoutTokenStackTraces(run: () => void): void {
  const previous = Error.prepareStackTrace;
  Error.prepareStackTrace = () => "";
  try {
    run();
  } finally {
    Error.prepareStackTrace = previous;
  }
}

/**
 * Terraform reads the CA files only at apply time, so a broken CA would surface halfway through a
 * deploy: check it now. A missing directory (a fresh clone) is only a warning.
 */
function checkCertificateAuthority(spec: MeshSpec): string[] {
  const { problems, warnings } = checkMeshCa({
    caDirectory: spec.caDirectory,
    clusterNames: spec.clusters.map((cluster) => cluster.name),
  });
  if (problems.length) throw new CaError(`${spec.caDirectory}/`, problems);
  return warnings;
}

try {
  main();
} catch (error) {
  // Users get the message they can act on, never a stack trace.
  const known = error instanceof ConfigError || error instanceof CaError;
  console.error(known ? (error as Error).message : `Synth failed: ${(error as Error).message}`);
  process.exit(1);
}

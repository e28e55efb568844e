import { mkdirSync } from "node:fs";
import * as path from "node:path";
import { loadMeshConfig } from "./config/load";
import { isInsideProject, outputDirectoryProblem, PROJECT_DIR, projectDirectoryFromStacks } from "./config/project";
import { ConfigError } from "./config/problems";
import { reportFailure } from "./config/report-failure";
import { staleLocalStateWarnings } from "./config/stale-state";
import type { MeshSpec } from "./config/spec";
import { CaError, checkMeshCa } from "./certs/validate-ca";

/**
 * Entry point of `cdktf synth`: config -> validated mesh spec (and CA) -> stacks. Bad input stops
 * here, before any construct exists, so nothing is written to cdktf.out.
 */
async function main(): Promise<void> {
  const { spec, warnings } = loadMeshConfig(configPathFromEnvironment(process.env.MESH_CONFIG));
  const outdir = process.env.CDKTF_OUTDIR ?? DEFAULT_OUTDIR;
  checkOutputDirectory(outdir);
  // cdktf shows the app's stdout as it is, like its own "WARN" lines; stderr it labels as errors.
  const allWarnings = [
    ...warnings,
    ...checkCertificateAuthority(spec),
    ...staleLocalStateWarnings(PROJECT_DIR, spec),
    ...outputWarnings(outdir),
  ];
  for (const warning of allWarnings) console.log(`WARN: ${warning}`);
  // Annotation stack traces hold absolute paths of this machine: keep them out of manifest.json.
  // App creates only the last folder of the path; --output build/cdktf.out needs build/ as well.
  mkdirSync(outdir, { recursive: true });
  // cdktf and the provider bindings are most of the start-up: loaded only once the input is good,
  // so a typo is answered at once.
  const [{ App }, { buildMesh }] = await Promise.all([import("cdktf"), import("./constructs/mesh")]);
  const app = new App({ outdir, stackTraces: false });
  withoutTokenStackTraces(() => {
    buildMesh(app, spec, { projectDirectory: projectDirectoryFromStacks(outdir) });
    app.synth();
  });
}

/**
 * The config file MESH_CONFIG names, or undefined for the built-in example. Set but empty is an
 * error: a mistyped variable must not deploy the example's clusters.
 */
function configPathFromEnvironment(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (!value.trim()) {
    throw new ConfigError("MESH_CONFIG", [
      {
        path: "MESH_CONFIG",
        value,
        message:
          "is set but empty: set it to your config file (MESH_CONFIG=my-mesh.yaml), or unset it (unset MESH_CONFIG) to use examples/two-clusters.yaml",
      },
    ]);
  }
  return path.resolve(value);
}

/** cdktf's own default for --output. */
const DEFAULT_OUTDIR = "cdktf.out";

/** Stops before anything is written when the stacks could not reach the project from `outdir`. */
function checkOutputDirectory(outdir: string): void {
  const problem = outputDirectoryProblem(outdir);
  if (problem) throw new ConfigError("cdktf synth --output", [problem]);
}

/**
 * Terraform finds local state and the CA files through the path from each stack's folder to the
 * project, which follows the output directory. Outside the project that path runs through this
 * machine's folders, so the output only works where it was written.
 */
function outputWarnings(outdir: string): string[] {
  if (isInsideProject(outdir)) return [];
  return [
    `the output directory ${outdir} is outside the project ${PROJECT_DIR}: its stacks find the local state and the CA files through ${projectDirectoryFromStacks(outdir)}, so run Terraform from there on this machine only, or synthesize inside the project (the default cdktf.out, or --output build/cdktf.out)`,
  ];
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
    meshId: spec.meshId,
  });
  if (problems.length) throw new CaError(`${spec.caDirectory}/`, problems);
  return warnings;
}

main().catch((error: unknown) => {
  // Users get the message they can act on, never a stack trace.
  const known = error instanceof ConfigError || error instanceof CaError;
  reportFailure(known ? (error as Error).message : `Synth failed: ${(error as Error).message}`);
});

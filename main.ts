import * as path from "node:path";
import { App } from "cdktf";
import { loadMeshConfig } from "./constructs/config/load";
import { ConfigError } from "./constructs/config/problems";
import { buildMesh } from "./constructs/mesh-app";

/**
 * Entry point of `cdktf synth`: config -> validated mesh spec -> stacks. A bad config stops here,
 * before any construct exists, so nothing is written to cdktf.out.
 */
function main(): void {
  const configPath = process.env.MESH_CONFIG ? path.resolve(process.env.MESH_CONFIG) : undefined;
  const { spec, warnings } = loadMeshConfig(configPath);
  for (const warning of warnings) console.warn(`Warning: ${warning}`);
  const app = new App();
  buildMesh(app, spec);
  app.synth();
}

try {
  main();
} catch (error) {
  // Users get the message they can act on, never a stack trace.
  console.error(error instanceof ConfigError ? error.message : `Synth failed: ${(error as Error).message}`);
  process.exit(1);
}

import { mkdirSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { loadMeshConfig } from "../config/load";
import { DEFAULT_CONFIG_PATH, PROJECT_DIR } from "../config/project";
import { ConfigError } from "../config/problems";
import { updateReadme } from "./readme-sections";
import { topologyMarkdown } from "./topology";

/** `npm run diagram`: writes docs/topology.md for MESH_CONFIG, or the default config. */
const configPath = process.env.MESH_CONFIG ? path.resolve(process.env.MESH_CONFIG) : DEFAULT_CONFIG_PATH;
const output = path.join(PROJECT_DIR, "docs", "topology.md");
try {
  const { spec } = loadMeshConfig(configPath);
  // A project-relative source keeps the page the same on every machine.
  const source = path.relative(PROJECT_DIR, configPath).split(path.sep).join("/");
  mkdirSync(path.dirname(output), { recursive: true });
  writeFileSync(output, topologyMarkdown(spec, source.startsWith("..") ? path.basename(configPath) : source));
  console.log(`Wrote ${path.relative(process.cwd(), output)} for ${source}`);
  if (updateReadme()) console.log("Updated the generated sections of README.md (default topology, config reference)");
} catch (error) {
  console.error(error instanceof ConfigError ? error.message : `Diagram failed: ${(error as Error).message}`);
  process.exit(1);
}

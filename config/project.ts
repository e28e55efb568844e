import * as path from "node:path";

/** The project's own directory: the default config and the CA directory are found relative to it. */
export const PROJECT_DIR = path.resolve(__dirname, "..");

/** The built-in config used when MESH_CONFIG is unset. */
export const DEFAULT_CONFIG_PATH = path.join(PROJECT_DIR, "examples", "two-clusters.yaml");

import * as path from "node:path";

/** The project's own directory: the default config and the CA directory are found relative to it. */
export const PROJECT_DIR = path.resolve(__dirname, "..");

/** The built-in config used when MESH_CONFIG is unset. */
export const DEFAULT_CONFIG_PATH = path.join(PROJECT_DIR, "examples", "two-clusters.yaml");

/**
 * The project directory as Terraform sees it from a stack's folder (`<outdir>/stacks/<stack>`),
 * in forward slashes: "../../.." for the default cdktf.out. Local state and the CA files are found
 * through it, so it follows wherever `cdktf synth --output` puts the stacks.
 */
export function projectDirectoryFromStacks(outdir: string): string {
  const stackFolder = path.join(path.resolve(outdir), "stacks", "stack");
  return path.relative(stackFolder, PROJECT_DIR).split(path.sep).join("/");
}

/** Whether an output directory lies inside the project, so cdktf.out and the project move together. */
export function isInsideProject(outdir: string): boolean {
  const relative = path.relative(PROJECT_DIR, path.resolve(outdir));
  return relative !== "" && !relative.startsWith("..") && !path.isAbsolute(relative);
}

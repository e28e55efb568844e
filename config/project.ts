import * as path from "node:path";
import type { ConfigProblem } from "./problems";
import { TERRAFORM_STRING_HAZARDS, terraformStringHazard } from "./terraform-strings";

/** The project's own directory: the default config and the CA directory are found relative to it. */
export const PROJECT_DIR = path.resolve(__dirname, "..");

/** The built-in config used when MESH_CONFIG is unset. */
export const DEFAULT_CONFIG_PATH = path.join(PROJECT_DIR, "examples", "two-clusters.yaml");

/**
 * The project directory as Terraform sees it from a stack's folder (`<outdir>/stacks/<stack>`),
 * in forward slashes: "../../.." for the default cdktf.out. Local state and the CA files are found
 * through it, so it follows wherever `cdktf synth --output` puts the stacks.
 */
export function projectDirectoryFromStacks(outdir: string, projectDir = PROJECT_DIR): string {
  const stackFolder = path.join(path.resolve(outdir), "stacks", "stack");
  return path.relative(stackFolder, projectDir).split(path.sep).join("/");
}

/** Whether an output directory lies inside the project, so cdktf.out and the project move together. */
export function isInsideProject(outdir: string, projectDir = PROJECT_DIR): boolean {
  const relative = path.relative(projectDir, path.resolve(outdir));
  return relative !== "" && !relative.startsWith("..") && !path.isAbsolute(relative);
}

/**
 * Why the stacks cannot be written to `outdir`, or undefined. Outside the project, the path from
 * the stacks to it names this machine's folders, and it is written into Terraform strings (local
 * state, the CA files), so it must be text they can hold.
 */
export function outputDirectoryProblem(outdir: string, projectDir = PROJECT_DIR): ConfigProblem | undefined {
  if (isInsideProject(outdir, projectDir)) return undefined;
  const fromStacks = projectDirectoryFromStacks(outdir, projectDir);
  const hazard = terraformStringHazard(fromStacks);
  if (!hazard) return undefined;
  return {
    path: "the output directory",
    value: outdir,
    message: `is outside the project, so its stacks reach the project through ${fromStacks}, and that path ${TERRAFORM_STRING_HAZARDS[hazard]}: synthesize inside the project (the default cdktf.out, or --output build/cdktf.out), or move the project to a folder without such characters`,
  };
}

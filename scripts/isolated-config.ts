import { readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { parse, stringify } from "yaml";
import { PROJECT_DIR } from "../config/project";

/**
 * A CA directory that does not exist, given relative to the project as the config requires:
 * synth only warns, as on a fresh clone, whatever the user's ca/ holds (its files, or the mesh
 * it is recorded for).
 */
export function absentCaDirectory(dir: string): string {
  return path.relative(PROJECT_DIR, path.join(dir, "no-ca"));
}

/**
 * A copy of a config in `dir` that differs only in its CA directory, which does not exist: what
 * the project's scripts synthesize, so the user's ca/ never changes what they measure or record.
 * The CA directory is a value, never part of a Terraform address.
 */
export function withoutUserCa(configPath: string, dir: string): string {
  const file = path.join(dir, path.basename(configPath));
  const config = parse(readFileSync(configPath, "utf8"));
  writeFileSync(file, stringify({ ...config, certificateAuthority: { directory: absentCaDirectory(dir) } }));
  return file;
}

import { writeFileSync } from "node:fs";
import * as path from "node:path";
import { configReferenceMarkdown, meshConfigJsonSchemaText } from "../config/json-schema";
import { PROJECT_DIR } from "../config/project";
import { updateReadme } from "./readme-sections";
import { checkScriptArguments } from "./script-arguments";

/**
 * `npm run schema`: writes the JSON Schema of the mesh config, generated from the zod schema, to
 * examples/mesh-config.schema.json, which every example names for yaml-language-server, and
 * refreshes the generated parts of README.md (config reference, default topology).
 * `npm run schema -- --reference` prints the README's config reference table instead.
 */
const SCHEMA_PATH = path.join(PROJECT_DIR, "examples", "mesh-config.schema.json");

checkScriptArguments("schema", process.argv.slice(2), ["--reference"]);
if (process.argv.includes("--reference")) {
  process.stdout.write(configReferenceMarkdown());
} else {
  writeFileSync(SCHEMA_PATH, meshConfigJsonSchemaText());
  console.log(`Wrote ${path.relative(process.cwd(), SCHEMA_PATH)}`);
  if (updateReadme()) console.log("Updated the generated sections of README.md");
}

import { readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { PROJECT_DIR } from "../config/project";
import { configReferenceMarkdown } from "../config/json-schema";
import { loadMeshConfig } from "../config/load";
import { topologyMermaid } from "./topology";

/**
 * Parts of README.md generated from code, between `<!-- generated:NAME -->` and
 * `<!-- end:NAME -->`, so the README cannot drift from the schema or the default topology.
 */
export const README_PATH = path.join(PROJECT_DIR, "README.md");

export function generatedReadmeSections(): Record<string, string> {
  return {
    "config-reference": configReferenceMarkdown(),
    topology: ["```mermaid", topologyMermaid(loadMeshConfig().spec).trimEnd(), "```", ""].join("\n"),
  };
}

/** The README with every generated section replaced by its current content. */
export function withGeneratedSections(readme: string, sections: Record<string, string>): string {
  return Object.entries(sections).reduce((text, [name, content]) => {
    const start = `<!-- generated:${name} -->\n`;
    const end = `<!-- end:${name} -->`;
    const from = text.indexOf(start);
    const to = text.indexOf(end);
    if (from < 0 || to < from) throw new Error(`README.md lacks the markers ${start.trim()} ... ${end}`);
    return `${text.slice(0, from + start.length)}${content}${text.slice(to)}`;
  }, readme);
}

/** Rewrites README.md's generated sections; returns whether anything changed. */
export function updateReadme(): boolean {
  const current = readFileSync(README_PATH, "utf8");
  const updated = withGeneratedSections(current, generatedReadmeSections());
  if (updated !== current) writeFileSync(README_PATH, updated);
  return updated !== current;
}

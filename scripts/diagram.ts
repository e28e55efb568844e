import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { loadMeshConfig } from "../config/load";
import { DEFAULT_CONFIG_PATH, PROJECT_DIR } from "../config/project";
import { ConfigError } from "../config/problems";
import { updateReadme } from "./readme-sections";
import { topologyMarkdown } from "./topology";

/**
 * `npm run diagram`: the repository's docs/topology.md (and the README's diagram) from the default
 * config, always: an exported MESH_CONFIG does not rewrite committed docs. Another mesh's diagram
 * goes where the user says: `npm run diagram -- --config my-mesh.yaml [--out my-topology.md]`
 * (standard output without --out).
 */
export const DIAGRAM_USAGE = `Usage: npm run diagram [-- --config FILE] [--out FILE]

Without options: writes docs/topology.md and the README's diagram from ${path.relative(PROJECT_DIR, DEFAULT_CONFIG_PATH)}.
  --config FILE  the mesh config to draw (MESH_CONFIG is not read: it would rewrite the repository's docs)
  --out FILE     where to write its Markdown page (default with --config: standard output)`;

const REPOSITORY_PAGE = path.join(PROJECT_DIR, "docs", "topology.md");

interface DiagramOptions {
  readonly config?: string;
  readonly out?: string;
}

class UsageError extends Error {}

function parseArguments(argv: readonly string[]): DiagramOptions {
  const options: { config?: string; out?: string } = {};
  for (let index = 0; index < argv.length; index++) {
    const [flag, inline] = argv[index].split(/=(.*)/s, 2);
    if (flag !== "--config" && flag !== "--out") throw new UsageError(`unknown option ${JSON.stringify(argv[index])}`);
    const value = inline ?? argv[++index];
    if (!value) throw new UsageError(`${flag} needs a file name`);
    options[flag === "--config" ? "config" : "out"] = value;
  }
  return options;
}

/** The config file as the page names it: project-relative, so the page is the same on every machine. */
function sourceName(configPath: string): string {
  const source = path.relative(PROJECT_DIR, configPath).split(path.sep).join("/");
  return source.startsWith("..") ? path.basename(configPath) : source;
}

/** Writes only when the text changes, so a reader never sees a half-written committed file. */
function writeIfChanged(file: string, text: string): boolean {
  if (existsSync(file) && readFileSync(file, "utf8") === text) return false;
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text);
  return true;
}

/** What a failed write means, by error code; otherwise the system's own words. */
const WRITE_FAILURES: Readonly<Record<string, string>> = {
  EACCES: "this user may not write there (permission denied)",
  EROFS: "the file system is read-only",
  ENOSPC: "the disk is full",
  ENOTDIR: "a part of the path is a file, not a folder",
  EEXIST: "a part of the path is a file, not a folder",
};

class WriteError extends Error {}

function writeOrExplain(file: string, text: string): boolean {
  try {
    return writeIfChanged(file, text);
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    throw new WriteError(`cannot write ${file}: ${WRITE_FAILURES[code ?? ""] ?? message}`);
  }
}

function main(argv: readonly string[]): void {
  const options = parseArguments(argv);
  const configPath = options.config ? path.resolve(options.config) : DEFAULT_CONFIG_PATH;
  const page = topologyMarkdown(loadMeshConfig(configPath).spec, sourceName(configPath));
  if (options.config && !options.out) {
    process.stdout.write(page);
    return;
  }
  const output = options.out ? path.resolve(options.out) : REPOSITORY_PAGE;
  if (options.out && existsSync(output) && statSync(output).isDirectory()) {
    throw new UsageError(
      `--out ${options.out} is a folder: name the file to write, such as ${path.join(options.out, "topology.md")}`,
    );
  }
  if (process.env.MESH_CONFIG && !options.config) {
    console.log(
      `MESH_CONFIG is not read here: the diagram shows ${sourceName(configPath)}. For your mesh: npm run diagram -- --config ${process.env.MESH_CONFIG} --out topology.md`,
    );
  }
  const changed = writeOrExplain(output, page);
  console.log(
    `${changed ? "Wrote" : "Unchanged:"} ${path.relative(process.cwd(), output)} for ${sourceName(configPath)}`,
  );
  if (!options.out && updateReadme()) {
    console.log("Updated the generated sections of README.md (default topology, config reference)");
  }
}

try {
  main(process.argv.slice(2));
} catch (error) {
  if (error instanceof UsageError) {
    console.error(`npm run diagram: ${error.message}\n\n${DIAGRAM_USAGE}`);
    process.exit(2);
  }
  const known = error instanceof ConfigError || error instanceof WriteError;
  console.error(known ? (error as Error).message : `Diagram failed: ${(error as Error).message}`);
  process.exit(1);
}

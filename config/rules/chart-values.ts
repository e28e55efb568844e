import { readFileSync } from "node:fs";
import * as path from "node:path";
import { intendedKey } from "../intended-key";
import { isMapping } from "../mapping";
import { ConfigProblem, formatPath } from "../problems";
import { PROJECT_DIR } from "../project";
import { helmValueLevels } from "./helm-values";
import { JsonSchema, SchemaViolation, schemaViolations } from "./json-schema-subset";

/** Istio's gateway chart schema of each supported minor (see config/chart-schemas/README.md). */
export const gatewaySchemaFile = (istioMinor: string) =>
  path.join(__dirname, "..", "chart-schemas", `istio-${istioMinor}-gateway.schema.json`);
export const MESH_CHART_SCHEMA_FILE = path.join(PROJECT_DIR, "manifests", "mesh", "values.schema.json");

/** At most this many known keys are listed when an unknown one resembles none of them. */
const MAX_LISTED_KEYS = 12;

interface ChartCheck {
  readonly release: string;
  readonly chart: string;
  readonly schema: JsonSchema;
}

/** Each schema file, read once per process: every validation of a config checks against them. */
const schemas = new Map<string, JsonSchema>();
function readSchema(file: string): JsonSchema {
  if (!schemas.has(file)) schemas.set(file, JSON.parse(readFileSync(file, "utf8")));
  return schemas.get(file)!;
}

/**
 * Overrides that the chart's values.schema.json refuses, at both levels of helmValues. Helm checks
 * the schema only when it installs the release, so without this a typo would stop the deploy at
 * the platform stage, after the VPCs and clusters exist. `istioMinor` is the minor whose gateway
 * chart the program installs (undefined while istio.version is itself wrong: reported elsewhere).
 */
export function chartValueProblems(raw: unknown, istioMinor: string | undefined): ConfigProblem[] {
  const gateway = istioMinor ? readSchema(gatewaySchemaFile(istioMinor)) : undefined;
  const checks: ChartCheck[] = [
    ...(gateway
      ? ["ingressGateway", "eastWestGateway"].map((release) => ({
          release,
          chart: `Istio ${istioMinor}'s gateway chart`,
          schema: gateway,
        }))
      : []),
    { release: "meshManifests", chart: "the mesh chart (manifests/mesh)", schema: readSchema(MESH_CHART_SCHEMA_FILE) },
  ];
  return helmValueLevels(raw).flatMap((level) =>
    checks.flatMap(({ release, chart, schema }) => {
      const values = isMapping(level.values) ? level.values[release] : undefined;
      // Not a mapping: the config schema's to report.
      if (!isMapping(values)) return [];
      return schemaViolations(values, schema).map((violation) => toProblem(violation, [...level.path, release], chart));
    }),
  );
}

function toProblem(
  violation: SchemaViolation,
  releasePath: readonly (string | number)[],
  chart: string,
): ConfigProblem {
  const where = formatPath([...releasePath, ...violation.path]);
  if (violation.kind === "invalid") {
    return { path: where, value: violation.value, message: `${violation.message} (${chart}'s schema)` };
  }
  const key = String(violation.path[violation.path.length - 1]);
  const match = intendedKey(key, violation.knownKeys);
  const fix = match
    ? `did you mean "${match}"?`
    : violation.knownKeys.length <= MAX_LISTED_KEYS
      ? `use one of ${violation.knownKeys.join(", ")}`
      : "see the chart's values.yaml for its keys";
  return {
    path: where,
    message: `is not a value of ${chart}, and Helm would refuse the install after the clusters exist: ${fix}`,
  };
}

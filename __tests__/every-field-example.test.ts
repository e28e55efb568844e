import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { JsonSchemaNode, meshConfigJsonSchema } from "../config/json-schema";
import { loadMeshConfig, validateMeshConfig } from "../config/load";
import { ConfigError } from "../config/problems";
import { example, synthApp } from "./helpers/synth";

/**
 * examples/every-field.yaml is the reference users look fields up in: every field of the schema
 * must be in it, so a field added to the schema without adding it here fails this test.
 */
const FILE = example("every-field.yaml");
const text = readFileSync(FILE, "utf8");
const data = parse(text);

/**
 * Fields that cannot be set together with another one, and the comment line that shows them
 * instead (the schema rejects istio.version next to istio.revisions; $schema is for editors,
 * which read it from the yaml-language-server modeline just as well).
 */
const SHOWN_IN_COMMENTS: Readonly<Record<string, RegExp>> = {
  $schema: /^# yaml-language-server: \$schema=\.\/mesh-config\.schema\.json$/m,
  "istio.version": /^ {2}# version: "1\.\d+\.\d+"$/m,
};

/** Every field path of the JSON Schema, lists as `[]`; free-form mappings (Helm values, tags) end the walk. */
function fieldPaths(node: JsonSchemaNode, prefix = ""): string[] {
  return Object.entries(node.properties ?? {}).flatMap(([key, field]) => {
    const fieldPath = prefix ? `${prefix}.${key}` : key;
    const items = field.items ? fieldPaths(field.items, `${fieldPath}[]`) : [];
    return [fieldPath, ...fieldPaths(field, fieldPath), ...items];
  });
}

/** The values at a path; `[]` steps into every item of a list. */
function valuesAt(value: unknown, fieldPath: string): unknown[] {
  return fieldPath.split(".").reduce<unknown[]>(
    (values, segment) =>
      values.flatMap((current) => {
        const key = segment.replace(/\[\]$/, "");
        const child =
          current !== null && typeof current === "object" ? (current as Record<string, unknown>)[key] : undefined;
        if (child === undefined) return [];
        return segment.endsWith("[]") ? (Array.isArray(child) ? child : []) : [child];
      }),
    [value],
  );
}

describe("examples/every-field.yaml", () => {
  const paths = fieldPaths(meshConfigJsonSchema());

  it("is checked against every field the schema has, nested ones included", () => {
    expect(paths).toEqual(
      expect.arrayContaining([
        "clusters[].nodes.amiType",
        "clusters[].ingress.certificateArn",
        "clusters[].kubeContext",
        "clusters[].helmValues.istiod",
        "state.s3.keyPrefix",
        "helmValues.eastWestGateway",
      ]),
    );
    expect(paths.length).toBeGreaterThan(40);
  });

  it("sets every field of the schema (or shows it in a comment where it excludes another)", () => {
    const missing = paths.filter((fieldPath) => {
      const comment = SHOWN_IN_COMMENTS[fieldPath];
      return comment ? !comment.test(text) : !valuesAt(data, fieldPath).length;
    });
    expect(missing).toEqual([]);
  });

  it("validates without a warning and synthesizes every stack of both clusters", () => {
    const { spec, warnings } = loadMeshConfig(FILE);
    expect(warnings).toEqual([]);
    const { stacks, manifest } = synthApp(spec);
    for (const cluster of ["cluster1", "cluster2"]) {
      for (const stage of ["network", "eks", "platform", "mesh-links"]) {
        expect(Object.keys(stacks)).toContain(`${cluster}-${stage}`);
      }
    }
    expect(stacks["cluster1-eks"].terraform.backend.s3.bucket).toBe("my-terraform-state");
    expect(spec.clusters[0].kubeContext).toBe("arn:aws:eks:us-west-2:111122223333:cluster/cluster1");
    // cluster1 has a certificate, cluster2 says plain HTTP is intended: neither repeats the warning.
    const annotations = Object.values(manifest.stacks).flatMap(
      (stack) => (stack as { annotations?: { message: string }[] }).annotations ?? [],
    );
    expect(annotations.filter((annotation) => annotation.message.includes("plain HTTP"))).toEqual([]);
  });

  it("rejects plainHttp: true next to a certificate, naming the field, the value and the fix", () => {
    const contradictory = text.replace("      certificateArn:", "      plainHttp: true\n      certificateArn:");
    const file = `${FILE}.contradictory`;
    expect(() => validateMeshConfig(parse(contradictory), file)).toThrow(ConfigError);
    expect(() => validateMeshConfig(parse(contradictory), file)).toThrow(
      "clusters[0].ingress.plainHttp true contradicts certificateArn: remove plainHttp (with the certificate the ALB serves HTTPS)",
    );
  });
});

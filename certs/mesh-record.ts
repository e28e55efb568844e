import { readFileSync } from "node:fs";
import * as path from "node:path";
import { CA_MESH_RECORD_FILE } from "../constructs/names";
import { pathKind } from "./path-kind";

/**
 * mesh.json in a CA directory: the meshIds whose clusters may use its root. Two meshes on one root
 * trust each other's workloads, so a config with another meshId is refused instead of quietly
 * getting intermediates from the first mesh's root. A directory without the record (a CA made by
 * an earlier version, or brought from a PKI) is accepted as it is.
 */
export type MeshRecord =
  | { readonly kind: "absent" }
  | { readonly kind: "valid"; readonly meshIds: readonly string[] }
  | { readonly kind: "invalid"; readonly detail: string };

export function meshRecordFile(caDirectory: string): string {
  return path.join(caDirectory, CA_MESH_RECORD_FILE);
}

export function readMeshRecord(caDirectory: string): MeshRecord {
  const file = meshRecordFile(caDirectory);
  const kind = pathKind(file);
  if (kind.kind === "absent") return { kind: "absent" };
  if (kind.kind !== "file") return { kind: "invalid", detail: "is not a regular file" };
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, "utf8"));
  } catch {
    return { kind: "invalid", detail: "is not valid JSON" };
  }
  const meshIds = (data as { meshIds?: unknown } | null)?.meshIds;
  if (!Array.isArray(meshIds) || !meshIds.length || !meshIds.every((id) => typeof id === "string")) {
    return { kind: "invalid", detail: 'has no "meshIds" list of strings' };
  }
  return { kind: "valid", meshIds };
}

/** The record's text for the meshes given. */
export function meshRecordText(meshIds: readonly string[]): string {
  const about =
    "The meshIds whose clusters use this CA's root. npm run certs and synth refuse a config with another meshId. Not secret.";
  return `${JSON.stringify({ about, meshIds }, null, 2)}\n`;
}

/** Why `meshId` may not use this CA directory, or undefined when it may. */
export function meshRecordProblem(
  caDirectory: string,
  meshId: string,
  show: (file: string) => string,
): string | undefined {
  const record = readMeshRecord(caDirectory);
  const shown = show(meshRecordFile(caDirectory));
  const example = meshRecordText([meshId]).replace(/\s+/g, " ").trim();
  if (record.kind === "invalid") {
    return `${shown} ${record.detail}: write the meshIds that use this CA there, e.g. ${example}`;
  }
  if (record.kind === "absent" || record.meshIds.includes(meshId)) return undefined;
  const owners = record.meshIds.map((id) => `"${id}"`).join(", ");
  return `${show(caDirectory)}/ is the CA of mesh ${owners} (${shown}), not of meshId "${meshId}": two meshes on one root trust each other's workloads; give this mesh a directory of its own (certificateAuthority.directory: ca-${meshId}) and run \`npm run certs\`, or add "${meshId}" to meshIds in ${shown} if the meshes share this root on purpose`;
}

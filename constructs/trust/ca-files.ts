import * as path from "node:path";
import { CLUSTER_CA_FILES, ClusterCaFile } from "../names";

/**
 * The files of one cluster's intermediate CA, each relative to `projectDirectory` (Terraform's view
 * of the project, or "" for paths relative to the project itself).
 */
export function clusterCaFiles(
  projectDirectory: string,
  caDirectory: string,
  clusterName: string,
): Readonly<Record<ClusterCaFile, string>> {
  const clusterDirectory = path.posix.join(projectDirectory, caDirectory, clusterName);
  return Object.fromEntries(CLUSTER_CA_FILES.map((file) => [file, path.posix.join(clusterDirectory, file)])) as Record<
    ClusterCaFile,
    string
  >;
}

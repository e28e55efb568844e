import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { CLUSTER_STACK_STAGES, localStateFileName, stackName } from "../constructs/names";
import type { MeshSpec } from "./spec";

const [STATE_PREFIX, STATE_SUFFIX] = localStateFileName("\0").split("\0");
const escaped = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
const LOCAL_STATE_FILE = new RegExp(`^${escaped(STATE_PREFIX)}(.+)${escaped(STATE_SUFFIX)}$`);

/**
 * Warnings for local state files of stacks the config no longer has, which still hold resources:
 * a cluster deleted from the config without retiring and destroying it first. Its VPC, EKS
 * cluster and load balancers keep running (and costing), and cdktf can no longer destroy them,
 * because it only runs stacks the config synthesizes. An emptied state (after a destroy) is fine.
 */
export function staleLocalStateWarnings(projectDir: string, mesh: MeshSpec): string[] {
  if (mesh.state) return [];
  const configured = new Set(
    mesh.clusters.flatMap((cluster) => CLUSTER_STACK_STAGES.map((stage) => stackName(cluster.name, stage))),
  );
  return readdirSync(projectDir)
    .flatMap((file) => {
      const stack = LOCAL_STATE_FILE.exec(file)?.[1];
      return stack && !configured.has(stack) ? [{ file, stack }] : [];
    })
    .flatMap(({ file, stack }) => {
      const resources = managedResourceCount(path.join(projectDir, file));
      if (resources === 0) return [];
      const held =
        resources === undefined ? "cannot be read" : `holds ${resources} resource${resources === 1 ? "" : "s"}`;
      return [
        `${file} ${held} of stack ${stack}, which the config no longer has: they still exist, and cdktf destroys only stacks in the config. Put its cluster back with retire: true, deploy, and destroy its stacks (README: Retiring a cluster); or delete the file if they are gone`,
      ];
    });
}

/** Managed resources in a Terraform state file, or undefined when it is not readable state. */
function managedResourceCount(file: string): number | undefined {
  try {
    const state = JSON.parse(readFileSync(file, "utf8")) as { resources?: { mode?: string; instances?: unknown[] }[] };
    return (state.resources ?? []).filter((resource) => resource.mode === "managed" && resource.instances?.length)
      .length;
  } catch {
    return undefined;
  }
}

import * as path from "node:path";
import { loadMeshConfig } from "../config/load";
import { ConfigError } from "../config/problems";
import { exitCodeOf, runChecks } from "./checks";
import { connectClusters, KubeconfigError, kubeconfigPaths } from "./kube-client";
import { parseOptions, USAGE, UsageError } from "./options";
import { clusterColumnWidth, formatBlocked, formatResult, formatSummary } from "./report";

/** Verify could not start (bad config, options or kubeconfig): distinct from a failed check (1). */
const EXIT_CANNOT_START = 2;

/**
 * Entry point of `npm run verify`: mesh config + the user's kubeconfig -> checks against every
 * cluster -> PASS/FAIL/SKIP/N/A lines and an exit code (0 only when every applicable check passed).
 */
async function main(): Promise<number> {
  const options = parseOptions(process.argv.slice(2));
  if (options.help) {
    console.log(USAGE);
    return 0;
  }
  const configPath = process.env.MESH_CONFIG ? path.resolve(process.env.MESH_CONFIG) : undefined;
  const loaded = loadMeshConfig(configPath).spec;
  // A retiring cluster has left the mesh: the others no longer discover it, nor it them.
  const spec = { ...loaded, clusters: loaded.clusters.filter((cluster) => !cluster.retiring) };
  const files = kubeconfigPaths();
  console.log(
    `Verifying mesh "${spec.meshId}": ${spec.clusters.map((cluster) => `${cluster.name} (context ${cluster.kubeContext})`).join(", ")}`,
  );
  console.log(`kubeconfig: ${files.join(path.delimiter)}\n`);

  const connections = await connectClusters(spec.clusters, files, options.timeoutMs);
  const width = clusterColumnWidth(spec.clusters.map((cluster) => cluster.name));
  const results = await runChecks(spec, connections, { requests: options.requests }, (result) => {
    if (!result.blockedBy) console.log(formatResult(result, width));
  });
  for (const line of formatBlocked(results, width)) console.log(line);
  const exitCode = exitCodeOf(results);
  console.log(`\n${formatSummary(results, exitCode)}`);
  return exitCode;
}

function finish(exitCode: number): void {
  process.exitCode = exitCode;
  // A request to a server that never answers keeps a socket open after its timeout fired; do not wait for it.
  setTimeout(() => process.exit(exitCode), 250).unref();
}

/** The first line of an error's message: what a user can act on, without the library's stack. */
const firstLine = (error: unknown) => (error instanceof Error ? error.message.split("\n")[0] : String(error));

// A library failing outside any awaited call (a socket error after a timeout) still ends in one line, never a stack trace.
process.on("uncaughtException", (error) => {
  console.error(`verify failed: ${firstLine(error)}`);
  finish(EXIT_CANNOT_START);
});

main().then(finish, (error: unknown) => {
  // Users get a message they can act on, never a stack trace.
  if (error instanceof ConfigError) console.error(error.message);
  else if (error instanceof UsageError) console.error(`${error.message}\n\n${USAGE}`);
  else if (error instanceof KubeconfigError) console.error(`${error.message}\n  hint: ${error.hint}`);
  else console.error(`verify failed: ${firstLine(error)}`);
  finish(EXIT_CANNOT_START);
});

import { DEFAULT_REQUEST_TIMEOUT_MS } from "./kube-client";

export const USAGE = `Usage: npm run verify [-- --requests N] [--timeout SECONDS]

Checks the deployed mesh through your kubeconfig (KUBECONFIG or ~/.kube/config), one context per
cluster as named by clusters[].kubeContext in the mesh config (MESH_CONFIG or the default).

  --requests N       requests from each cluster's curl pod to helloworld.sample:5000/hello
                     (default: 10 per cluster in the mesh; env VERIFY_REQUESTS)
  --timeout SECONDS  time limit of one API request (default: ${DEFAULT_REQUEST_TIMEOUT_MS / 1000})

Checks that do not apply print N/A and do not count: traffic, when the config says samples: false.

Exit codes: 0 every applicable check passed, 1 a check failed or was skipped, 2 verify could not
start.`;

export interface CliOptions {
  readonly help: boolean;
  /** Requests per curl pod; undefined means the default for the mesh size. */
  readonly requests?: number;
  readonly timeoutMs: number;
}

/** Bad command line: printed with the usage, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** Most requests one curl process makes; beyond this the exec would run for minutes. */
export const MAX_REQUESTS = 1000;

export function parseOptions(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): CliOptions {
  let help = false;
  let requests = env.VERIFY_REQUESTS
    ? positiveInteger("VERIFY_REQUESTS", env.VERIFY_REQUESTS, MAX_REQUESTS)
    : undefined;
  let timeoutMs = DEFAULT_REQUEST_TIMEOUT_MS;
  for (let index = 0; index < argv.length; index++) {
    const [flag, inline] = argv[index].split(/=(.*)/s, 2);
    const value = () => {
      const given = inline ?? argv[++index];
      if (given === undefined) throw new UsageError(`${flag} needs a value`);
      return given;
    };
    if (flag === "--help" || flag === "-h") help = true;
    else if (flag === "--requests") requests = positiveInteger(flag, value(), MAX_REQUESTS);
    else if (flag === "--timeout") timeoutMs = positiveInteger(flag, value(), 600) * 1000;
    else throw new UsageError(`unknown option ${JSON.stringify(argv[index])}`);
  }
  return { help, requests, timeoutMs };
}

function positiveInteger(name: string, text: string, max: number): number {
  const value = Number(text);
  if (!/^\d+$/.test(text.trim()) || value < 1 || value > max)
    throw new UsageError(`${name} ${JSON.stringify(text)} must be a whole number from 1 to ${max}`);
  return value;
}

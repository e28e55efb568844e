import { closeSync, constants, fstatSync, openSync, readSync } from "node:fs";
import { parse as parseYaml } from "yaml";

/** Largest kubeconfig read: kubeconfigs of hundreds of clusters are a few MiB; beyond this it is not one. */
export const MAX_KUBECONFIG_BYTES = 16 * 1024 * 1024;

/**
 * The lists a kubeconfig holds, each entry's body key, and the fields of that body that must be
 * text: client-node trusts their types (a number for a server crashes it), so they are checked first.
 */
const LISTS = {
  clusters: ["cluster", ["server", "certificate-authority", "certificate-authority-data", "tls-server-name"]],
  contexts: ["context", ["cluster", "user", "namespace"]],
  users: [
    "user",
    [
      "token",
      "tokenFile",
      "client-certificate",
      "client-certificate-data",
      "client-key",
      "client-key-data",
      "username",
      "password",
    ],
  ],
} as const;

/** Why one kubeconfig file cannot be used, phrased to follow "kubeconfig <file>". */
export class KubeconfigFileError extends Error {
  constructor(
    readonly file: string,
    problem: string,
  ) {
    super(`kubeconfig ${file} ${problem}`);
    this.name = "KubeconfigFileError";
  }
}

/**
 * Checks that a kubeconfig file is one before client-node reads it: a regular file of UTF-8
 * YAML whose top level is a mapping and whose clusters, contexts and users are lists. Returns how
 * many contexts it defines (an empty file defines none, as kubectl sees it). Opened without
 * blocking, so a named pipe cannot hang verify.
 */
export function checkKubeconfigFile(file: string): number {
  const fail = (problem: string): never => {
    throw new KubeconfigFileError(file, problem);
  };
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return fail(
      code === "EACCES" || code === "EPERM"
        ? "is not readable by this user: check its permissions"
        : `cannot be opened (${code ?? (error as Error).message})`,
    );
  }
  let bytes: Buffer;
  try {
    const stats = fstatSync(fd);
    if (stats.isDirectory()) fail("is a directory, not a file");
    if (!stats.isFile()) fail("is not a regular file");
    if (stats.size > MAX_KUBECONFIG_BYTES)
      fail(`is ${stats.size} bytes, over the ${MAX_KUBECONFIG_BYTES / 1024 / 1024} MiB a kubeconfig can be`);
    bytes = Buffer.alloc(stats.size);
    for (let length = 0, read = 1; length < bytes.length && read > 0; length += read)
      read = readSync(fd, bytes, length, bytes.length - length, null);
  } finally {
    closeSync(fd);
  }
  let text = "";
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    fail("is not UTF-8 text");
  }
  if (text.includes("\0")) fail("is not text (it holds NUL bytes)");
  let config: unknown;
  try {
    config = parseYaml(text);
  } catch (error) {
    fail(`is not valid YAML: ${(error as Error).message.split("\n")[0]}`);
  }
  if (config === null || config === undefined) return 0;
  if (typeof config !== "object" || Array.isArray(config))
    fail(`is not a kubeconfig: its top level is ${describe(config)}, not a mapping of clusters, contexts and users`);
  const lists = config as Record<string, unknown>;
  for (const [key, [body, textFields]] of Object.entries(LISTS)) {
    const value = lists[key];
    if (value === undefined || value === null) continue;
    if (!Array.isArray(value)) fail(`is not a kubeconfig: ${key} is ${describe(value)}, not a list`);
    (value as unknown[]).forEach((entry, index) => {
      const where = `${key}[${index}]`;
      const fields = entry as Record<string, unknown> | null;
      if (typeof fields?.name !== "string") fail(`is not a kubeconfig: ${where} has no name`);
      const inner = fields?.[body] as Record<string, unknown> | null | undefined;
      if (inner === undefined || inner === null) return;
      if (typeof inner !== "object" || Array.isArray(inner))
        fail(`is not a kubeconfig: ${where}.${body} is ${describe(inner)}, not a mapping`);
      for (const field of textFields) {
        const text = inner[field];
        if (text !== undefined && text !== null && typeof text !== "string")
          fail(`is not a kubeconfig: ${where}.${body}.${field} is ${describe(text)}, not text`);
      }
    });
  }
  return (lists.contexts as unknown[] | undefined)?.length ?? 0;
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return "a list";
  if (typeof value === "string") return `the text ${JSON.stringify(value.slice(0, 40))}`;
  return `${typeof value} ${JSON.stringify(value)}`;
}

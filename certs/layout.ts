import * as path from "node:path";

import { CA_CERT_FILE, CA_KEY_FILE, CERT_CHAIN_FILE, ROOT_CERT_FILE, ROOT_KEY_FILE } from "../constructs/names";

/** Where each file of a CA directory lives (the file names are in constructs/names.ts). */
export interface RootFiles {
  readonly cert: string;
  readonly key: string;
}

export interface ClusterFiles {
  readonly directory: string;
  readonly caCert: string;
  readonly caKey: string;
  readonly certChain: string;
  readonly rootCert: string;
}

export function rootFiles(caDirectory: string): RootFiles {
  return { cert: path.join(caDirectory, ROOT_CERT_FILE), key: path.join(caDirectory, ROOT_KEY_FILE) };
}

export function clusterFiles(caDirectory: string, clusterName: string): ClusterFiles {
  const directory = path.join(caDirectory, clusterName);
  return {
    directory,
    caCert: path.join(directory, CA_CERT_FILE),
    caKey: path.join(directory, CA_KEY_FILE),
    certChain: path.join(directory, CERT_CHAIN_FILE),
    rootCert: path.join(directory, ROOT_CERT_FILE),
  };
}

/**
 * A path as users should see it in messages: relative to the project when it is inside it,
 * with forward slashes, so messages read the same as the config.
 */
export function displayPath(projectDir: string, file: string): string {
  const relative = path.relative(projectDir, file);
  if (!relative) return ".";
  if (path.isAbsolute(relative) || relative.startsWith(`..${path.sep}..${path.sep}`)) return file;
  return relative.split(path.sep).join("/");
}

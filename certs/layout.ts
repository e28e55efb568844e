import * as path from "node:path";

/**
 * The files of a mesh CA directory: the layout of Istio's `tools/certs/Makefile.selfsigned.mk`,
 * which `npm run certs` writes and a bring-your-own CA must follow.
 *
 * ```
 * <caDirectory>/root-cert.pem        the mesh root every cluster trusts
 * <caDirectory>/root-key.pem         its key: needed only to issue intermediates, never by synth
 * <caDirectory>/<cluster>/ca-cert.pem     the cluster's intermediate CA (istiod signs workloads with it)
 * <caDirectory>/<cluster>/ca-key.pem      its key
 * <caDirectory>/<cluster>/cert-chain.pem  the intermediate, then each issuer up to the root
 * <caDirectory>/<cluster>/root-cert.pem   a copy of the mesh root
 * ```
 */
export const ROOT_CERT_FILE = "root-cert.pem";
export const ROOT_KEY_FILE = "root-key.pem";
export const CA_CERT_FILE = "ca-cert.pem";
export const CA_KEY_FILE = "ca-key.pem";
export const CERT_CHAIN_FILE = "cert-chain.pem";

/**
 * What istiod reads from its `cacerts` secret, per cluster. The secret's keys are the file names,
 * which is what Istio expects.
 */
export const CLUSTER_CA_FILES = [CA_CERT_FILE, CA_KEY_FILE, ROOT_CERT_FILE, CERT_CHAIN_FILE] as const;
export type ClusterCaFile = (typeof CLUSTER_CA_FILES)[number];

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

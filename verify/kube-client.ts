import { existsSync } from "node:fs";
import { homedir } from "node:os";
import * as path from "node:path";
import { Writable } from "node:stream";
// Types only: the package is ESM-only, so its code is loaded with import() at run time (see connectClusters).
import type * as K8s from "@kubernetes/client-node";
import type { ClusterConnection, ClusterUnderTest } from "./checks/check";
import { updateKubeconfig } from "./checks/helpers";
import { ClusterClient, ClusterRequestError, ExecRequest, ExecResult, RequestFailureKind } from "./cluster-client";
import { isMapping } from "../config/mapping";
import { checkKubeconfigFile, KubeconfigFileError } from "./kubeconfig-file";

/** How long one API request may take before the cluster counts as not answering. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 15_000;

/** The kubeconfig cannot be used at all: nothing to check, `npm run verify` stops with exit code 2. */
export class KubeconfigError extends Error {
  constructor(
    message: string,
    readonly hint: string,
  ) {
    super(message);
    this.name = "KubeconfigError";
  }
}

/** The kubeconfig files kubectl would read: $KUBECONFIG (a path list) or ~/.kube/config. */
export function kubeconfigPaths(env: NodeJS.ProcessEnv = process.env): string[] {
  const list = env.KUBECONFIG?.split(path.delimiter).filter(Boolean) ?? [];
  return list.length ? list : [path.join(homedir(), ".kube", "config")];
}

/**
 * Opens one client per cluster from the user's kubeconfig, through the context the mesh config
 * names (ClusterSpec.kubeContext). A missing context is that cluster's problem, reported by the
 * reachability check; an unreadable kubeconfig is everyone's, thrown as KubeconfigError.
 */
export async function connectClusters(
  clusters: readonly ClusterUnderTest[],
  files: readonly string[],
  timeoutMs = DEFAULT_REQUEST_TIMEOUT_MS,
): Promise<Map<string, ClusterConnection>> {
  const setup = clusters.map(updateKubeconfig).join("; ");
  const present = files.filter((file) => existsSync(file));
  if (!present.length)
    throw new KubeconfigError(
      `no kubeconfig at ${files.join(path.delimiter)}`,
      `create one context per cluster: ${setup}`,
    );

  let contexts = 0;
  for (const file of present) {
    try {
      contexts += checkKubeconfigFile(file);
    } catch (error) {
      if (!(error instanceof KubeconfigFileError)) throw error;
      throw new KubeconfigError(error.message, `fix or recreate it: ${setup}`);
    }
  }
  if (!contexts)
    throw new KubeconfigError(
      `kubeconfig ${present.join(path.delimiter)} defines no contexts (it is empty), so no cluster can be reached`,
      `create one context per cluster: ${setup}`,
    );

  // Loaded only now: half a second of start-up that a kubeconfig problem found above never needs.
  const k8s = await import("@kubernetes/client-node");
  const merged = new k8s.KubeConfig();
  try {
    present.forEach((file, index) => {
      const config = index ? new k8s.KubeConfig() : merged;
      config.loadFromFile(file);
      if (index) merged.mergeConfig(config, true);
    });
  } catch (error) {
    throw new KubeconfigError(
      `kubeconfig ${present.join(path.delimiter)} cannot be read: ${oneLine(error)}`,
      `fix or recreate it: ${setup}`,
    );
  }

  const where = present.join(path.delimiter);
  return new Map(
    clusters.map((cluster): [string, ClusterConnection] => {
      const context = merged.getContextObject(cluster.kubeContext);
      if (!context) {
        return [
          cluster.name,
          { reason: `context "${cluster.kubeContext}" is not in kubeconfig ${where}`, hint: updateKubeconfig(cluster) },
        ];
      }
      const server = merged.getCluster(context.cluster)?.server;
      if (!server) {
        return [
          cluster.name,
          {
            reason: `context "${cluster.kubeContext}" names cluster "${context.cluster}", which has no server in kubeconfig ${where}`,
            hint: updateKubeconfig(cluster),
          },
        ];
      }
      if (!/^https?:\/\/[^/]/.test(server)) {
        return [
          cluster.name,
          {
            reason: `context "${cluster.kubeContext}" names server ${JSON.stringify(server)}, which is not an https:// URL`,
            hint: updateKubeconfig(cluster),
          },
        ];
      }
      const config = new k8s.KubeConfig();
      config.loadFromOptions({
        clusters: merged.clusters,
        contexts: merged.contexts,
        users: merged.users,
        currentContext: cluster.kubeContext,
      });
      return [cluster.name, { client: new KubeClient(k8s, config, server, timeoutMs) }];
    }),
  );
}

/** ClusterClient over @kubernetes/client-node, with a time limit on every request. */
class KubeClient implements ClusterClient {
  private readonly core: K8s.CoreV1Api;
  private readonly apps: K8s.AppsV1Api;
  private readonly version: K8s.VersionApi;
  private readonly executor: K8s.Exec;
  /** The kubeconfig's credentials and files, made and read once before the first request. */
  private prepared?: Promise<void>;

  constructor(
    private readonly k8s: typeof K8s,
    private readonly config: K8s.KubeConfig,
    readonly server: string,
    private readonly timeoutMs: number,
  ) {
    this.core = config.makeApiClient(k8s.CoreV1Api);
    this.apps = config.makeApiClient(k8s.AppsV1Api);
    this.version = config.makeApiClient(k8s.VersionApi);
    this.executor = new k8s.Exec(config);
  }

  async serverVersion(): Promise<string> {
    const info: unknown = await this.request("GET /version", () => this.version.getCode());
    const version = (info as { gitVersion?: unknown } | undefined)?.gitVersion;
    // A proxy or a login page in front of the endpoint answers, too, but without a version.
    if (typeof version !== "string" || !/^v\d+\.\d+/.test(version))
      throw this.notKubernetes("GET /version", "without a Kubernetes version");
    return version;
  }

  readNamespace(name: string) {
    return this.read(`namespace ${name}`, () => this.core.readNamespace({ name }));
  }

  listNamespaces(labelSelector: string) {
    return this.list(`namespaces labelled ${labelSelector}`, () => this.core.listNamespace({ labelSelector }));
  }

  readSecret(namespace: string, name: string) {
    return this.read(`secret ${namespace}/${name}`, () => this.core.readNamespacedSecret({ namespace, name }));
  }

  listSecrets(namespace: string, labelSelector: string) {
    return this.list(`secrets in ${namespace}`, () => this.core.listNamespacedSecret({ namespace, labelSelector }));
  }

  readConfigMap(namespace: string, name: string) {
    return this.read(`configmap ${namespace}/${name}`, () => this.core.readNamespacedConfigMap({ namespace, name }));
  }

  readDeployment(namespace: string, name: string) {
    return this.read(`deployment ${namespace}/${name}`, () => this.apps.readNamespacedDeployment({ namespace, name }));
  }

  readService(namespace: string, name: string) {
    return this.read(`service ${namespace}/${name}`, () => this.core.readNamespacedService({ namespace, name }));
  }

  listPods(namespace: string, labelSelector: string) {
    return this.list(`pods in ${namespace}`, () => this.core.listNamespacedPod({ namespace, labelSelector }));
  }

  async exec({ namespace, pod, container, command, timeoutMs }: ExecRequest): Promise<ExecResult> {
    await this.prepare();
    const stdout = new TextSink();
    const stderr = new TextSink();
    const run = new Promise<ExecResult>((resolve, reject) => {
      let status: K8s.V1Status | undefined;
      this.executor
        .exec(namespace, pod, container, [...command], stdout, stderr, null, false, (received) => {
          status = received;
        })
        .then((socket) => {
          socket.on("error", reject);
          socket.on("close", () => resolve({ stdout: stdout.text, stderr: stderr.text, exitCode: exitCodeOf(status) }));
        }, reject);
    });
    return this.withLimit(`exec in ${namespace}/${pod}`, run, timeoutMs);
  }

  /** A read of one object: undefined when it does not exist. */
  private async read<T>(what: string, call: () => Promise<T>): Promise<T | undefined> {
    let answer: unknown;
    try {
      answer = await this.request(what, call);
    } catch (error) {
      if (error instanceof ClusterRequestError && error.status === 404) return undefined;
      throw error;
    }
    if (!isMapping(answer)) throw this.notKubernetes(what, "without an object");
    return answer as T;
  }

  /** The objects of a list; an empty list may come as null (as Go writes a nil slice). */
  private async list<T>(what: string, call: () => Promise<{ items: T[] }>): Promise<T[]> {
    const answer: unknown = await this.request(what, call);
    const items = isMapping(answer) ? answer.items : undefined;
    if (items === null) return [];
    if (!Array.isArray(items)) throw this.notKubernetes(what, "without a list of items");
    return items.filter(isMapping) as T[];
  }

  private notKubernetes(what: string, how: string): ClusterRequestError {
    return new ClusterRequestError(
      "http",
      `${this.server} answered ${what} ${how}, so it is not a Kubernetes API server (a proxy or a login page in front of it?)`,
    );
  }

  private async request<T>(what: string, call: () => Promise<T>): Promise<T> {
    await this.prepare();
    return this.withLimit(what, call(), this.timeoutMs);
  }

  /**
   * Runs the credential command (or auth-provider) and reads the certificate files first, on their
   * own, so that their failures are named as such rather than as a failed request. client-node
   * keeps the credentials it made, so no request runs the command again before they expire.
   */
  private prepare(): Promise<void> {
    this.prepared ??= this.withLimit("the credentials", this.config.applyToHTTPSOptions({}), this.timeoutMs, (error) =>
      this.credentialFailure(error),
    );
    return this.prepared;
  }

  private credentialFailure(error: unknown): ClusterRequestError {
    // A TypeError is client-node failing on an entry it cannot use; its text names its internals.
    const detail = error instanceof TypeError ? "its entry is incomplete" : oneLine(error) || "it printed no error";
    const source = credentialSourceOf(this.config.getCurrentUser()) ?? "certificate and key settings";
    return new ClusterRequestError("credentials", `the kubeconfig's ${source} failed: ${detail}`);
  }

  /** Bounds a call in time and turns whatever it throws into a ClusterRequestError. */
  private async withLimit<T>(
    what: string,
    call: Promise<T>,
    timeoutMs: number,
    translate: (error: unknown) => ClusterRequestError = (error) => this.translate(error, what),
  ): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new ClusterRequestError(
              "timeout",
              `${this.server} did not answer ${what} within ${Math.round(timeoutMs / 1000)}s`,
            ),
          ),
        timeoutMs,
      );
    });
    try {
      return await Promise.race([call, timeout]);
    } catch (error) {
      throw error instanceof ClusterRequestError ? error : translate(error);
    } finally {
      clearTimeout(timer);
    }
  }

  private translate(error: unknown, what: string): ClusterRequestError {
    if (error instanceof this.k8s.ApiException) {
      const status = error.code;
      const message = statusMessage(error.body);
      const kind: RequestFailureKind = status === 401 ? "unauthorized" : status === 403 ? "forbidden" : "http";
      const summary = status === 401 ? "credentials rejected" : (message ?? "no message");
      return new ClusterRequestError(kind, `${this.server} answered HTTP ${status} to ${what}: ${summary}`, status);
    }
    const code = String((error as NodeJS.ErrnoException | undefined)?.code ?? "");
    const syscall = String((error as NodeJS.ErrnoException | undefined)?.syscall ?? "");
    if (syscall.startsWith("spawn")) {
      return new ClusterRequestError(
        "credentials",
        `cannot run the kubeconfig's credential command (${syscall.replace("spawn ", "")}): ${code}`,
      );
    }
    const known: Record<string, [RequestFailureKind, string]> = {
      ECONNREFUSED: ["unreachable", "connection refused by"],
      ECONNRESET: ["unreachable", "connection reset by"],
      ENOTFOUND: ["unreachable", "cannot resolve the host of"],
      EAI_AGAIN: ["unreachable", "cannot resolve the host of"],
      EHOSTUNREACH: ["unreachable", "no route to"],
      ENETUNREACH: ["unreachable", "no route to"],
      ETIMEDOUT: ["timeout", "connection timed out to"],
    };
    if (known[code]) return new ClusterRequestError(known[code][0], `${known[code][1]} ${this.server}`);
    if (/CERT|SSL|TLS|SELF_SIGNED|SIGNATURE/.test(code))
      return new ClusterRequestError("tls", `TLS with ${this.server} failed: ${oneLine(error)}`);
    if (error instanceof SyntaxError) return this.notKubernetes(what, "with a body that is not JSON");
    if (error instanceof this.k8s.FetchError)
      return new ClusterRequestError("unreachable", `${what} at ${this.server} failed: ${oneLine(error)}`);
    return new ClusterRequestError("other", `${what} at ${this.server} failed: ${oneLine(error)}`);
  }
}

/** "credential command aws eks get-token ..." or "auth-provider oidc"; undefined for a token or certificate. */
function credentialSourceOf(user: K8s.User | null): string | undefined {
  if (user?.exec?.command) {
    const args: unknown[] = Array.isArray(user.exec.args) ? user.exec.args : [];
    return `credential command "${[user.exec.command, ...args].join(" ")}"`;
  }
  if (user?.authProvider) return `auth-provider "${String(user.authProvider.name ?? "")}"`;
  return undefined;
}

/** The exit code in an exec status: "Success", or "Failure" with reason NonZeroExitCode and the code as a cause. */
function exitCodeOf(status: K8s.V1Status | undefined): number | undefined {
  if (!status) return undefined;
  if (status.status === "Success") return 0;
  const cause = status.details?.causes?.find((entry) => entry.reason === "ExitCode");
  return cause?.message ? Number(cause.message) : 1;
}

/** The `message` of a Kubernetes Status body, which client-node hands over as text or as an object. */
function statusMessage(body: unknown): string | undefined {
  let value = body;
  if (typeof body === "string") {
    try {
      value = JSON.parse(body);
    } catch {
      return body.trim() ? oneLine(body) : undefined;
    }
  }
  const message = (value as { message?: unknown } | undefined)?.message;
  return typeof message === "string" ? oneLine(message) : undefined;
}

function oneLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.trim().split("\n")[0];
}

/** Collects what a stream writes, as text. */
class TextSink extends Writable {
  private readonly chunks: Buffer[] = [];

  get text(): string {
    return Buffer.concat(this.chunks).toString("utf8");
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    this.chunks.push(Buffer.from(chunk));
    done();
  }
}

/**
 * What the checks need from one cluster's API server, and nothing more. The real implementation
 * (kube-client.ts) wraps @kubernetes/client-node; tests inject their own. Object shapes are the
 * subsets of the Kubernetes JSON the checks read, so client-node's models satisfy them as they are.
 */

export interface ObjectMeta {
  readonly name?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
}

export interface KubeNamespace {
  readonly metadata?: ObjectMeta;
}

export interface KubeSecret {
  readonly metadata?: ObjectMeta;
  readonly type?: string;
  /** Values are base64, as the API serves them. */
  readonly data?: Readonly<Record<string, string>>;
}

export interface KubeConfigMap {
  readonly metadata?: ObjectMeta;
  readonly data?: Readonly<Record<string, string>>;
}

export interface KubeContainer {
  readonly name: string;
  readonly image?: string;
  readonly args?: readonly string[];
  readonly env?: readonly { readonly name: string; readonly value?: string }[];
}

export interface KubeDeployment {
  readonly metadata?: ObjectMeta;
  readonly spec?: {
    readonly replicas?: number;
    readonly template?: { readonly spec?: { readonly containers?: readonly KubeContainer[] } };
  };
  readonly status?: { readonly replicas?: number; readonly readyReplicas?: number };
}

export interface KubeService {
  readonly metadata?: ObjectMeta;
  readonly spec?: {
    readonly type?: string;
    readonly ports?: readonly { readonly name?: string; readonly port: number }[];
  };
  readonly status?: {
    readonly loadBalancer?: { readonly ingress?: readonly { readonly hostname?: string; readonly ip?: string }[] };
  };
}

export interface KubePod {
  readonly metadata?: ObjectMeta;
  readonly spec?: {
    readonly containers?: readonly { readonly name: string; readonly image?: string }[];
    readonly initContainers?: readonly { readonly name: string }[];
  };
  readonly status?: {
    readonly phase?: string;
    readonly containerStatuses?: readonly { readonly name: string; readonly ready: boolean }[];
  };
}

/** A command to run in one container of a pod. */
export interface ExecRequest {
  readonly namespace: string;
  readonly pod: string;
  readonly container: string;
  readonly command: readonly string[];
  /** How long the command may take before the request fails with a timeout. */
  readonly timeoutMs: number;
}

export interface ExecResult {
  readonly stdout: string;
  readonly stderr: string;
  /** 0 when the command succeeded; undefined when the API did not say. */
  readonly exitCode?: number;
}

/**
 * One cluster's API, as the checks use it. Reads of a single object resolve to undefined when the
 * object does not exist (HTTP 404); every other failure rejects with a ClusterRequestError.
 */
export interface ClusterClient {
  /** API server address, for messages. */
  readonly server: string;
  /** The server's Kubernetes version (GET /version): the reachability probe. */
  serverVersion(): Promise<string>;
  readNamespace(name: string): Promise<KubeNamespace | undefined>;
  /** Namespaces whose labels match, such as `istio.io/rev` (has the label) or `istio-injection=enabled`. */
  listNamespaces(labelSelector: string): Promise<KubeNamespace[]>;
  readSecret(namespace: string, name: string): Promise<KubeSecret | undefined>;
  listSecrets(namespace: string, labelSelector: string): Promise<KubeSecret[]>;
  readConfigMap(namespace: string, name: string): Promise<KubeConfigMap | undefined>;
  readDeployment(namespace: string, name: string): Promise<KubeDeployment | undefined>;
  readService(namespace: string, name: string): Promise<KubeService | undefined>;
  listPods(namespace: string, labelSelector: string): Promise<KubePod[]>;
  /** Runs a command in a container, without a shell or stdin, and collects its output. */
  exec(request: ExecRequest): Promise<ExecResult>;
}

/** Why a request failed, coarse enough to pick a hint for the user. */
export type RequestFailureKind =
  "unreachable" | "timeout" | "tls" | "unauthorized" | "forbidden" | "credentials" | "http" | "other";

/** A failed API request, with a one-line message that names the server or the object. */
export class ClusterRequestError extends Error {
  constructor(
    readonly kind: RequestFailureKind,
    message: string,
    /** HTTP status, when the server answered. */
    readonly status?: number,
  ) {
    super(message);
    this.name = "ClusterRequestError";
  }
}

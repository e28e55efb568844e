import type { ClusterSpec, MeshSpec } from "../../config/spec";
import type { ClusterClient } from "../cluster-client";
import type { Outcome, OutcomeWith } from "./outcome";

/*
 * The shape of a check. A check is one file under verify/checks/ exporting one of the kinds
 * below, and one line in CHECKS (index.ts), which runs them in order.
 */

export type ClusterUnderTest = Pick<ClusterSpec, "name" | "region" | "network" | "kubeContext">;

/** What verify needs of the mesh config: its id, its clusters, and whether the samples are deployed. */
export interface MeshUnderTest extends Pick<MeshSpec, "meshId" | "samples" | "istioVersion" | "istioRevisions"> {
  readonly clusters: readonly ClusterUnderTest[];
}

/** A cluster's API client, or why there is none (for instance its context is missing from the kubeconfig). */
export type ClusterConnection = { readonly client: ClusterClient } | { readonly reason: string; readonly hint: string };

export interface VerifyOptions {
  /**
   * Requests from each cluster's curl pod.
   * @default DEFAULT_REQUESTS_PER_CLUSTER (checks/traffic.ts) times the number of clusters
   */
  readonly requests?: number;
  /**
   * curl's limit per request, in seconds.
   * @default DEFAULT_CURL_TIMEOUT_SECONDS (checks/traffic.ts)
   */
  readonly curlTimeoutSeconds?: number;
}

/** What a check sees of the run: the mesh, the options, the clients, and what earlier checks found. */
export interface CheckContext {
  readonly mesh: MeshUnderTest;
  readonly options: VerifyOptions;
  /** Clients of the clusters that passed `reachable`, by cluster name. */
  readonly clients: ReadonlyMap<string, ClusterClient>;
  /** The values an earlier per-cluster check returned, by cluster name. */
  valuesOf<T>(check: ClusterCheck<T>): ReadonlyMap<string, T>;
}

/** The first check: turns each cluster's connection into a client, or a FAIL. */
export interface ConnectionCheck {
  readonly kind: "connection";
  readonly name: string;
  run(cluster: ClusterUnderTest, connection: ClusterConnection | undefined): Promise<OutcomeWith<ClusterClient>>;
}

/**
 * A check run on every reachable cluster in parallel; unreachable clusters are skipped and errors
 * from the client become FAILs, so `run` handles only what it finds. Its value is kept for later
 * checks (CheckContext.valuesOf).
 */
export interface ClusterCheck<T = unknown, Prepared = unknown> {
  readonly kind: "cluster";
  readonly name: string;
  /** When the check does not apply to this mesh: the N/A outcome every cluster gets. */
  notApplicable?(mesh: MeshUnderTest): Outcome | undefined;
  /** Reads once, before the clusters are checked, what every cluster's run needs. */
  prepare?(context: CheckContext): Promise<Prepared>;
  run(
    cluster: ClusterUnderTest,
    client: ClusterClient,
    context: CheckContext,
    prepared: Prepared,
  ): Promise<OutcomeWith<T>>;
}

/** A check of the mesh as a whole, from what the per-cluster checks before it found. */
export interface MeshCheck {
  readonly kind: "mesh";
  readonly name: string;
  run(context: CheckContext): Outcome;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Check = ConnectionCheck | ClusterCheck<any, any> | MeshCheck;

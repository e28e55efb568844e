/**
 * How long AWS NAT gateways and Network Load Balancers keep an idle TCP flow: after 350 seconds
 * without a packet they forget it and answer the next packet with a reset. Sidecars keep pooled
 * mTLS connections to the other clusters' east-west NLBs through their NAT gateways, so without
 * keepalives the first request after a quiet period fails.
 */
export const AWS_IDLE_FLOW_TIMEOUT_SECONDS = 350;

/**
 * TCP keepalive on every upstream connection Envoy opens: the first probe after 240 s of silence
 * (well inside the 350 s), then every 60 s; three unanswered probes close the connection. Probes
 * count as traffic for the NAT gateway and the NLB, so a quiet connection stays known to both.
 */
export const MESH_TCP_KEEPALIVE = { time: "240s", interval: "60s", probes: 3 } as const;

/**
 * Envoy closes an upstream HTTP connection idle this long (its default is one hour), so a pooled
 * connection is never reused after a middlebox may have forgotten it, keepalive or not.
 */
export const MESH_HTTP_IDLE_TIMEOUT = "300s";

/** The meshConfig keys that keep cross-network connections alive. */
export interface KeepaliveMeshConfig {
  /** Mesh-wide TCP keepalive of outbound clusters; a DestinationRule's own tcpKeepalive overrides it field by field. */
  readonly tcpKeepalive: typeof MESH_TCP_KEEPALIVE;
  /**
   * The connection pool every cluster inherits unless its DestinationRule sets connectionPool
   * itself (Istio 1.31 and later; 1.30 ignores the key).
   */
  readonly defaultTrafficPolicy: { readonly connectionPool: { readonly http: { readonly idleTimeout: string } } };
}

export function keepaliveMeshConfig(): KeepaliveMeshConfig {
  return {
    tcpKeepalive: MESH_TCP_KEEPALIVE,
    defaultTrafficPolicy: { connectionPool: { http: { idleTimeout: MESH_HTTP_IDLE_TIMEOUT } } },
  };
}

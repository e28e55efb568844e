/**
 * Ports istiod listens on, fixed by Istio itself. Shared by the AWS side (the security group rule
 * that lets the EKS control plane call istiod's webhook) and the Kubernetes side (the east-west
 * gateway's Service ports), so it lives outside both and neither depends on the other.
 */

/** istiod's XDS and CA port over TLS: what proxies (and remote clusters' proxies) connect to. */
export const ISTIOD_XDS_PORT = 15012;

/** istiod's admission webhooks (sidecar injection, config validation), which the API server calls. */
export const ISTIOD_WEBHOOK_PORT = 15017;

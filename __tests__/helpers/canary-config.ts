import { Config, validConfig } from "./config-problems";

/** The valid two-cluster config of config-problems, with these `istio` settings. */
export const withIstio = (istio: Config): Config => ({ ...validConfig(), istio });

/**
 * The README's canary step: the release istio.version installed, a canary next to it, each with a
 * tag; the gateways stay on stable, the sample namespace moves to the canary.
 */
export const CANARY_ISTIO = {
  revisions: [
    { name: "default", version: "1.31.0" },
    { name: "1-31-1", version: "1.31.1" },
  ],
  tags: { stable: "default", canary: "1-31-1" },
  gatewayTag: "stable",
  sampleTag: "canary",
};

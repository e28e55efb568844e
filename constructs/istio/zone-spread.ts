/** The well-known node label of a node's availability zone, which EKS sets on every node. */
export const ZONE_TOPOLOGY_KEY = "topology.kubernetes.io/zone";

/** Replicas per zone may differ by at most this many. */
export const ZONE_MAX_SKEW = 1;

/** A pod topology spread constraint, as the Istio charts pass it to the pod spec unchanged. */
export interface TopologySpreadConstraint {
  readonly maxSkew: number;
  readonly topologyKey: string;
  readonly whenUnsatisfiable: "ScheduleAnyway" | "DoNotSchedule";
  readonly labelSelector: { readonly matchLabels: Readonly<Record<string, string>> };
  readonly matchLabelKeys: readonly string[];
}

/**
 * Spreads the pods matching `matchLabels` over the zones. ScheduleAnyway, because this program
 * runs no cluster autoscaler: a hard constraint would leave a replica Pending when its zone's
 * nodes are full, and a soft one still places replicas in different zones whenever there is room.
 * `pod-template-hash` counts each rollout's pods on their own, so a rolling update spreads the new
 * pods instead of balancing them against the old ones about to go.
 */
export function zoneSpread(matchLabels: Readonly<Record<string, string>>): TopologySpreadConstraint[] {
  return [
    {
      maxSkew: ZONE_MAX_SKEW,
      topologyKey: ZONE_TOPOLOGY_KEY,
      whenUnsatisfiable: "ScheduleAnyway",
      labelSelector: { matchLabels },
      matchLabelKeys: ["pod-template-hash"],
    },
  ];
}

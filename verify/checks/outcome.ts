/**
 * PASS and FAIL say what was found; SKIP that a check could not run because of a failure above,
 * so it counts against the mesh; N/A that the check does not apply to this config (the traffic
 * check without the samples), so it does not.
 */
export type CheckStatus = "PASS" | "FAIL" | "SKIP" | "N/A";

/** What one check found on one cluster (or the mesh). */
export interface Outcome {
  readonly status: CheckStatus;
  /** One line: what was found. */
  readonly reason: string;
  /** One line: what to do about it (never on PASS). */
  readonly hint?: string;
  /** On a SKIP: the check whose failure kept this one from running (reachable, for a cluster not reached). */
  readonly blockedBy?: string;
}

/** An outcome and what later checks may use of it (the root read, the usable remote secrets). */
export type OutcomeWith<T> = Outcome & { readonly value?: T };

export interface CheckResult extends Outcome {
  /** The check's name, as printed. */
  readonly check: string;
  /** The cluster checked; undefined for a mesh-wide check. */
  readonly cluster?: string;
}

export const pass = (reason: string): Outcome => ({ status: "PASS", reason });
export const fail = (reason: string, hint: string): Outcome => ({ status: "FAIL", reason, hint });
export const skip = (reason: string, hint: string): Outcome => ({ status: "SKIP", reason, hint });
export const notApplicable = (reason: string, hint: string): Outcome => ({ status: "N/A", reason, hint });

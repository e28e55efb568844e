import { Construct } from "constructs";
import { DataResource, Fn, ITerraformDependable, Op } from "cdktf";
import { Rotating } from "@cdktf/provider-time/lib/rotating";
import { READER_TOKEN_SECRET_NAME, ReaderToken } from "./reader-token";

/** The second token slot's secret: the first keeps the name (and address) of the single token. */
export const SECOND_READER_TOKEN_SECRET_NAME = `${READER_TOKEN_SECRET_NAME}-b`;

const HOURS_PER_DAY = 24;

export interface RotatingReaderTokensProps {
  /** Days between two new tokens; each token lives twice as long. */
  readonly rotationDays: number;
  /** The first token: the cluster's existing single token, which becomes slot "a". */
  readonly first: (replaceTriggeredBy: DataResource) => ReaderToken;
  /** What creates the reader service account and its RBAC (see ReaderToken). */
  readonly dependsOn: ITerraformDependable[];
}

/**
 * Two reader tokens that take turns, so a token is never revoked while another cluster's remote
 * secret still holds it. Each slot is replaced every 2 x rotationDays, the second one period after
 * the first, and the newer token is the one published to the other clusters:
 *
 * ```
 * day   0        P        2P       3P       4P
 * a     created ─────────▶ replaced ───────────────▶ replaced
 * b     created ──────────────────▶ replaced ────────────────
 * sent  b                 a        b        a
 * ```
 *
 * A slot is replaced only while the other slot's token is the published one, and the mesh-links
 * stacks that run later in the same `cdktf deploy '*'` move every remote secret to the new token;
 * the token they held before stays valid for one more period. If no deploy runs for a whole
 * period, both slots are due at once and the next deploy replaces both.
 *
 * time_rotating shows its rotation as a new resource, which `replace_triggered_by` ignores (the
 * time provider's TestAccTimeRotating_LifecycleReplaceTriggeredBy documents it), so each slot's
 * rotation id feeds a terraform_data whose replacement replaces that slot's secret.
 */
export class RotatingReaderTokens extends Construct {
  public readonly first: ReaderToken;
  public readonly second: ReaderToken;
  public readonly firstRotation: Rotating;
  public readonly secondRotation: Rotating;
  /** The newer of the two tokens: what the other clusters' remote secrets carry. */
  public readonly token: string;

  constructor(scope: Construct, id: string, props: RotatingReaderTokensProps) {
    super(scope, id);
    if (!Number.isInteger(props.rotationDays) || props.rotationDays < 1) {
      throw new Error(
        `RotatingReaderTokens: rotationDays ${props.rotationDays} must be a whole number of days, at least 1`,
      );
    }
    const slotDays = 2 * props.rotationDays;
    this.firstRotation = new Rotating(this, "rotation-a", { rotationDays: slotDays });
    // Based one period after slot a's start: slot b then always turns one period after slot a.
    // ignore_changes keeps slot a's rotations from moving it; a new slot b takes the base afresh.
    this.secondRotation = new Rotating(this, "rotation-b", {
      rotationDays: slotDays,
      rfc3339: Fn.timeadd(this.firstRotation.rfc3339, `${props.rotationDays * HOURS_PER_DAY}h`),
      lifecycle: { ignoreChanges: ["rfc3339"] },
    });
    const firstGeneration = new DataResource(this, "generation-a", {
      triggersReplace: { rotation: this.firstRotation.id },
    });
    const secondGeneration = new DataResource(this, "generation-b", {
      triggersReplace: { rotation: this.secondRotation.id },
    });

    this.first = props.first(firstGeneration);
    this.second = new ReaderToken(scope, "istio-reader-token-b", {
      secretName: SECOND_READER_TOKEN_SECRET_NAME,
      replaceTriggeredBy: secondGeneration,
      dependsOn: props.dependsOn,
    });
    // The slot that turns later is the one that turned last: its token is the newer.
    const turnsAt = (rotation: Rotating) => Fn.tonumber(Fn.formatdate("YYYYMMDDhhmmss", rotation.rotationRfc3339));
    this.token = Fn.conditional(
      Op.gt(turnsAt(this.firstRotation), turnsAt(this.secondRotation)),
      this.first.token,
      this.second.token,
    ) as string;
  }
}

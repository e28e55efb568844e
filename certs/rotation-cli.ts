import type { ClusterSpec } from "../config/spec";
import { CertsAction } from "./options";
import { rotateIntermediate } from "./rotate-intermediate";
import { rotateRoot } from "./rotate-root";
import { ROOT_ROTATION_STAGES, ROOT_ROTATION_STAGE_TITLES, stageCommand } from "./root-rotation-stage";

/** Workload certificates live 24 hours by default (istiod's DEFAULT_WORKLOAD_CERT_TTL). */
export const WORKLOAD_CERT_TTL_HOURS = 24;

/** What a rotation printed, and the key files to check against .gitignore. */
export interface RotationOutput {
  readonly lines: string[];
  readonly keyFiles: string[];
}

export interface RotationRun {
  readonly caDirectory: string;
  readonly clusters: readonly Pick<ClusterSpec, "name" | "kubeContext">[];
  /**
   * Messages show paths relative to this directory.
   * @default PROJECT_DIR
   */
  readonly projectDir?: string;
  /**
   * RSA modulus of new keys.
   * @default CA_KEY_BITS
   */
  readonly keyBits?: number;
}

/** Runs one rotation of `npm run certs` and says what to do next, in order. */
export async function runRotation(
  action: Exclude<CertsAction, { kind: "ensure" }>,
  run: RotationRun,
): Promise<RotationOutput> {
  const clusterNames = run.clusters.map((cluster) => cluster.name);
  const common = { caDirectory: run.caDirectory, clusterNames, projectDir: run.projectDir, keyBits: run.keyBits };
  if (action.kind === "rotate-intermediate") {
    const rotated = await rotateIntermediate({ ...common, clusterName: action.clusterName });
    return {
      keyFiles: rotated.keyFiles,
      lines: [
        `  rotated ${rotated.shown} (new intermediate of ${action.clusterName}, valid until ${isoDate(rotated.notAfter)}; root-cert.pem unchanged)`,
        `  the replaced files are in ${rotated.backup} (delete it once the cluster runs on the new intermediate)`,
        "Next:",
        `  npx cdktf deploy ${action.clusterName}-platform   # updates the cacerts secret in place`,
        `  istiod loads the new intermediate from its mounted cacerts within a minute or two, without a restart;`,
        `  workloads get certificates from it as theirs renew (within ${WORKLOAD_CERT_TTL_HOURS} h) or when they restart.`,
        `  npm run verify`,
      ],
    };
  }
  const report = await rotateRoot(action.stage, common);
  const index = ROOT_ROTATION_STAGES.indexOf(action.stage);
  const next = ROOT_ROTATION_STAGES[index + 1];
  const restarts = run.clusters.map(
    (cluster) => `  kubectl --context ${cluster.kubeContext} -n istio-system rollout restart deployment/istiod`,
  );
  return {
    keyFiles: report.keyFiles,
    lines: [
      `  now at ${ROOT_ROTATION_STAGE_TITLES[action.stage]}`,
      `  the replaced files are in ${report.backup}`,
      "Next:",
      "  npx cdktf deploy '*'",
      "  # istiod reloads a changed root-cert.pem only with ISTIO_MULTIROOT_MESH, so restart it in every cluster:",
      ...restarts,
      `  npm run verify   # every cluster must report stage ${index + 1} (${action.stage}) and the same roots`,
      ...(next
        ? [
            `  then wait ${WORKLOAD_CERT_TTL_HOURS} h (workload certificates renew) or restart the workloads, and run:`,
            `  ${stageCommand(next)}`,
          ]
        : ["  the rotation is complete."]),
    ],
  };
}

function isoDate(date: Date): string {
  return date.toISOString().slice(0, 10);
}

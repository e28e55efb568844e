import { DEFAULT_REVISION_NAME, ISTIO_SYSTEM_NAMESPACE, REVISION_LABEL, istiodName } from "../../constructs/names";
import { ISTIOD_CONTAINER, tagServiceName } from "../chart-names";
import type { ClusterCheck } from "./check";
import { kubectl } from "./helpers";
import { fail, pass } from "./outcome";

/** The release version an Istio image runs: the tag of `docker.io/istio/pilot:1.31.1` (a variant such as `-distroless` dropped). */
export function imageVersion(image: string | undefined): string | undefined {
  const tag = image?.slice(image.lastIndexOf(":") + 1);
  return tag && /^\d+\.\d+\.\d+/.exec(tag)?.[0];
}

/**
 * Every revision's istiod (Deployment istiod-<revision>, `istiod` for the
 * default one) has a ready replica and runs its configured version, and every tag points at its
 * configured revision (the tag's Service istiod-revision-tag-<tag>, rendered with its webhook by
 * the same release, carries istio.io/rev=<revision>).
 */
export const revisions: ClusterCheck = {
  kind: "cluster",
  name: "revisions",
  async run(cluster, client, { mesh }) {
    // With istio.version alone: the one unnamed revision, with no tags.
    const { revisions: configured, tags } = mesh.istioRevisions ?? {
      revisions: [{ name: DEFAULT_REVISION_NAME, version: mesh.istioVersion, tags: [] }],
      tags: {},
    };
    const problems: { problem: string; hint: string }[] = [];
    const found: string[] = [];
    await Promise.all(
      configured.map(async (revision) => {
        const name = istiodName(revision.name);
        const deployment = await client.readDeployment(ISTIO_SYSTEM_NAMESPACE, name);
        const deploy = `npx cdktf deploy ${cluster.name}-platform`;
        if (!deployment) {
          problems.push({ problem: `revision ${revision.name}: no Deployment ${name}`, hint: deploy });
          return;
        }
        const ready = deployment.status?.readyReplicas ?? 0;
        const containers = deployment.spec?.template?.spec?.containers ?? [];
        const image = (containers.find((container) => container.name === ISTIOD_CONTAINER) ?? containers[0])?.image;
        const version = imageVersion(image);
        if (ready < 1) {
          problems.push({
            problem: `revision ${revision.name}: 0 replicas of ${name} ready`,
            hint: `see why: ${kubectl(cluster)} -n ${ISTIO_SYSTEM_NAMESPACE} describe deployment/${name}`,
          });
        }
        if (version !== revision.version) {
          problems.push({
            problem: `revision ${revision.name}: ${name} runs ${version ?? image ?? "an unknown image"}, not ${revision.version}`,
            hint: `re-apply the platform stack so the release matches the config: ${deploy}`,
          });
        }
        found.push(
          `${revision.name} ${revision.version} ${ready} ready${revision.tags.length ? ` [${revision.tags.join(", ")}]` : ""}`,
        );
      }),
    );
    await Promise.all(
      Object.entries(tags).map(async ([tag, target]) => {
        const service = await client.readService(ISTIO_SYSTEM_NAMESPACE, tagServiceName(tag));
        const actual = service?.metadata?.labels?.[REVISION_LABEL];
        if (actual !== target) {
          problems.push({
            problem: `tag ${tag} ${actual ? `points at ${actual}` : "does not exist"}, not at ${target}`,
            hint: `deploy the tag change: npx cdktf deploy ${cluster.name}-platform`,
          });
        }
      }),
    );
    if (problems.length) return fail(problems.map((p) => p.problem).join("; "), problems[0].hint);
    return pass(found.sort().join("; "));
  },
};

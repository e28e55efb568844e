import { describeCertificate } from "../../certs/pem";
import { CACERTS_SECRET_NAME, ROOT_CERT_FILE } from "../../constructs/names";
import type { MeshCheck } from "./check";
import { fail, pass, skip } from "./outcome";
import { rootCert } from "./root-cert";
import { describeTrust, rotationStage, trustedSet } from "./root-rotation-stage";

/**
 * Every cluster trusts the same root: cross-cluster mTLS needs it. Compares the clusters that were
 * reached; a cluster not reached is named in the reason (its reachable FAIL keeps the exit code non-zero).
 */
export const sharedRoot: MeshCheck = {
  kind: "mesh",
  name: "shared-root",
  run({ mesh, clients, valuesOf }) {
    const roots = valuesOf(rootCert);
    const reached = mesh.clusters.filter((cluster) => clients.has(cluster.name));
    const notReached = mesh.clusters.filter((cluster) => !clients.has(cluster.name)).map((cluster) => cluster.name);
    const leftOut = notReached.length ? `; ${notReached.join(", ")} not reached, not compared` : "";
    if (!reached.length)
      return skip("no cluster reached: nothing to compare", "fix the reachability failures above first");
    const unknown = reached.filter((cluster) => !roots.has(cluster.name)).map((cluster) => cluster.name);
    const trusted = new Set([...roots.values()].map(trustedSet));
    if (trusted.size > 1) {
      const each = [...roots].map(([cluster, root]) => `${cluster} ${describeTrust(root)}`).join(", ");
      const rotating = [...roots.values()].some((root) => root.bundle.length > 1);
      return fail(
        `clusters trust different roots (${each}): cross-cluster mTLS fails${leftOut}`,
        rotating
          ? `a root rotation is half deployed: deploy every cluster (npx cdktf deploy '*') and restart istiod in each, so all reach the stage ${CACERTS_SECRET_NAME} in the CA directory is at (\`npm run certs\` made it)`
          : `give every cluster's ${CACERTS_SECRET_NAME} the same ${ROOT_CERT_FILE} (\`npm run certs\` makes one root for all clusters), apply, then restart istiod and the workloads in every cluster`,
      );
    }
    if (unknown.length) {
      return skip(
        `cannot compare: no root read from ${unknown.join(", ")}${leftOut}`,
        "fix the root-cert failures above first",
      );
    }
    const [root] = roots.values();
    const which = notReached.length
      ? `the ${reached.length} reached cluster${reached.length > 1 ? "s" : ""} of ${mesh.clusters.length} (${reached.map((cluster) => cluster.name).join(", ")})`
      : `all ${mesh.clusters.length} clusters`;
    const one = reached.length === 1;
    if (root.bundle.length === 1)
      return pass(`${which} ${one ? "trusts" : "share"} root ${describeCertificate(root)}${leftOut}`);
    const stages = [...roots].map(([cluster, each]) => `${cluster} at ${rotationStage(each)}`).join(", ");
    return pass(`${which} ${one ? "trusts" : "trust"} the same ${root.bundle.length} roots: ${stages}${leftOut}`);
  },
};

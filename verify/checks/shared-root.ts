import { describeCertificate } from "../../certs/pem";
import { CACERTS_SECRET_NAME, ROOT_CERT_FILE } from "../../constructs/names";
import type { MeshCheck } from "./check";
import { fail, pass, skip } from "./outcome";
import { rootCert } from "./root-cert";
import { describeTrust, rotationStage, trustedSet } from "./root-rotation-stage";

/** Every cluster trusts the same root: cross-cluster mTLS needs it. */
export const sharedRoot: MeshCheck = {
  kind: "mesh",
  name: "shared-root",
  run({ mesh, valuesOf }) {
    const roots = valuesOf(rootCert);
    const unknown = mesh.clusters.filter((cluster) => !roots.has(cluster.name)).map((cluster) => cluster.name);
    const trusted = new Set([...roots.values()].map(trustedSet));
    if (trusted.size > 1) {
      const each = [...roots].map(([cluster, root]) => `${cluster} ${describeTrust(root)}`).join(", ");
      const rotating = [...roots.values()].some((root) => root.bundle.length > 1);
      return fail(
        `clusters trust different roots (${each}): cross-cluster mTLS fails`,
        rotating
          ? `a root rotation is half deployed: deploy every cluster (npx cdktf deploy '*') and restart istiod in each, so all reach the stage ${CACERTS_SECRET_NAME} in the CA directory is at (\`npm run certs\` made it)`
          : `give every cluster's ${CACERTS_SECRET_NAME} the same ${ROOT_CERT_FILE} (\`npm run certs\` makes one root for all clusters), apply, then restart istiod and the workloads in every cluster`,
      );
    }
    if (unknown.length) {
      return skip(`cannot compare: no root read from ${unknown.join(", ")}`, "fix the root-cert failures above first");
    }
    const [root] = roots.values();
    if (root.bundle.length === 1)
      return pass(`all ${mesh.clusters.length} clusters share root ${describeCertificate(root)}`);
    const stages = [...roots].map(([cluster, each]) => `${cluster} at ${rotationStage(each)}`).join(", ");
    return pass(`all ${mesh.clusters.length} clusters trust the same ${root.bundle.length} roots: ${stages}`);
  },
};

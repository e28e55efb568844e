import { describeCertificate, shortFingerprint } from "../../certs/pem";
import { CACERTS_SECRET_NAME, ROOT_CERT_FILE } from "../../constructs/names";
import type { MeshCheck } from "./check";
import { fail, pass, skip } from "./outcome";
import { rootCert } from "./root-cert";

/** Every cluster trusts the same root: cross-cluster mTLS needs it. */
export const sharedRoot: MeshCheck = {
  kind: "mesh",
  name: "shared-root",
  run({ mesh, valuesOf }) {
    const roots = valuesOf(rootCert);
    const unknown = mesh.clusters.filter((cluster) => !roots.has(cluster.name)).map((cluster) => cluster.name);
    const fingerprints = new Set([...roots.values()].map((root) => root.fingerprint));
    if (fingerprints.size > 1) {
      const each = [...roots].map(([cluster, root]) => `${cluster} ${shortFingerprint(root.fingerprint)}`).join(", ");
      return fail(
        `clusters trust different roots (${each}): cross-cluster mTLS fails`,
        `give every cluster's ${CACERTS_SECRET_NAME} the same ${ROOT_CERT_FILE} (\`npm run certs\` makes one root for all clusters), apply, then restart istiod and the workloads in every cluster`,
      );
    }
    if (unknown.length) {
      return skip(`cannot compare: no root read from ${unknown.join(", ")}`, "fix the root-cert failures above first");
    }
    const [root] = roots.values();
    return pass(`all ${mesh.clusters.length} clusters share root ${describeCertificate(root)}`);
  },
};

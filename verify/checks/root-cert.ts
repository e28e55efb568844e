import { CertificateSummary, describeCertificate, parsePemCertificates } from "../../certs/pem";
import { rotationStage, TrustedRoots } from "./root-rotation-stage";
import { CACERTS_SECRET_NAME, CLUSTER_CA_FILES, ISTIO_SYSTEM_NAMESPACE, ROOT_CERT_FILE } from "../../constructs/names";
import { CA_ROOT_CONFIGMAP, ISTIOD_DEPLOYMENT } from "../chart-names";
import type { ClusterCheck } from "./check";
import { kubectl } from "./helpers";
import { fail, pass } from "./outcome";

/**
 * Each cluster's cacerts secret holds a valid root, and istiod distributes that root (it signs
 * with the plugged-in CA). Its value, the root, is what shared-root compares.
 */
export const rootCert: ClusterCheck<TrustedRoots> = {
  kind: "cluster",
  name: "root-cert",
  async run(cluster, client) {
    const restart = `${kubectl(cluster)} -n ${ISTIO_SYSTEM_NAMESPACE} rollout restart deployment/${ISTIOD_DEPLOYMENT}`;
    const restartIstiod = `then restart istiod: ${restart}`;
    const secret = await client.readSecret(ISTIO_SYSTEM_NAMESPACE, CACERTS_SECRET_NAME);
    if (!secret) {
      return fail(
        `no secret ${CACERTS_SECRET_NAME} in ${ISTIO_SYSTEM_NAMESPACE}: istiod signs with a self-signed root of its own`,
        `run \`npm run certs\` (or configure your own CA) and apply ${cluster.name}'s platform stack, ${restartIstiod}`,
      );
    }
    const encoded = secret.data?.[ROOT_CERT_FILE];
    if (!encoded)
      return fail(
        `secret ${CACERTS_SECRET_NAME} has no key ${ROOT_CERT_FILE}`,
        `recreate ${CACERTS_SECRET_NAME} with ${CLUSTER_CA_FILES.join(", ")}, ${restartIstiod}`,
      );
    let root: TrustedRoots;
    try {
      const bundle = parsePemCertificates(Buffer.from(encoded, "base64").toString("utf8"));
      root = { ...bundle[0], bundle };
    } catch (error) {
      return fail(
        `${ROOT_CERT_FILE} in secret ${CACERTS_SECRET_NAME} ${(error as Error).message}`,
        `recreate ${CACERTS_SECRET_NAME} from the CA directory (npm run certs), ${restartIstiod}`,
      );
    }
    if (root.validTo.getTime() < Date.now()) {
      return {
        ...fail(
          `root ${describeCertificate(root)} expired on ${root.validTo.toISOString()}`,
          "rotate the mesh root (a new CA directory), apply every cluster and restart istiod everywhere",
        ),
        value: root,
      };
    }

    const published = await client.readConfigMap(ISTIO_SYSTEM_NAMESPACE, CA_ROOT_CONFIGMAP);
    // istiod publishes the root under the same key that cacerts holds it in.
    const publishedPem = published?.data?.[ROOT_CERT_FILE];
    if (!publishedPem) {
      return {
        ...fail(
          `istiod has not published ConfigMap ${CA_ROOT_CONFIGMAP} in ${ISTIO_SYSTEM_NAMESPACE}: it is not running or not yet started`,
          `see the istiod check below: ${kubectl(cluster)} -n ${ISTIO_SYSTEM_NAMESPACE} logs deployment/${ISTIOD_DEPLOYMENT}`,
        ),
        value: root,
      };
    }
    let served: CertificateSummary[];
    try {
      served = parsePemCertificates(publishedPem);
    } catch (error) {
      return {
        ...fail(
          `ConfigMap ${CA_ROOT_CONFIGMAP} ${(error as Error).message}`,
          `restart istiod so it loads ${CACERTS_SECRET_NAME}: ${restart}`,
        ),
        value: root,
      };
    }
    if (!served.some((certificate) => certificate.fingerprint === root.fingerprint)) {
      return {
        ...fail(
          `istiod distributes root ${describeCertificate(served[0])}, not the ${CACERTS_SECRET_NAME} root ${describeCertificate(root)}: istiod started before ${CACERTS_SECRET_NAME} existed or has not reloaded it`,
          `restart istiod so it loads ${CACERTS_SECRET_NAME}: ${restart}`,
        ),
        value: root,
      };
    }
    // During a root rotation istiod must serve every root of the bundle; it reloads a changed
    // root-cert.pem only after a restart (without ISTIO_MULTIROOT_MESH).
    const missing = root.bundle.filter(
      (each) => !served.some((certificate) => certificate.fingerprint === each.fingerprint),
    );
    if (missing.length) {
      return {
        ...fail(
          `istiod distributes ${root.bundle.length - missing.length} of the ${root.bundle.length} roots of ${CACERTS_SECRET_NAME} (missing ${missing.map(describeCertificate).join(", ")}): it has not reloaded ${ROOT_CERT_FILE}`,
          `restart istiod so it loads ${CACERTS_SECRET_NAME}: ${restart}`,
        ),
        value: root,
      };
    }
    const stage = root.bundle.length > 1 ? `; ${rotationStage(root)}` : "";
    return {
      ...pass(`istiod signs with the ${CACERTS_SECRET_NAME} root ${describeCertificate(root)}${stage}`),
      value: root,
    };
  },
};

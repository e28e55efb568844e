import { validateMeshConfig } from "../config/load";
import { exitCodeOf, runChecks } from "../verify/checks";
import type { ClusterConnection, MeshUnderTest } from "../verify/checks/check";
import type { CheckResult } from "../verify/checks/outcome";
import { imageVersion } from "../verify/checks/revisions";
import { CANARY_ISTIO, withIstio } from "./helpers/canary-config";
import { FakeCluster, healthyMesh, KubeJson, MemoryClient, proxyContainer, sidecarStatus } from "./helpers/fake-mesh";

/**
 * `npm run verify` on a mesh with two control plane revisions: every revision's istiod, the tags,
 * which revision each injected namespace and gateway runs, and proxies outside Istio's skew. The
 * fakes are the healthy mesh of fake-mesh.ts with the objects two revisions add, as the istiod
 * chart names them (istiod-<revision>, istiod-revision-tag-<tag>, labels istio.io/rev).
 */

const config = (istio: Record<string, unknown>) => validateMeshConfig(withIstio(istio), "test").spec as MeshUnderTest;

const canary = config(CANARY_ISTIO);

const istioSystem = (cluster: FakeCluster) => cluster.objects["istio-system"]!;
const samplePods = (cluster: FakeCluster) => Object.values(cluster.objects.sample!.pods!);

function tagService(tag: string, revision: string): KubeJson {
  return {
    metadata: { name: `istiod-revision-tag-${tag}`, labels: { "istio.io/rev": revision, "istio.io/tag": tag } },
  };
}

/** The healthy mesh as the canary config deploys it. */
function revisionedMesh(spec: MeshUnderTest): Map<string, FakeCluster> {
  const mesh = healthyMesh(spec);
  for (const cluster of mesh.values()) {
    const system = istioSystem(cluster);
    const istiod = system.deployments!.istiod;
    istiod.spec.template.spec.containers[0].image = "docker.io/istio/pilot:1.31.0";
    system.deployments!["istiod-1-31-1"] = JSON.parse(
      JSON.stringify({ ...istiod, metadata: { name: "istiod-1-31-1", labels: { app: "istiod" } } }),
    );
    system.deployments!["istiod-1-31-1"].spec.template.spec.containers[0].image = "docker.io/istio/pilot:1.31.1";
    system.services!["istiod-revision-tag-stable"] = tagService("stable", "default");
    system.services!["istiod-revision-tag-canary"] = tagService("canary", "1-31-1");
    cluster.namespaces.sample.metadata.labels = { "istio.io/rev": "canary" };
    cluster.namespaces["istio-ingress"] = { metadata: { name: "istio-ingress", labels: { "istio.io/rev": "stable" } } };
    cluster.objects["istio-ingress"] = {
      pods: {
        "istio-ingressgateway-6b7f9c5d4-abcde": {
          metadata: {
            name: "istio-ingressgateway-6b7f9c5d4-abcde",
            labels: { istio: "ingressgateway", "istio.io/rev": "stable" },
            annotations: sidecarStatus("default"),
          },
          spec: { containers: [proxyContainer("1.31.0")] },
        },
      },
    };
    system.pods!["istio-eastwestgateway-7c9d8f6b5-fghij"] = {
      metadata: {
        name: "istio-eastwestgateway-7c9d8f6b5-fghij",
        labels: { istio: "eastwestgateway", "istio.io/rev": "stable" },
        annotations: sidecarStatus("default"),
      },
      spec: { containers: [proxyContainer("1.31.0")] },
    };
    for (const pod of samplePods(cluster)) {
      pod.metadata.annotations = sidecarStatus("1-31-1");
      pod.spec.containers[1] = proxyContainer("1.31.1");
    }
  }
  return mesh;
}

async function verify(spec: MeshUnderTest, breakIt: (mesh: Map<string, FakeCluster>) => void = () => undefined) {
  const mesh = revisionedMesh(spec);
  breakIt(mesh);
  const connections = new Map<string, ClusterConnection>(
    [...mesh].map(([name, cluster]) => [name, { client: new MemoryClient(cluster, `https://${name}.eks.example`) }]),
  );
  const results = await runChecks(spec, connections);
  const find = (check: string, cluster: string): CheckResult =>
    results.find((r) => r.check === check && r.cluster === cluster)!;
  return { results, find, exitCode: exitCodeOf(results) };
}

describe("verify with revisions", () => {
  it("passes a healthy canary mesh, naming each revision's istiod and what every namespace and gateway runs", async () => {
    const { results, find, exitCode } = await verify(canary);
    expect(results.filter((result) => result.status !== "PASS" && result.status !== "N/A")).toEqual([]);
    expect(exitCode).toBe(0);
    expect(find("revisions", "cluster1").reason).toBe(
      "1-31-1 1.31.1 1 ready [canary]; default 1.31.0 1 ready [stable]",
    );
    expect(find("proxies", "cluster2").reason).toBe(
      "istio-ingress -> default (1 on default); istio-system -> default (1 on default); sample -> 1-31-1 (2 on 1-31-1)",
    );
  });

  it("fails a revision whose istiod is not ready or runs another version, naming the revision", async () => {
    const { find } = await verify(canary, (mesh) => {
      const canaryIstiod = istioSystem(mesh.get("cluster2")!).deployments!["istiod-1-31-1"];
      canaryIstiod.status = { replicas: 1, readyReplicas: 0 };
      canaryIstiod.spec.template.spec.containers[0].image = "docker.io/istio/pilot:1.31.0";
    });
    expect(find("revisions", "cluster1").status).toBe("PASS");
    expect(find("revisions", "cluster2")).toMatchObject({
      status: "FAIL",
      reason:
        "revision 1-31-1: 0 replicas of istiod-1-31-1 ready; revision 1-31-1: istiod-1-31-1 runs 1.31.0, not 1.31.1",
      hint: expect.stringContaining("describe deployment/istiod-1-31-1"),
    });
  });

  it("fails a missing revision and a tag that points elsewhere than the config says", async () => {
    const { find } = await verify(canary, (mesh) => {
      delete istioSystem(mesh.get("cluster1")!).deployments!["istiod-1-31-1"];
      istioSystem(mesh.get("cluster1")!).services!["istiod-revision-tag-stable"] = tagService("stable", "1-31-1");
    });
    expect(find("revisions", "cluster1")).toMatchObject({
      status: "FAIL",
      reason: "revision 1-31-1: no Deployment istiod-1-31-1; tag stable points at 1-31-1, not at default",
      hint: "npx cdktf deploy cluster1-platform",
    });
  });

  it("fails pods still on the revision their namespace no longer selects, with the restart to run", async () => {
    // The tag moved (stable -> 1-31-1) but the ingress gateway pod was not rolled yet.
    const moved = config({ ...CANARY_ISTIO, tags: { stable: "1-31-1", canary: "1-31-1" }, gatewayTag: "canary" });
    const { find } = await verify(moved, (mesh) => {
      for (const cluster of mesh.values()) {
        istioSystem(cluster).services!["istiod-revision-tag-stable"] = tagService("stable", "1-31-1");
        istioSystem(cluster).pods!["istio-eastwestgateway-7c9d8f6b5-fghij"].metadata.annotations =
          sidecarStatus("1-31-1");
      }
    });
    expect(find("proxies", "cluster1")).toMatchObject({
      status: "FAIL",
      reason:
        "istio-ingress/istio-ingressgateway-6b7f9c5d4-abcde runs revision default, its namespace now selects 1-31-1",
      hint: "kubectl --context cluster1 -n istio-ingress rollout restart deployment",
    });
    expect(find("revisions", "cluster1").status).toBe("PASS");
  });

  it("fails proxies outside Istio's skew: ahead of their control plane, or two minors behind", async () => {
    const { find } = await verify(canary, (mesh) => {
      const [hello, curl] = samplePods(mesh.get("cluster1")!);
      hello.spec.containers[1] = proxyContainer("1.32.0");
      curl.spec.containers[1] = proxyContainer("1.29.3");
    });
    const { status, reason } = find("proxies", "cluster1");
    expect(status).toBe("FAIL");
    expect(reason).toContain("runs proxy 1.32.0 against revision 1-31-1 (1.31.1), outside Istio's skew");
    expect(reason).toContain("runs proxy 1.29.3 against revision 1-31-1 (1.31.1), outside Istio's skew");
    expect(find("proxies", "cluster2").status).toBe("PASS");
  });

  it("fails a pod with no sidecar in an injected namespace, and a pod injected by a revision the config dropped", async () => {
    const { find } = await verify(canary, (mesh) => {
      const [hello, curl] = samplePods(mesh.get("cluster2")!);
      hello.spec.containers = [{ name: "helloworld" }];
      curl.metadata.annotations = sidecarStatus("1-30-5");
    });
    const { status, reason } = find("proxies", "cluster2");
    expect(status).toBe("FAIL");
    expect(reason).toContain("sample/helloworld-v2-7d5c9b8f4-x2x9q has no sidecar");
    expect(reason).toContain(
      "sample/curl-5b549b49b8-mg7nl was injected by revision 1-30-5, which the config no longer has",
    );
  });

  it("ignores pods that opt out of injection", async () => {
    const { find } = await verify(canary, (mesh) => {
      const [hello] = samplePods(mesh.get("cluster2")!);
      hello.spec.containers = [{ name: "helloworld" }];
      hello.metadata.labels["sidecar.istio.io/inject"] = "false";
    });
    expect(find("proxies", "cluster2").status).toBe("PASS");
  });

  it("checks the istiod of the gateways' revision once the default revision is gone", async () => {
    const after = config({
      revisions: [{ name: "1-31-1", version: "1.31.1" }],
      tags: { stable: "1-31-1" },
      gatewayTag: "stable",
    });
    const { find } = await verify(after, (mesh) => {
      for (const cluster of mesh.values()) {
        delete istioSystem(cluster).deployments!.istiod;
        istioSystem(cluster).services!["istiod-revision-tag-stable"] = tagService("stable", "1-31-1");
      }
    });
    // The fake has no istio-1-31-1 ConfigMaps: the istiod check reads the canary's names, not the default's.
    expect(find("istiod", "cluster1")).toMatchObject({
      status: "FAIL",
      reason: expect.stringContaining("ConfigMap istio-1-31-1 has no mesh config"),
    });
    expect(find("revisions", "cluster1").status).toBe("PASS");
  });
});

describe("image versions", () => {
  it.each([
    ["docker.io/istio/proxyv2:1.31.1", "1.31.1"],
    ["docker.io/istio/pilot:1.31.0-distroless", "1.31.0"],
    ["localhost:5000/istio/proxyv2:latest", undefined],
    [undefined, undefined],
  ])("reads %s as %s", (image, version) => {
    expect(imageVersion(image)).toBe(version);
  });
});

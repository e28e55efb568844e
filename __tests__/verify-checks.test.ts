import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { parse, stringify } from "yaml";
import { loadMeshConfig } from "../config/load";
import { PROJECT_DIR } from "../config/project";
import { CHECKS, exitCodeOf, runChecks } from "../verify/checks";
import type { ClusterConnection, MeshUnderTest } from "../verify/checks/check";
import type { CheckResult } from "../verify/checks/outcome";
import { curlCommand, tallyAnswers } from "../verify/checks/traffic";
import { ClusterRequestError } from "../verify/cluster-client";
import { parseOptions, UsageError } from "../verify/options";
import { clusterColumnWidth, formatBlocked, formatResult, formatSummary } from "../verify/report";
import {
  answersFrom,
  clusterzAnswer,
  FakeCluster,
  healthyMesh,
  helloAnswer,
  ISTIOD_CLUSTERZ_COMMAND,
  ISTIOD_POD,
  MemoryClient,
  remoteKubeconfig,
  remoteSecret,
  ROOT_B,
  SAMPLE_HELLO_URL,
} from "./helpers/fake-mesh";

/**
 * The check logic of `npm run verify` through an injected client (no HTTP): every way the
 * platform can be half-deployed or misconfigured, and what the user is told. The traffic check's
 * exec is faked here at the ClusterClient level; verify-cli.test.ts runs it over a real WebSocket.
 */

const two: MeshUnderTest = loadMeshConfig(path.join(PROJECT_DIR, "examples", "two-clusters.yaml")).spec;
const three: MeshUnderTest = loadMeshConfig(path.join(PROJECT_DIR, "examples", "three-regions.yaml")).spec;

interface Scenario {
  readonly mesh: Map<string, FakeCluster>;
  readonly clients: Map<string, MemoryClient>;
  readonly connections: Map<string, ClusterConnection>;
}

function scenario(spec: MeshUnderTest, breakIt: (mesh: Map<string, FakeCluster>) => void = () => undefined): Scenario {
  const mesh = healthyMesh(spec);
  breakIt(mesh);
  const clients = new Map(
    [...mesh].map(([name, cluster]) => [name, new MemoryClient(cluster, `https://${name}.eks.example`)]),
  );
  return { mesh, clients, connections: new Map([...clients].map(([name, client]) => [name, { client }])) };
}

async function verify(spec: MeshUnderTest, connections: Map<string, ClusterConnection>, requests?: number) {
  const results = await runChecks(spec, connections, { requests });
  const find = (check: string, cluster?: string): CheckResult => {
    const result = results.find((candidate) => candidate.check === check && candidate.cluster === cluster);
    if (!result) throw new Error(`no ${check} result for ${cluster}`);
    return result;
  };
  return { results, find, exitCode: exitCodeOf(results) };
}

const istio = (cluster: FakeCluster) => cluster.objects["istio-system"]!;
const sample = (cluster: FakeCluster) => cluster.objects.sample!;

describe("a healthy mesh", () => {
  it("passes every check for two clusters, in print order, and exits 0", async () => {
    const { connections } = scenario(two);
    const { results, find, exitCode } = await verify(two, connections);
    expect(results.map((result) => `${result.status} ${result.check} ${result.cluster ?? "(mesh)"}`)).toEqual([
      "PASS reachable cluster1",
      "PASS reachable cluster2",
      "PASS root-cert cluster1",
      "PASS root-cert cluster2",
      "PASS shared-root (mesh)",
      "PASS istiod cluster1",
      "PASS istiod cluster2",
      "PASS revisions cluster1",
      "PASS revisions cluster2",
      "PASS remote-secrets cluster1",
      "PASS remote-secrets cluster2",
      "PASS remote-sync cluster1",
      "PASS remote-sync cluster2",
      "PASS east-west-gw cluster1",
      "PASS east-west-gw cluster2",
      "PASS proxies cluster1",
      "PASS proxies cluster2",
      "PASS traffic cluster1",
      "PASS traffic cluster2",
    ]);
    expect(exitCode).toBe(0);
    expect(find("traffic", "cluster2").reason).toBe("20/20 answered: v1 (cluster1) 10, v2 (cluster2) 10");
    expect(find("remote-sync", "cluster1").reason).toBe("1 istiod replica synced cluster2");
    expect(find("revisions", "cluster1").reason).toBe(`default ${two.istioVersion} 1 ready`);
    expect(find("proxies", "cluster1").reason).toBe(
      "istio-system -> default (no proxies); sample -> default (2 on default)",
    );
    expect(results.every((result) => result.hint === undefined)).toBe(true);
  });

  it("sends 10 requests per cluster by default, or the number asked for, from the curl container", async () => {
    const { connections, clients } = scenario(three);
    const { exitCode, find } = await verify(three, connections);
    expect(exitCode).toBe(0);
    const exec = clients.get("eu-central")!.calls.find((call) => call.startsWith("exec sample "))!;
    expect(
      exec.startsWith("exec sample curl-5b549b49b8-mg7nl curl curl -sS --max-time 5 -H Connection: close -w \\n "),
    ).toBe(true);
    expect(exec.split(" ").filter((arg) => arg === SAMPLE_HELLO_URL)).toHaveLength(30);
    expect(find("traffic", "us-west").reason).toBe(
      "30/30 answered: v1 (us-west) 10, v2 (eu-central) 10, v3 (ap-southeast) 10",
    );

    const asked = scenario(three);
    await verify(three, asked.connections, 7);
    expect(
      asked.clients
        .get("us-west")!
        .calls.find((call) => call.startsWith("exec sample "))!
        .split(" ")
        .filter((arg) => arg === SAMPLE_HELLO_URL),
    ).toHaveLength(7);
  });

  it("only reads: every call is a get, a list, istiod's clusterz or the curl exec", async () => {
    const { connections, clients } = scenario(two);
    await verify(two, connections);
    const methods = new Set([...clients.values()].flatMap((client) => client.calls.map((call) => call.split(" ")[0])));
    const execs = [...clients.values()].flatMap((client) => client.calls.filter((call) => call.startsWith("exec ")));
    expect(execs.map((call) => call.split(" ").slice(0, 4).join(" ")).sort()).toEqual([
      `exec istio-system ${ISTIOD_POD} discovery`,
      `exec istio-system ${ISTIOD_POD} discovery`,
      "exec sample curl-5b549b49b8-mg7nl curl",
      "exec sample curl-5b549b49b8-mg7nl curl",
    ]);
    expect([...methods].sort()).toEqual([
      "exec",
      "listNamespaces",
      "listPods",
      "listSecrets",
      "readConfigMap",
      "readDeployment",
      "readNamespace",
      "readSecret",
      "readService",
      "serverVersion",
    ]);
  });
});

describe("reachability", () => {
  it("fails an unreachable cluster, skips its other checks with the reason, and exits 1", async () => {
    const { connections, clients } = scenario(two);
    clients
      .get("cluster2")!
      .failures.set(
        "serverVersion",
        new ClusterRequestError("unreachable", "connection refused by https://cluster2.eks.example"),
      );
    const { results, find, exitCode } = await verify(two, connections);
    expect(find("reachable", "cluster2")).toEqual({
      check: "reachable",
      cluster: "cluster2",
      status: "FAIL",
      reason: "connection refused by https://cluster2.eks.example",
      hint: expect.stringContaining("apiAllowedCidrs"),
    });
    for (const check of ["root-cert", "istiod", "remote-secrets", "remote-sync", "east-west-gw", "traffic"] as const) {
      expect(find(check, "cluster2")).toMatchObject({
        status: "SKIP",
        reason: "not checked: cluster2 is not reachable",
      });
    }
    // The reached clusters are compared; the one not reached is named, and its FAIL keeps the exit code at 1.
    expect(find("shared-root")).toMatchObject({
      status: "PASS",
      reason: expect.stringMatching(
        /^the 1 reached cluster of 2 \(cluster1\) trusts root .*; cluster2 not reached, not compared$/,
      ),
    });
    expect(find("traffic", "cluster1")).toMatchObject({
      status: "PASS",
      reason: expect.stringMatching(/; cluster2 not reached, not expected to answer$/),
    });
    expect(find("istiod", "cluster1").status).toBe("PASS");
    expect(clients.get("cluster2")!.calls).toEqual(["serverVersion"]);
    expect(results.filter((result) => result.status === "FAIL")).toHaveLength(1);
    expect(exitCode).toBe(1);
  });

  it("compares the root over the clusters reached, naming the one left out, and says so when none was", async () => {
    const [first, second, third] = three.clusters.map((cluster) => cluster.name);
    const { connections } = scenario(three, (mesh) => delete istio(mesh.get(third)!).secrets!.cacerts);
    connections.set(second, { reason: "no context", hint: "add it" });
    const { find, exitCode } = await verify(three, connections);
    // The root-cert failure of a reached cluster still blocks the comparison; the cluster not reached is only named.
    expect(find("shared-root")).toEqual({
      check: "shared-root",
      status: "SKIP",
      reason: `cannot compare: no root read from ${third}; ${second} not reached, not compared`,
      hint: "fix the root-cert failures above first",
    });
    expect(find("traffic", first).reason).toMatch(new RegExp(`; ${second} not reached, not expected to answer$`));
    expect(exitCode).toBe(1);

    for (const name of three.clusters.map((cluster) => cluster.name))
      connections.set(name, { reason: "no context", hint: "add it" });
    const none = await verify(three, connections);
    expect(none.find("shared-root")).toMatchObject({
      status: "SKIP",
      reason: "no cluster reached: nothing to compare",
    });
    expect(none.exitCode).toBe(1);
  });

  it("fails a cluster without a kubeconfig context with the update-kubeconfig command", async () => {
    const { connections } = scenario(two);
    connections.set("cluster1", {
      reason: 'context "cluster1" is not in kubeconfig /home/me/.kube/config',
      hint: "aws eks update-kubeconfig --name cluster1 --region us-west-2 --alias cluster1",
    });
    connections.delete("cluster2");
    const { find } = await verify(two, connections);
    expect(find("reachable", "cluster1")).toMatchObject({
      status: "FAIL",
      reason: 'context "cluster1" is not in kubeconfig /home/me/.kube/config',
    });
    expect(find("reachable", "cluster2")).toMatchObject({
      status: "FAIL",
      reason: "no kubeconfig context for cluster2",
      hint: "aws eks update-kubeconfig --name cluster2 --region us-east-2 --alias cluster2",
    });
  });

  it("gives each kind of request failure its own hint", async () => {
    const kinds: [ClusterRequestError, RegExp][] = [
      [new ClusterRequestError("unauthorized", "HTTP 401", 401), /aws sso login.*update-kubeconfig --name cluster1/],
      [new ClusterRequestError("forbidden", "HTTP 403", 403), /admins/],
      [new ClusterRequestError("tls", "TLS failed"), /does not trust this server/],
      [new ClusterRequestError("credentials", "cannot run aws"), /AWS CLI/],
      [new ClusterRequestError("timeout", "no answer within 15s"), /apiAllowedCidrs/],
    ];
    for (const [error, hint] of kinds) {
      const { connections, clients } = scenario(two);
      clients.get("cluster1")!.failures.set("serverVersion", error);
      const { find } = await verify(two, connections);
      expect(find("reachable", "cluster1")).toMatchObject({
        status: "FAIL",
        reason: error.message,
        hint: expect.stringMatching(hint),
      });
    }
  });

  it("turns a failure in a later check into a FAIL of that check only, never a throw", async () => {
    const { connections, clients } = scenario(two);
    clients
      .get("cluster1")!
      .failures.set(
        "listSecrets",
        new ClusterRequestError("forbidden", 'secrets is forbidden: User "dev" cannot list resource "secrets"', 403),
      );
    clients
      .get("cluster2")!
      .failures.set(
        "readService",
        new TypeError("Cannot read properties of undefined (reading 'spec')\n    at somewhere"),
      );
    const { find } = await verify(two, connections);
    expect(find("remote-secrets", "cluster1")).toMatchObject({
      status: "FAIL",
      reason: expect.stringContaining("forbidden"),
      hint: expect.stringContaining("admins"),
    });
    expect(find("east-west-gw", "cluster2")).toMatchObject({
      status: "FAIL",
      reason: "unexpected error: Cannot read properties of undefined (reading 'spec')",
    });
    expect(find("istiod", "cluster1").status).toBe("PASS");
  });
});

describe("root of trust", () => {
  it("fails the mesh when clusters hold different roots, naming each fingerprint", async () => {
    const { connections } = scenario(two, (mesh) => {
      const cluster2 = mesh.get("cluster2")!;
      istio(cluster2).secrets!.cacerts.data["root-cert.pem"] = Buffer.from(ROOT_B).toString("base64");
      istio(cluster2).configmaps!["istio-ca-root-cert"].data["root-cert.pem"] = ROOT_B;
    });
    const { find, exitCode } = await verify(two, connections);
    expect(find("root-cert", "cluster1").status).toBe("PASS");
    expect(find("root-cert", "cluster2").status).toBe("PASS");
    expect(find("shared-root")).toMatchObject({
      status: "FAIL",
      reason: expect.stringMatching(
        /^clusters trust different roots \(cluster1 ([0-9A-F]{2}:){7}[0-9A-F]{2}…, cluster2 ([0-9A-F]{2}:){7}[0-9A-F]{2}…\)/,
      ),
      hint: expect.stringContaining("npm run certs"),
    });
    expect(exitCode).toBe(1);
  });

  it("catches an istiod that signs with its own root instead of cacerts", async () => {
    const { connections } = scenario(two, (mesh) => {
      istio(mesh.get("cluster1")!).configmaps!["istio-ca-root-cert"].data["root-cert.pem"] = ROOT_B;
    });
    const { find } = await verify(two, connections);
    expect(find("root-cert", "cluster1")).toMatchObject({
      status: "FAIL",
      reason: expect.stringContaining("istiod started before cacerts existed"),
      hint: "restart istiod so it loads cacerts: kubectl --context cluster1 -n istio-system rollout restart deployment/istiod",
    });
    // cacerts itself agrees across clusters.
    expect(find("shared-root").status).toBe("PASS");
  });

  it("fails a cluster without cacerts, or with a root that is not a certificate", async () => {
    const { connections } = scenario(two, (mesh) => {
      delete istio(mesh.get("cluster1")!).secrets!.cacerts;
      istio(mesh.get("cluster2")!).secrets!.cacerts.data["root-cert.pem"] =
        Buffer.from("not a certificate").toString("base64");
    });
    const { find } = await verify(two, connections);
    expect(find("root-cert", "cluster1")).toMatchObject({
      status: "FAIL",
      reason: "no secret cacerts in istio-system: istiod signs with a self-signed root of its own",
    });
    expect(find("root-cert", "cluster1").hint).toContain("npm run certs");
    expect(find("root-cert", "cluster2")).toMatchObject({
      status: "FAIL",
      reason: "root-cert.pem in secret cacerts holds no PEM certificate",
    });
    expect(find("shared-root")).toMatchObject({
      status: "SKIP",
      reason: "cannot compare: no root read from cluster1, cluster2",
    });
  });
});

describe("root rotation stages, read from what each cluster runs", () => {
  /** A throwaway self-signed root valid for `days`: the newer root of a rotation expires later. */
  const makeRoot = (days: number) => {
    const directory = mkdtempSync(path.join(tmpdir(), "verify-root-"));
    try {
      const out = path.join(directory, "root.pem");
      execFileSync(
        "openssl",
        [
          "req",
          "-x509",
          "-newkey",
          "ec",
          "-pkeyopt",
          "ec_paramgen_curve:P-256",
          "-nodes",
          "-keyout",
          path.join(directory, "key.pem"),
          "-out",
          out,
          "-days",
          String(days),
          "-subj",
          "/O=Istio/CN=Root CA",
        ],
        { stdio: "ignore" },
      );
      return readFileSync(out, "utf8");
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  };
  const OLD = makeRoot(3650);
  const NEW = makeRoot(3651);
  /** What `npm run certs -- --rotate-root` deploys: cacerts and, once istiod reloaded it, istio-ca-root-cert. */
  const deploy = (cluster: FakeCluster, roots: string[], served = roots) => {
    istio(cluster).secrets!.cacerts.data["root-cert.pem"] = Buffer.from(roots.join("")).toString("base64");
    istio(cluster).configmaps!["istio-ca-root-cert"].data["root-cert.pem"] = served.join("");
  };

  it("reports each cluster's stage and passes while every cluster trusts the same roots (stage 1 and 2 mixed)", async () => {
    const { connections } = scenario(two, (mesh) => {
      deploy(mesh.get("cluster1")!, [OLD, NEW]);
      deploy(mesh.get("cluster2")!, [NEW, OLD]);
    });
    const { find } = await verify(two, connections);
    expect(find("root-cert", "cluster1").reason).toContain("root rotation stage 1 (trust");
    expect(find("root-cert", "cluster2").reason).toContain("root rotation stage 2 (reissue");
    expect(find("shared-root")).toMatchObject({
      status: "PASS",
      reason: expect.stringMatching(
        /^all 2 clusters trust the same 2 roots: cluster1 at root rotation stage 1 .*, cluster2 at root rotation stage 2 /,
      ),
    });
  });

  it("fails a mesh where one cluster has retired the old root while another still signs with it, naming both stages", async () => {
    const { connections } = scenario(two, (mesh) => {
      deploy(mesh.get("cluster1")!, [OLD, NEW]);
      deploy(mesh.get("cluster2")!, [NEW]);
    });
    const { find } = await verify(two, connections);
    const shared = find("shared-root");
    expect(shared.status).toBe("FAIL");
    expect(shared.reason).toMatch(
      /^clusters trust different roots \(cluster1 \S+… \+ \S+… \(root rotation stage 1 .*\), cluster2 \S+…\)/,
    );
    expect(shared.hint).toContain(
      "a root rotation is half deployed: deploy every cluster (npx cdktf deploy '*') and restart istiod",
    );
  });

  it("fails a cluster whose istiod still serves only the old root after stage 1 was applied", async () => {
    const { connections } = scenario(two, (mesh) => {
      deploy(mesh.get("cluster1")!, [OLD, NEW], [OLD]);
      deploy(mesh.get("cluster2")!, [OLD, NEW]);
    });
    const { find } = await verify(two, connections);
    expect(find("root-cert", "cluster1")).toMatchObject({
      status: "FAIL",
      reason: expect.stringContaining("istiod distributes 1 of the 2 roots of cacerts"),
      hint: "restart istiod so it loads cacerts: kubectl --context cluster1 -n istio-system rollout restart deployment/istiod",
    });
  });
});

describe("istiod", () => {
  it("names every value that differs from the config: network label, sidecars' network, meshID, clusterName", async () => {
    const { connections } = scenario(two, (mesh) => {
      const cluster1 = istio(mesh.get("cluster1")!);
      mesh.get("cluster1")!.namespaces["istio-system"].metadata.labels["topology.istio.io/network"] = "network1";
      cluster1.configmaps!["istio-sidecar-injector"].data.values = JSON.stringify({ global: { network: "" } });
      cluster1.configmaps!.istio.data.mesh = "defaultConfig:\n  meshId: mesh-a\n";
      cluster1.deployments!.istiod.spec.template.spec.containers[0].env = [{ name: "CLUSTER_ID", value: "Kubernetes" }];
    });
    const { find } = await verify(two, connections);
    expect(find("istiod", "cluster1")).toMatchObject({
      status: "FAIL",
      reason: [
        'clusterName (env CLUSTER_ID) is "Kubernetes", expected "cluster1"',
        'meshID (ConfigMap istio, defaultConfig.meshId) is "mesh-a", expected "mesh1"',
        'network label topology.istio.io/network of namespace istio-system is "network1", expected "cluster1-network"',
        'sidecars\' network (ConfigMap istio-sidecar-injector, global.network) is not set, expected "cluster1-network"',
      ].join("; "),
      hint: expect.stringContaining(
        "global.meshID=mesh1, global.multiCluster.clusterName=cluster1, global.network=cluster1-network",
      ),
    });
    expect(find("istiod", "cluster2").status).toBe("PASS");
  });

  it("fails an istiod with no ready replica, and a cluster without istiod", async () => {
    const { connections } = scenario(two, (mesh) => {
      istio(mesh.get("cluster1")!).deployments!.istiod.status = { replicas: 1, readyReplicas: 0 };
      delete istio(mesh.get("cluster2")!).deployments!.istiod;
    });
    const { find } = await verify(two, connections);
    expect(find("istiod", "cluster1")).toMatchObject({
      status: "FAIL",
      reason: "0/1 replicas ready",
      hint: expect.stringContaining("kubectl --context cluster1 -n istio-system describe deployment/istiod"),
    });
    expect(find("istiod", "cluster2")).toMatchObject({
      status: "FAIL",
      reason: "no Deployment istiod in istio-system",
      hint: expect.stringContaining("cluster2-platform"),
    });
  });
});

describe("remote secrets", () => {
  it("fails a cluster that misses a remote secret, and one whose secret istiod would ignore or reject", async () => {
    const { connections } = scenario(three, (mesh) => {
      delete istio(mesh.get("us-west")!).secrets!["istio-remote-secret-eu-central"];
      const euCentral = istio(mesh.get("eu-central")!).secrets!;
      delete euCentral["istio-remote-secret-us-west"].metadata.labels["istio/multiCluster"];
      euCentral["istio-remote-secret-ap-southeast"].metadata.annotations["networking.istio.io/cluster"] = "ap";
      const execUser = parse(remoteKubeconfig("us-west", "https://us-west.example"));
      execUser.users[0].user = {
        exec: { apiVersion: "client.authentication.k8s.io/v1beta1", command: "aws", args: ["eks", "get-token"] },
      };
      istio(mesh.get("ap-southeast")!).secrets!["istio-remote-secret-us-west"] = remoteSecret(
        "us-west",
        stringify(execUser),
      );
    });
    const { find } = await verify(three, connections);
    expect(find("remote-secrets", "us-west")).toMatchObject({
      status: "FAIL",
      reason: "no istio-remote-secret-eu-central for eu-central",
      hint: expect.stringContaining("mesh-links"),
    });
    expect(find("remote-secrets", "eu-central")).toMatchObject({
      status: "FAIL",
      reason:
        'istio-remote-secret-us-west lacks label istio/multiCluster=true, so istiod ignores it; istio-remote-secret-ap-southeast is annotated networking.istio.io/cluster="ap", expected "ap-southeast"',
    });
    expect(find("remote-secrets", "ap-southeast")).toMatchObject({
      status: "FAIL",
      reason: "istio-remote-secret-us-west holds a kubeconfig with an exec user, which istiod cannot run",
    });
  });

  it("passes a complete set and notes secrets for clusters that left the config", async () => {
    const { connections } = scenario(two, (mesh) => {
      istio(mesh.get("cluster1")!).secrets!["istio-remote-secret-old"] = remoteSecret("old");
    });
    const { find } = await verify(two, connections);
    expect(find("remote-secrets", "cluster1")).toMatchObject({
      status: "PASS",
      reason:
        "remote secrets for cluster2 (https://cluster2.gr7.example.eks.amazonaws.com); also istio-remote-secret-old, for clusters not in the config",
    });
  });
});

describe("remote sync", () => {
  it("asks istiod's /debug/clusterz with pilot-discovery in the discovery container", async () => {
    const { connections, clients } = scenario(three);
    const { find } = await verify(three, connections);
    expect(clients.get("us-west")!.calls).toContain(
      `exec istio-system ${ISTIOD_POD} discovery /usr/local/bin/pilot-discovery request GET /debug/clusterz`,
    );
    expect(find("remote-sync", "us-west")).toEqual({
      check: "remote-sync",
      cluster: "us-west",
      status: "PASS",
      reason: "1 istiod replica synced eu-central, ap-southeast",
    });
  });

  it("fails a remote cluster istiod cannot read although its secret looks right: token or endpoint allow-list", async () => {
    const { connections } = scenario(two, (mesh) => {
      mesh.get("cluster1")!.remoteSyncStatus.cluster2 = "timeout";
    });
    const { find, exitCode } = await verify(two, connections);
    expect(find("remote-secrets", "cluster1").status).toBe("PASS");
    expect(find("remote-sync", "cluster1")).toMatchObject({
      status: "FAIL",
      reason:
        "istiod has not synced cluster2 (timeout: istiod could not read it within PILOT_REMOTE_CLUSTER_TIMEOUT, 30s by default)",
    });
    const { hint } = find("remote-sync", "cluster1");
    expect(hint).toContain("check the token in istio-remote-secret-cluster2");
    expect(hint).toContain("cluster2's API endpoint admits cluster1's NAT addresses");
    expect(hint).toContain("apiAllowedCidrs");
    expect(hint).toContain("public_access_cidrs");
    expect(hint).toContain("re-apply cluster2-eks");
    expect(hint).toContain("kubectl --context cluster1 -n istio-system logs deployment/istiod");
    expect(find("remote-sync", "cluster2").status).toBe("PASS");
    expect(exitCode).toBe(1);
  });

  it("names every cluster istiod lacks and points at the remote-secrets failure when that is the cause", async () => {
    const { connections } = scenario(three, (mesh) => {
      const usWest = mesh.get("us-west")!;
      delete istio(usWest).secrets!["istio-remote-secret-eu-central"];
      usWest.remoteSyncStatus["ap-southeast"] = "syncing";
      delete istio(mesh.get("eu-central")!).secrets!["istio-remote-secret-us-west"].metadata.labels[
        "istio/multiCluster"
      ];
    });
    const { find } = await verify(three, connections);
    expect(find("remote-sync", "us-west")).toMatchObject({
      status: "FAIL",
      reason:
        "istiod has not synced eu-central (not in its list: no remote secret for it loaded), ap-southeast (syncing: istiod has not finished reading it)",
      // ap-southeast's secret is fine, so the hint is about reaching it.
      hint: expect.stringContaining("check the token in istio-remote-secret-ap-southeast"),
    });
    expect(find("remote-sync", "eu-central")).toMatchObject({
      status: "FAIL",
      reason: "istiod has not synced us-west (not in its list: no remote secret for it loaded)",
      hint: "fix the remote-secrets failure above first: istiod reads a cluster through its remote secret",
    });
    expect(find("remote-sync", "ap-southeast").status).toBe("PASS");
  });

  it("asks every running istiod replica and names the one that lags", async () => {
    const lagging = "istiod-6c8f9d7b5-z9y8x";
    const { connections, clients } = scenario(two, (mesh) => {
      const cluster1 = mesh.get("cluster1")!;
      const pods = istio(cluster1).pods!;
      pods[lagging] = { ...structuredClone(pods[ISTIOD_POD]), metadata: { name: lagging, labels: { app: "istiod" } } };
      pods["istiod-6c8f9d7b5-pending"] = {
        metadata: { name: "istiod-6c8f9d7b5-pending", labels: { app: "istiod" } },
        status: { phase: "Pending" },
      };
      cluster1.istiodExec = (pod) =>
        pod === lagging
          ? {
              stdout: `${JSON.stringify(clusterzAnswer(cluster1).map((entry) => ({ ...entry, syncStatus: entry.id === "cluster2" ? "closed" : "synced" })))}\n`,
              stderr: "",
              exitCode: 0,
            }
          : undefined;
    });
    const { find } = await verify(two, connections);
    expect(find("remote-sync", "cluster1")).toMatchObject({
      status: "FAIL",
      reason: `${lagging} has not synced cluster2 (closed: istiod stopped reading it)`,
    });
    expect(clients.get("cluster1")!.calls.filter((call) => call.startsWith("exec istio-system"))).toHaveLength(2);

    const healthy = scenario(two, (mesh) => {
      const pods = istio(mesh.get("cluster2")!).pods!;
      pods[lagging] = { ...structuredClone(pods[ISTIOD_POD]), metadata: { name: lagging, labels: { app: "istiod" } } };
    });
    expect((await verify(two, healthy.connections)).find("remote-sync", "cluster2")).toMatchObject({
      status: "PASS",
      reason: "2 istiod replicas synced cluster1",
    });
  });

  it("fails when istiod does not answer with its cluster list, or has no running pod", async () => {
    const { connections } = scenario(three, (mesh) => {
      // ENABLE_DEBUG_ON_HTTP=false: the debug mux is not installed, and pilot-discovery prints the 404 body.
      mesh.get("us-west")!.istiodExec = () => ({ stdout: "404 page not found\n\n", stderr: "", exitCode: 0 });
      mesh.get("eu-central")!.istiodExec = () => ({
        stdout: "",
        stderr:
          'Error: Get "http://127.0.0.1:15014/debug/clusterz": dial tcp 127.0.0.1:15014: connect: connection refused\n',
        exitCode: 1,
      });
      delete istio(mesh.get("ap-southeast")!).pods![ISTIOD_POD];
    });
    const { find } = await verify(three, connections);
    expect(find("remote-sync", "us-west")).toMatchObject({
      status: "FAIL",
      reason: `${ISTIOD_POD} answered /debug/clusterz with "404 page not found", not a list of clusters`,
      hint: `istiod serves /debug/clusterz on 127.0.0.1:15014 unless ENABLE_DEBUG_ON_HTTP=false; try: kubectl --context us-west -n istio-system exec ${ISTIOD_POD} -c discovery -- ${ISTIOD_CLUSTERZ_COMMAND.join(" ")}`,
    });
    expect(find("remote-sync", "eu-central")).toMatchObject({
      status: "FAIL",
      reason: `${ISTIOD_POD} could not ask /debug/clusterz (exit 1): Error: Get "http://127.0.0.1:15014/debug/clusterz": dial tcp 127.0.0.1:15014: connect: connection refused`,
    });
    expect(find("remote-sync", "ap-southeast")).toMatchObject({
      status: "FAIL",
      reason: "no running istiod pod (label app=istiod) in istio-system to ask",
      hint: "fix the istiod check above first",
    });
  });

  it("hints at istiod's log when it lists no cluster for a secret that looks right", async () => {
    const { connections } = scenario(two, (mesh) => {
      // A kubeconfig istiod cannot build a client from: it logs the error and drops the cluster.
      const cluster1 = mesh.get("cluster1")!;
      cluster1.istiodExec = () => ({
        stdout: `${JSON.stringify([{ id: "cluster1", secretName: "", syncStatus: "synced" }])}\n`,
        stderr: "",
        exitCode: 0,
      });
    });
    const { find } = await verify(two, connections);
    expect(find("remote-secrets", "cluster1").status).toBe("PASS");
    expect(find("remote-sync", "cluster1")).toMatchObject({
      status: "FAIL",
      reason: "istiod has not synced cluster2 (not in its list: no remote secret for it loaded)",
      hint: expect.stringMatching(/cannot build a client from.*logs deployment\/istiod/),
    });
  });

  it("passes a single cluster without asking istiod", async () => {
    const one: MeshUnderTest = { ...two, clusters: two.clusters.slice(0, 1) };
    const { connections, clients } = scenario(one);
    const { find } = await verify(one, connections);
    expect(find("remote-sync", "cluster1")).toMatchObject({
      status: "PASS",
      reason: "a single cluster has no remote cluster to sync",
    });
    expect(clients.get("cluster1")!.calls.some((call) => call.startsWith("exec istio-system"))).toBe(false);
  });
});

describe("samples: false", () => {
  const noSamples: MeshUnderTest = { ...two, samples: false };

  it("reports traffic as not applicable, never touches the sample namespace, and exits 0", async () => {
    const { connections, clients, mesh } = scenario(noSamples);
    expect(mesh.get("cluster1")!.namespaces.sample).toBeUndefined();
    const { results, find, exitCode } = await verify(noSamples, connections);
    for (const cluster of ["cluster1", "cluster2"]) {
      expect(find("traffic", cluster)).toEqual({
        check: "traffic",
        cluster,
        status: "N/A",
        reason: "samples: false in the config",
        hint: expect.stringContaining("set samples: true"),
      });
    }
    expect(results.filter((result) => result.status !== "N/A").every((result) => result.status === "PASS")).toBe(true);
    expect(exitCode).toBe(0);
    const calls = [...clients.values()].flatMap((client) => client.calls);
    expect(calls.filter((call) => / sample\b/.test(call))).toEqual([]);
    expect(formatSummary(results, exitCode)).toBe(
      "17 passed, 0 failed, 0 skipped, 2 not applicable: the mesh works; not tested: traffic (samples: false in the config) (exit 0)",
    );
  });

  it("still fails the run on any applicable check, such as an istiod that cannot read a remote cluster", async () => {
    const { connections } = scenario(noSamples, (mesh) => {
      mesh.get("cluster2")!.remoteSyncStatus.cluster1 = "timeout";
    });
    const { results, find, exitCode } = await verify(noSamples, connections);
    expect(find("remote-sync", "cluster2").status).toBe("FAIL");
    expect(find("traffic", "cluster2").status).toBe("N/A");
    expect(exitCode).toBe(1);
    expect(formatSummary(results, exitCode)).toBe(
      "16 passed, 1 failed, 0 skipped, 2 not applicable: the mesh is not verified; not tested: traffic (samples: false in the config) (exit 1)",
    );
  });
});

describe("east-west gateway", () => {
  it("fails a gateway without an external address, with where to look", async () => {
    const { connections } = scenario(two, (mesh) => {
      istio(mesh.get("cluster2")!).services!["istio-eastwestgateway"].status = { loadBalancer: {} };
    });
    const { find } = await verify(two, connections);
    expect(find("east-west-gw", "cluster2")).toMatchObject({
      status: "FAIL",
      reason: "no external address yet: the load balancer is not provisioned",
      hint: expect.stringContaining("AWS Load Balancer Controller"),
    });
    expect(find("east-west-gw", "cluster1").reason).toBe(
      "k8s-istiosys-eastwest-0.elb.us-west-2.amazonaws.com port 15443, network cluster1-network",
    );
  });

  it("fails a gateway installed with default values: not a LoadBalancer, no 15443, no network label", async () => {
    const { connections } = scenario(two, (mesh) => {
      const service = istio(mesh.get("cluster1")!).services!["istio-eastwestgateway"];
      service.spec = { type: "ClusterIP", ports: [{ name: "http2", port: 80 }] };
      delete service.metadata.labels["topology.istio.io/network"];
    });
    const { find } = await verify(two, connections);
    expect(find("east-west-gw", "cluster1")).toMatchObject({
      status: "FAIL",
      reason:
        'type is ClusterIP, expected LoadBalancer; no port 15443, which carries cross-network mTLS; label topology.istio.io/network is "", expected "cluster1-network" (istiod finds a network\'s gateway by it)',
    });
  });
});

describe("cross-cluster traffic", () => {
  it("fails when answers come only from the local cluster, naming the silent one", async () => {
    const { connections } = scenario(two, (mesh) => {
      mesh.get("cluster1")!.exec = answersFrom(["v1"]);
    });
    const { find } = await verify(two, connections);
    expect(find("traffic", "cluster1")).toMatchObject({
      status: "FAIL",
      reason: "20/20 answered: v1 (cluster1) 20; none from cluster2 (v2)",
      hint: expect.stringContaining("istioctl --context cluster1 proxy-config endpoints curl-5b549b49b8-mg7nl.sample"),
    });
    expect(find("traffic", "cluster2").status).toBe("PASS");
  });

  it("blames a curl pod without a sidecar", async () => {
    const { connections } = scenario(two, (mesh) => {
      const pod = sample(mesh.get("cluster1")!).pods!["curl-5b549b49b8-mg7nl"];
      pod.spec.containers = [{ name: "curl" }];
      mesh.get("cluster1")!.exec = answersFrom(["v1"]);
    });
    const { find } = await verify(two, connections);
    expect(find("traffic", "cluster1")).toMatchObject({
      status: "FAIL",
      reason: expect.stringContaining("the curl pod has no istio-proxy sidecar"),
      hint: expect.stringContaining("istio-injection=enabled"),
    });
  });

  it("counts failed requests and other answers, quoting the first error", async () => {
    const { connections } = scenario(two, (mesh) => {
      mesh.get("cluster2")!.exec = () => ({
        stdout: `${helloAnswer("v1")}no healthy upstream\n${helloAnswer("v2")}\n`,
        stderr: "curl: (28) Operation timed out after 5001 milliseconds with 0 bytes received\ncurl: (28) again\n",
        exitCode: 28,
      });
    });
    const { find } = await verify(two, connections, 5);
    expect(find("traffic", "cluster2")).toMatchObject({
      status: "PASS",
      reason:
        '2/5 answered: v1 (cluster1) 1, v2 (cluster2) 1; 1 other answers such as "no healthy upstream"; 2 failed: curl: (28) Operation timed out after 5001 milliseconds with 0 bytes received',
    });
  });

  it("fails when two clusters run the same version, a cluster runs no helloworld, or there is no curl pod", async () => {
    const same = scenario(two, (mesh) => {
      const pod = sample(mesh.get("cluster2")!).pods!["helloworld-v2-7d5c9b8f4-x2x9q"];
      pod.metadata.labels.version = "v1";
    });
    expect((await verify(two, same.connections)).find("traffic", "cluster1")).toMatchObject({
      status: "FAIL",
      reason: "cluster1 and cluster2 both run helloworld v1: answers cannot tell them apart",
    });

    const missing = scenario(two, (mesh) => {
      delete sample(mesh.get("cluster2")!).pods!["helloworld-v2-7d5c9b8f4-x2x9q"];
      delete sample(mesh.get("cluster1")!).pods!["curl-5b549b49b8-mg7nl"];
      mesh.get("cluster2")!.exec = answersFrom(["v1"]);
    });
    const { find } = await verify(two, missing.connections);
    expect(find("traffic", "cluster1")).toMatchObject({
      status: "FAIL",
      reason: "no running curl pod (label app=curl) in namespace sample",
    });
    expect(find("traffic", "cluster2")).toMatchObject({
      status: "FAIL",
      reason: "20/20 answered: v1 (cluster1) 20; none from cluster2 (runs no helloworld pod)",
      hint: expect.stringContaining("samples: true"),
    });
  });
});

describe("pieces of the CLI", () => {
  it("tallies helloworld answers by version and keeps anything else", () => {
    const { byVersion, other } = tallyAnswers(
      `${helloAnswer("v1")}${helloAnswer("v2")}${helloAnswer("v1")}upstream connect error or disconnect/reset before headers\n\n`,
    );
    expect(Object.fromEntries(byVersion)).toEqual({ v1: 2, v2: 1 });
    expect(other).toEqual(["upstream connect error or disconnect/reset before headers"]);
  });

  it("asks curl for one new connection per request, so the sidecar balances each", () => {
    expect(curlCommand(2, 5)).toEqual([
      "curl",
      "-sS",
      "--max-time",
      "5",
      "-H",
      "Connection: close",
      "-w",
      "\\n",
      SAMPLE_HELLO_URL,
      SAMPLE_HELLO_URL,
    ]);
  });

  it("parses options and rejects bad ones with the option's name and value", () => {
    expect(parseOptions([], {})).toEqual({ help: false, requests: undefined, timeoutMs: 15000 });
    expect(parseOptions(["--requests", "40", "--timeout=3"], {})).toEqual({
      help: false,
      requests: 40,
      timeoutMs: 3000,
    });
    expect(parseOptions([], { VERIFY_REQUESTS: "12" }).requests).toBe(12);
    expect(() => parseOptions(["--requests", "ten"], {})).toThrow(
      new UsageError('--requests "ten" must be a whole number from 1 to 1000'),
    );
    expect(() => parseOptions(["--timeout"], {})).toThrow(new UsageError("--timeout needs a value"));
    expect(() => parseOptions(["--verbose"], {})).toThrow(new UsageError('unknown option "--verbose"'));
    expect(() => parseOptions([], { VERIFY_REQUESTS: "-1" })).toThrow(
      new UsageError('VERIFY_REQUESTS "-1" must be a whole number from 1 to 1000'),
    );
  });

  it("prints one aligned line per result with its hint under FAIL, SKIP and N/A", () => {
    const width = clusterColumnWidth(["cluster1", "ap-southeast"]);
    expect(formatResult({ check: "istiod", cluster: "cluster1", status: "PASS", reason: "1/1 ready" }, width)).toBe(
      "PASS  istiod          cluster1      1/1 ready",
    );
    expect(
      formatResult(
        { check: "shared-root", status: "FAIL", reason: "different roots", hint: "run npm run certs" },
        width,
      ),
    ).toBe("FAIL  shared-root     (mesh)        different roots\n      hint: run npm run certs");
    expect(formatSummary([{ check: "reachable", cluster: "a", status: "PASS", reason: "" }], 0)).toBe(
      "1 passed, 0 failed, 0 skipped: the mesh works (exit 0)",
    );
    expect(
      formatResult(
        { check: "traffic", cluster: "cluster1", status: "N/A", reason: "samples: false in the config", hint: "h" },
        width,
      ),
    ).toBe("N/A   traffic         cluster1      samples: false in the config\n      hint: h");
  });

  it("folds the checks a cluster not reached skipped into one line, and only those", async () => {
    const { connections } = scenario(three);
    const [, second, third] = three.clusters;
    connections.set(second.name, { reason: "no context", hint: "add it" } as never);
    connections.set(third.name, { reason: "no context", hint: "add it" } as never);
    const { results } = await verify(three, connections);
    const width = clusterColumnWidth(three.clusters.map((cluster) => cluster.name));
    // Every per-cluster check after reachable, in print order.
    const perCluster = CHECKS.filter((check) => check.kind === "cluster").map((check) => check.name);
    const skipped = perCluster.join(", ");
    expect(formatBlocked(results, width)).toEqual(
      [second, third].map(
        (cluster) =>
          `SKIP  ${`${perCluster.length} checks`.padEnd(14)}  ${cluster.name.padEnd(width)}  not checked: ${cluster.name} is not reachable (${skipped})`,
      ),
    );
    // What failed still prints on its own; the mesh-wide check compares the one cluster reached.
    expect(results.filter((result) => !result.blockedBy).map((result) => `${result.status} ${result.check}`)).toEqual(
      expect.arrayContaining(["FAIL reachable", "PASS shared-root"]),
    );
    expect(results.filter((result) => !result.blockedBy && result.status !== "PASS")).toHaveLength(2);
    expect(results.filter((result) => result.blockedBy)).toHaveLength(2 * perCluster.length);
  });

  it("is documented in the README: one table row per check, in the order they run", () => {
    const readme = readFileSync(path.join(PROJECT_DIR, "README.md"), "utf8");
    const section = readme.slice(
      readme.indexOf("\n## Verify the mesh\n"),
      readme.indexOf("\n## ", readme.indexOf("\n## Verify the mesh\n") + 1),
    );
    const rows = [...section.matchAll(/^\| `([a-z-]+)` \|/gm)].map((match) => match[1]);
    expect(rows).toEqual(CHECKS.map((check) => check.name));
  });

  it("exits 0 only when every applicable check passed", () => {
    const result = (status: CheckResult["status"]): CheckResult => ({ check: "traffic", status, reason: "" });
    expect(exitCodeOf([])).toBe(1);
    expect(exitCodeOf([result("PASS"), result("N/A")])).toBe(0);
    expect(exitCodeOf([result("N/A")])).toBe(1);
    expect(exitCodeOf([result("PASS"), result("SKIP"), result("N/A")])).toBe(1);
    expect(exitCodeOf([result("PASS"), result("FAIL")])).toBe(1);
  });
});

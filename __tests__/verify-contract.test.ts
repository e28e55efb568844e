import { readFileSync } from "node:fs";
import * as path from "node:path";
import { parse, parseAllDocuments } from "yaml";
import { loadMeshConfig } from "../config/load";
import { buildMesh, stackName } from "../constructs/mesh";
import { MESH_CHART_DIRECTORY, MESH_MANIFESTS_RELEASE } from "../constructs/istio/mesh-manifests";
import {
  CROSS_NETWORK_PORT,
  EAST_WEST_GATEWAY_RELEASE,
  ISTIO_SYSTEM_NAMESPACE,
  NETWORK_LABEL,
  SAMPLE_NAMESPACE,
} from "../constructs/names";
import {
  CA_ROOT_CONFIGMAP,
  CLUSTERZ_COMMAND,
  CURL_CONTAINER,
  CURL_DEPLOYMENT,
  CURL_POD_SELECTOR,
  HELLO_URL,
  HELLOWORLD_POD_SELECTOR,
  INJECTOR_CONFIGMAP,
  ISTIOD_CONTAINER,
  ISTIOD_DEPLOYMENT,
  ISTIOD_MONITORING_PORT,
  ISTIOD_POD_SELECTOR,
  MESH_CONFIGMAP,
  SIDECAR_CONTAINER,
  SYNCED,
} from "../verify/chart-names";
import { runChecks } from "../verify/checks";
import type { MeshUnderTest } from "../verify/checks/check";
import { eastWestGateway } from "../verify/checks/east-west-gw";
import { istiod } from "../verify/checks/istiod";
import { reachable } from "../verify/checks/reachable";
import { curlCommand } from "../verify/checks/traffic";
import { FakeCluster, ISTIOD_CLUSTERZ_COMMAND, MemoryClient, SAMPLE_HELLO_URL } from "./helpers/fake-mesh";
import { helmTemplate, K8sObject } from "./helpers/helm";
import { example, resourcesOf, StackJson, synthWith } from "./helpers/synth";

/**
 * The names `npm run verify` reads are the names the deployed mesh has. Each is derived here from
 * what the charts render with the values the platform stack passes, and compared with what verify
 * asks for: the mesh chart is rendered now with the real helm; Istio's istiod and gateway charts
 * were rendered the same way into fixtures (fixtures/istio-1.31-rendered/README.md), and the test
 * checks that the program still passes the values they were rendered with.
 */

const { spec } = loadMeshConfig(example("two-clusters.yaml"));
const [cluster] = spec.clusters;
const { stacks } = synthWith((app) => buildMesh(app, spec));
const releases = new Map<string, StackJson>(
  Object.values(resourcesOf(stacks[stackName(cluster.name, "platform")], "helm_release")).map((release) => [
    release.name,
    release,
  ]),
);
const valuesOf = (releaseName: string): K8sObject => {
  const release = releases.get(releaseName);
  if (release?.values?.length !== 1) throw new Error(`no helm_release ${releaseName} with one values document`);
  return parse(release.values[0]);
};

const meshRelease = releases.get(MESH_MANIFESTS_RELEASE)!;
const meshObjects = helmTemplate(
  MESH_CHART_DIRECTORY,
  MESH_MANIFESTS_RELEASE,
  meshRelease.namespace,
  meshRelease.values[0],
);

const FIXTURES = path.join(__dirname, "fixtures", "istio-1.31-rendered");
const rendered = (file: string): K8sObject[] =>
  parseAllDocuments(readFileSync(path.join(FIXTURES, file), "utf8")).map((document) => document.toJS());
const istiodObjects = rendered("istiod.yaml");
const eastWestObjects = rendered("istio-eastwestgateway.yaml");
const facts = JSON.parse(readFileSync(path.join(FIXTURES, "istiod-source-facts.json"), "utf8"));

function one(objects: K8sObject[], kind: string, name?: string, namespace?: string): K8sObject {
  const matching = objects.filter(
    (object) =>
      object.kind === kind &&
      (name === undefined || object.metadata.name === name) &&
      (namespace === undefined || object.metadata.namespace === namespace),
  );
  if (matching.length !== 1)
    throw new Error(`expected one ${kind} ${name ?? ""} in ${namespace ?? "any namespace"}, found ${matching.length}`);
  return matching[0];
}

/** Whether a label selector such as `app=istiod` selects these labels. */
function selects(selector: string, labels: Record<string, string> | undefined): boolean {
  return selector.split(",").every((term) => {
    const [key, value] = term.split("=");
    return labels?.[key] === value;
  });
}

describe("verify asks for what the mesh chart's samples serve", () => {
  it("requests the helloworld Service, namespace, port and path the chart routes to", () => {
    const route = one(meshObjects, "VirtualService", undefined, SAMPLE_NAMESPACE).spec.http[0];
    const path = route.match[0].uri.exact;
    const { host, port } = route.route[0].destination;
    const [service, namespace] = host.split(".");
    expect(one(meshObjects, "Service", service, namespace).spec.ports.map((entry: K8sObject) => entry.port)).toEqual([
      port.number,
    ]);
    const served = `${service}.${namespace}:${port.number}${path}`;
    expect(HELLO_URL).toBe(served);
    expect(curlCommand(3, 5).filter((arg) => arg === served)).toHaveLength(3);
    // The fake mesh answers that URL only: it must be the one the chart serves.
    expect(SAMPLE_HELLO_URL).toBe(served);
  });

  it("finds helloworld and curl pods by the labels, Deployment and container the chart gives them", () => {
    const { version } = valuesOf(MESH_MANIFESTS_RELEASE).samples.helloworld;
    const helloworld = one(meshObjects, "Deployment", `helloworld-${version}`, SAMPLE_NAMESPACE);
    expect(selects(HELLOWORLD_POD_SELECTOR, helloworld.spec.template.metadata.labels)).toBe(true);
    // verify tells clusters apart by this label.
    expect(helloworld.spec.template.metadata.labels.version).toBe(version);
    const curl = one(meshObjects, "Deployment", CURL_DEPLOYMENT, SAMPLE_NAMESPACE);
    expect(selects(CURL_POD_SELECTOR, curl.spec.template.metadata.labels)).toBe(true);
    expect(curl.spec.template.spec.containers.map((container: K8sObject) => container.name)).toContain(CURL_CONTAINER);
  });

  it("expects the cross-network port the chart's Gateway opens on the east-west gateway's pods", () => {
    const gateway = one(meshObjects, "Gateway", undefined, ISTIO_SYSTEM_NAMESPACE);
    expect(gateway.spec.servers.map((server: K8sObject) => server.port.number)).toEqual([CROSS_NETWORK_PORT]);
    const pods = one(eastWestObjects, "Deployment").spec.template.metadata.labels;
    expect(pods).toMatchObject(gateway.spec.selector);
  });
});

/**
 * The chart values that name or place what verify reads (a revision suffixes istiod's objects; the
 * gateway's labels, network and ports make its Service): when the program changes one of them,
 * the fixtures must be rendered again. Other values (resources, annotations, the image tag) rename
 * nothing, so the program may change them freely.
 */
const NAMING_VALUES: Readonly<Record<string, readonly string[]>> = {
  istiod: [
    "revision",
    "global.meshID",
    "global.multiCluster.clusterName",
    "global.network",
    "global.istioNamespace",
    "global.trustBundleName",
    "meshConfig.defaultConfig.meshId",
    "env.CLUSTER_ID",
    "istiodRemote.enabled",
  ],
  [EAST_WEST_GATEWAY_RELEASE]: [
    "name",
    "labels",
    "networkGateway",
    "networkGatewayPorts",
    "service.type",
    "service.ports",
  ],
};
const at = (values: K8sObject, dotted: string): unknown =>
  dotted.split(".").reduce<unknown>((value, key) => (value as K8sObject | undefined)?.[key], values);

describe("the Istio 1.31 chart fixtures are rendered from the values the platform stack passes", () => {
  it.each([
    ["istiod", "istiod-values.yaml"],
    [EAST_WEST_GATEWAY_RELEASE, "istio-eastwestgateway-values.yaml"],
  ])("%s", (releaseName, file) => {
    const fixtureValues = parse(readFileSync(path.join(FIXTURES, file), "utf8"));
    const naming = (values: K8sObject) => NAMING_VALUES[releaseName].map((key) => [key, at(values, key)]);
    expect(naming(valuesOf(releaseName))).toEqual(naming(fixtureValues));
  });
});

describe("verify reads istiod by the names the istiod chart renders", () => {
  const deployment = one(istiodObjects, "Deployment");
  const discovery = deployment.spec.template.spec.containers.find(
    (container: K8sObject) => container.name === ISTIOD_CONTAINER,
  );

  it("names the Deployment, its pods' label and container as the chart does", () => {
    expect(deployment.metadata).toMatchObject({ name: ISTIOD_DEPLOYMENT, namespace: ISTIO_SYSTEM_NAMESPACE });
    expect(selects(ISTIOD_POD_SELECTOR, deployment.spec.template.metadata.labels)).toBe(true);
    expect(discovery).toBeDefined();
  });

  it("asks /debug/clusterz with the pilot image's own command, on the chart's monitoring port", () => {
    expect(discovery.args).toContain(`--monitoringAddr=:${ISTIOD_MONITORING_PORT}`);
    const monitoring = one(istiodObjects, "Service", ISTIOD_DEPLOYMENT).spec.ports.find(
      (port: K8sObject) => port.name === "http-monitoring",
    );
    expect(monitoring.port).toBe(ISTIOD_MONITORING_PORT);
    expect(facts.requestAddress.value).toBe(`127.0.0.1:${ISTIOD_MONITORING_PORT}`);
    const upstream = [facts.pilotEntrypoint.value, facts.requestCommand.value, "GET", facts.clusterzPath.value];
    expect([...CLUSTERZ_COMMAND]).toEqual(upstream);
    expect([...ISTIOD_CLUSTERZ_COMMAND]).toEqual(upstream);
    expect(SYNCED).toBe(facts.syncedStatus.value);
    expect(CA_ROOT_CONFIGMAP).toBe(facts.caRootConfigMap.value);
  });

  it("passes its istiod check on a cluster serving exactly what the chart rendered", async () => {
    const configMaps = Object.fromEntries(
      [MESH_CONFIGMAP, INJECTOR_CONFIGMAP].map((name) => [name, one(istiodObjects, "ConfigMap", name)]),
    );
    const fake = fakeCluster({
      deployments: { [deployment.metadata.name]: { ...deployment, status: { replicas: 2, readyReplicas: 2 } } },
      configmaps: Object.fromEntries(Object.values(configMaps).map((map) => [map.metadata.name, map])),
    });
    const results = await runOne(fake, istiod.name);
    expect(results).toMatchObject({ status: "PASS" });
    expect(results.reason).toContain(`meshID ${spec.meshId}, clusterName ${cluster.name}, network ${cluster.network}`);
  });
});

describe("verify reads the east-west gateway by the names the gateway chart renders", () => {
  const service = one(eastWestObjects, "Service");

  it("finds the Service by the release name, with the cross-network port and network label", async () => {
    expect(service.metadata).toMatchObject({ name: EAST_WEST_GATEWAY_RELEASE, namespace: ISTIO_SYSTEM_NAMESPACE });
    const fake = fakeCluster({
      services: {
        [service.metadata.name]: { ...service, status: { loadBalancer: { ingress: [{ hostname: "nlb.example" }] } } },
      },
    });
    expect(await runOne(fake, eastWestGateway.name)).toMatchObject({ status: "PASS" });
  });

  it("looks for the proxy container by the name Istio gives it", () => {
    const containers = one(eastWestObjects, "Deployment").spec.template.spec.containers;
    expect(containers.map((container: K8sObject) => container.name)).toEqual([SIDECAR_CONTAINER]);
  });
});

/** cluster1 as the platform deploys it: istio-system labelled with its network, and the given objects. */
function fakeCluster(objects: FakeCluster["objects"][string]): FakeCluster {
  return {
    name: cluster.name,
    gitVersion: "v1.35.0",
    namespaces: {
      [ISTIO_SYSTEM_NAMESPACE]: {
        metadata: { name: ISTIO_SYSTEM_NAMESPACE, labels: { [NETWORK_LABEL]: cluster.network } },
      },
    },
    objects: { [ISTIO_SYSTEM_NAMESPACE]: objects },
    exec: () => ({ stdout: "", stderr: "no exec in this test", exitCode: 1 }),
    remoteSyncStatus: {},
  };
}

async function runOne(fake: FakeCluster, check: string) {
  const mesh: MeshUnderTest = { ...spec, clusters: [cluster] };
  const client = new MemoryClient(fake);
  const checks = [reachable, check === istiod.name ? istiod : eastWestGateway];
  const results = await runChecks(mesh, new Map([[cluster.name, { client }]]), {}, undefined, checks);
  return results.find((result) => result.check === check)!;
}

import { readFileSync } from "node:fs";
import * as path from "node:path";
import { parse, parseAllDocuments } from "yaml";
import { validateMeshConfig } from "../config/load";
import { istiodName, REVISION_LABEL, TAG_LABEL } from "../constructs/names";
import { GATEWAY_REVISION_ANNOTATION } from "../constructs/istio/istio-charts";
import { tagServiceName } from "../verify/chart-names";
import { resourcesOf, synthApp, StackJson } from "./helpers/synth";

/**
 * What Istio's 1.31 charts render from the revision values this program sets, read from helm's
 * output (fixtures/istio-1.31-revisions, rendered with the real helm binary from the upstream
 * charts): a tag becomes a webhook and a Service of the revision it points at, selecting
 * namespaces labelled istio.io/rev=<tag>; a gateway's `revision` becomes its pods' istio.io/rev.
 * A first test pins the values, so a changed value key cannot pass on stale renders.
 */

const FIXTURES = path.join(__dirname, "fixtures", "istio-1.31-revisions");
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type K8s = Record<string, any>;
const rendered = (release: string): K8s[] =>
  parseAllDocuments(readFileSync(path.join(FIXTURES, `${release}.yaml`), "utf8")).map((doc) => doc.toJS() as K8s);
const fixtureValues = (release: string): K8s =>
  parse(readFileSync(path.join(FIXTURES, `${release}-values.yaml`), "utf8"));
const find = (objects: K8s[], kind: string, name: string) => {
  const found = objects.filter((object) => object.kind === kind && object.metadata.name === name);
  expect(found).toHaveLength(1);
  return found[0];
};

const { spec } = validateMeshConfig(
  {
    meshId: "mesh1",
    apiAllowedCidrs: ["203.0.113.0/24"],
    clusters: [
      { name: "cluster1", region: "us-west-2", vpcCidr: "10.10.0.0/16" },
      { name: "cluster2", region: "us-east-2", vpcCidr: "10.20.0.0/16" },
    ],
    istio: {
      revisions: [
        { name: "default", version: "1.31.0" },
        { name: "1-31-1", version: "1.31.1" },
      ],
      tags: { stable: "default", canary: "1-31-1" },
      gatewayTag: "stable",
    },
  },
  "revision charts",
);
const stack = synthApp(spec).stacks["cluster1-platform"];
const releases: Record<string, StackJson> = Object.fromEntries(
  Object.values(resourcesOf(stack, "helm_release")).map((release) => [release.name, parse(release.values[0])]),
);
const namespaceLabels: Record<string, Record<string, string>> = Object.fromEntries(
  Object.values(resourcesOf(stack, "kubernetes_namespace_v1")).map((ns) => [ns.metadata.name, ns.metadata.labels]),
);

/** The values that decide what the fixtures show; the rest (mesh-wide values) may change freely. */
const revisionValues = (values: K8s) => ({
  revision: values.revision,
  revisionTags: values.revisionTags,
  tag: values.global?.tag,
  podAnnotations: values.podAnnotations?.[GATEWAY_REVISION_ANNOTATION],
});

describe("the revision values as Istio's 1.31 charts render them", () => {
  it.each(["istiod", "istiod-1-31-1", "istio-ingressgateway"])(
    "%s is still set the way the fixture was rendered",
    (release) => {
      expect(revisionValues(releases[release])).toEqual(revisionValues(fixtureValues(release)));
    },
  );

  it.each([
    ["istiod", "default", "stable"],
    ["istiod-1-31-1", "1-31-1", "canary"],
  ])("%s (revision %s) renders tag %s's webhook and Service, labelled with its revision", (release, revision, tag) => {
    const objects = rendered(release);
    expect(find(objects, "Deployment", istiodName(revision)).spec.template.spec.containers[0].image).toBe(
      `docker.io/istio/pilot:${releases[release].global.tag}`,
    );
    const webhook = find(objects, "MutatingWebhookConfiguration", `istio-revision-tag-${tag}`);
    expect(webhook.metadata.labels).toMatchObject({ [REVISION_LABEL]: revision, [TAG_LABEL]: tag });
    // Every webhook of the tag calls this revision's istiod.
    expect(new Set(webhook.webhooks.map((hook: K8s) => hook.clientConfig.service.name))).toEqual(
      new Set([istiodName(revision)]),
    );
    // What verify reads to tell where a tag points.
    expect(find(objects, "Service", tagServiceName(tag)).metadata.labels[REVISION_LABEL]).toBe(revision);
    // No other tag: a tag lives in one release only.
    expect(
      objects.filter((object) => object.kind === "MutatingWebhookConfiguration" && object.metadata.labels[TAG_LABEL]),
    ).toHaveLength(1);
  });

  it("injects the program's namespaces through their tag's webhook", () => {
    const webhook = find(rendered("istiod"), "MutatingWebhookConfiguration", "istio-revision-tag-stable");
    const byNamespace = webhook.webhooks.find((hook: K8s) => hook.name === "rev.namespace.sidecar-injector.istio.io");
    const matches = (labels: Record<string, string>) =>
      byNamespace.namespaceSelector.matchExpressions.every((term: K8s) =>
        term.operator === "In" ? term.values.includes(labels[term.key]) : labels[term.key] === undefined,
      );
    expect(matches(namespaceLabels["istio-ingress"])).toBe(true);
    expect(matches(namespaceLabels["sample"])).toBe(true);
  });

  it("labels the gateway pods with the gateway tag and rolls them by the revision annotation", () => {
    const deployment = find(rendered("istio-ingressgateway"), "Deployment", "istio-ingressgateway");
    const { labels, annotations } = deployment.spec.template.metadata;
    expect(labels[REVISION_LABEL]).toBe("stable");
    expect(annotations[GATEWAY_REVISION_ANNOTATION]).toBe("default");
    // The chart's own pod annotations survive (Helm merges maps).
    expect(annotations["inject.istio.io/templates"]).toBe("gateway");
  });
});

import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { gzipSync } from "node:zlib";
import { stringify } from "yaml";
import { loadMeshConfig, validateMeshConfig } from "../config/load";
import { MAX_LISTED_PROBLEMS } from "../config/problems";
import { MAX_CONFIG_BYTES } from "../config/read-config";
import { MAX_ALIASES, MAX_EXPANDED_VALUES, MAX_NESTING_DEPTH } from "../config/yaml-limits";
import { BadInput, configErrorOf, expectProblem, problemLinesOf, validConfig } from "./helpers/config-problems";

/**
 * Files that are not a mesh config at all, or YAML that would exhaust the program: each is
 * rejected with a message that says what the file is and what to do, never a library's words.
 */

const workDir = mkdtempSync(path.join(tmpdir(), "mesh-input-"));
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

const VALID_YAML = stringify(validConfig());

const file = (name: string, content: string | Buffer): string => {
  const filePath = path.join(workDir, name);
  writeFileSync(filePath, content);
  return filePath;
};
const linesOfFile = (filePath: string) => problemLinesOf(() => loadMeshConfig(filePath));

/** Library messages the issue saw reach users. */
const LIBRARY_WORDS =
  /resource exhaustion attack|parseAllDocuments|circular structure|call stack|TypeError|ReferenceError/;

describe("files that are not a YAML text file", () => {
  const fifo = path.join(workDir, "pipe.yaml");
  execFileSync("mkfifo", [fifo]);
  const CASES: readonly (BadInput & { readonly make: () => string })[] = [
    {
      name: "a named pipe nobody writes to",
      make: () => fifo,
      path: "the file",
      fix: "is a named pipe, not a regular file",
    },
    { name: "/dev/zero", make: () => "/dev/zero", path: "the file", fix: "is a character device, not a regular file" },
    {
      name: "a file over the size limit",
      make: () => file("huge.yaml", `${VALID_YAML}# ${"x".repeat(MAX_CONFIG_BYTES)}\n`),
      path: "the file",
      fix: `over the limit of ${MAX_CONFIG_BYTES} bytes`,
    },
    {
      name: "gzip",
      make: () => file("gzip.yaml", gzipSync(VALID_YAML)),
      path: "the file",
      fix: "is gzip-compressed, not YAML text: decompress it",
    },
    {
      name: "UTF-16 with a byte order mark",
      make: () => file("utf16.yaml", Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(VALID_YAML, "utf16le")])),
      path: "the file",
      fix: "is UTF-16 text: save it as UTF-8",
    },
    {
      name: "Latin-1 text",
      make: () => file("latin1.yaml", Buffer.from(`${VALID_YAML}# caf\u00e9\n`, "latin1")),
      path: "the file",
      fix: `is not UTF-8 text (byte 0xe9 on line ${VALID_YAML.split("\n").length}): save it as UTF-8`,
    },
    {
      name: "random bytes",
      make: () => file("random.yaml", Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 256))),
      path: "the file",
      fix: "is not UTF-8 text",
    },
    {
      name: "a NUL byte",
      make: () => file("nul.yaml", `${VALID_YAML}\0\n`),
      path: "the file",
      fix: "holds a NUL byte",
    },
  ];

  it.each(CASES.map((bad) => [bad.name, bad] as const))("%s is rejected as such", (_name, bad) => {
    const filePath = bad.make();
    const error = configErrorOf(() => loadMeshConfig(filePath));
    expectProblem(linesOfFile(filePath), bad);
    expect(error.message).toMatch(/^MESH_CONFIG .* is not valid:\n/);
  });

  it("accepts UTF-8 with a byte order mark", () => {
    const filePath = file("bom.yaml", Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(VALID_YAML)]));
    expect(loadMeshConfig(filePath).spec.meshId).toBe("mesh1");
  });
});

describe("YAML that would exhaust the parser", () => {
  const nested = (depth: number) =>
    `${VALID_YAML}helmValues:\n  istiod:\n${Array.from({ length: depth }, (_, i) => `${" ".repeat(4 + 2 * i)}k${i}:`).join("\n")} 1\n`;
  const bomb = [
    "meshId: mesh1",
    'a: &a ["x", "x", "x", "x", "x", "x", "x", "x", "x"]',
    ...Array.from({ length: 8 }, (_, i) => {
      const [name, previous] = [String.fromCharCode(98 + i), String.fromCharCode(97 + i)];
      return `${name}: &${name} [${Array(9).fill(`*${previous}`).join(", ")}]`;
    }),
  ].join("\n");

  const CASES: readonly (BadInput & { readonly text: string })[] = [
    {
      name: "an alias bomb",
      text: bomb,
      path: "the file",
      fix: `more values, over the limit of ${MAX_EXPANDED_VALUES}: use fewer aliases`,
    },
    {
      name: "more aliases than the limit",
      text: `${VALID_YAML}x: &x 1\ny: [${Array(MAX_ALIASES + 1)
        .fill("*x")
        .join(", ")}]\n`,
      path: "the file",
      fix: `uses more aliases (*name) than the limit of ${MAX_ALIASES}`,
    },
    {
      name: "a recursive alias in a list",
      text: `${VALID_YAML}x: &loop [1, *loop]\n`,
      path: `line ${VALID_YAML.split("\n").length}`,
      value: "*loop",
      fix: "is inside the value anchored as &loop, so it would repeat forever",
    },
    {
      name: "a recursive alias in a mapping",
      text: `${VALID_YAML}x: &loop\n  y: *loop\n`,
      path: `line ${VALID_YAML.split("\n").length + 1}`,
      value: "*loop",
      fix: "is inside the value anchored as &loop",
    },
    {
      name: "an unresolved alias",
      text: `${VALID_YAML}samples: *nowhere\n`,
      path: `line ${VALID_YAML.split("\n").length}`,
      value: "*nowhere",
      fix: "refers to no anchor: define &nowhere before this line",
    },
    {
      name: "valid YAML nested a thousand levels deep",
      text: nested(1000),
      path: `line ${VALID_YAML.split("\n").length + MAX_NESTING_DEPTH}`,
      fix: `nests more than ${MAX_NESTING_DEPTH} levels deep, the limit for a mesh config`,
    },
    {
      name: "flow lists nested a hundred thousand deep",
      text: `meshId: [${"[".repeat(100000)}${"]".repeat(100000)}]\n`,
      path: "line 1",
      fix: `nests more than ${MAX_NESTING_DEPTH} levels deep`,
    },
    {
      name: "two documents",
      text: `${VALID_YAML}---\nmeshId: other\n`,
      path: `line ${VALID_YAML.split("\n").length}, column 1`,
      value: "---",
      fix: "the file holds more than one YAML document: keep one document",
    },
  ];

  it.each(CASES.map((bad) => [bad.name, bad] as const))("%s: the limit is named, not the library", (_name, bad) => {
    const lines = linesOfFile(file(`${bad.name.replace(/\W+/g, "-")}.yaml`, bad.text));
    expectProblem(lines, bad);
    expect(lines.join("\n")).not.toMatch(LIBRARY_WORDS);
  });

  it("accepts nesting up to the limit, and not one level more", () => {
    // The mesh's own levels (the document, helmValues, istiod) count: 62 more make 64.
    const spec = loadMeshConfig(file("deep-ok.yaml", nested(MAX_NESTING_DEPTH - 2))).spec;
    expect(spec.clusters[0].helmValues.istiod).toHaveProperty("k0.k1.k2");
    expect(linesOfFile(file("deep-over.yaml", nested(MAX_NESTING_DEPTH - 1)))).toEqual([
      expect.stringContaining(`nests more than ${MAX_NESTING_DEPTH} levels deep`),
    ]);
  });

  it("supports merge keys (<<: *base)", () => {
    const text = [
      "meshId: mesh1",
      "apiAllowedCidrs: [198.51.100.0/24]",
      "clusters:",
      "  - &first",
      "    name: cluster1",
      "    region: us-west-2",
      "    vpcCidr: 10.10.0.0/16",
      "    natGateways: single",
      "  - <<: *first",
      "    name: cluster2",
      "    vpcCidr: 10.20.0.0/16",
    ].join("\n");
    const spec = loadMeshConfig(file("merge.yaml", text)).spec;
    expect(spec.clusters.map((c) => [c.name, c.region, c.vpcCidr, c.natGateways])).toEqual([
      ["cluster1", "us-west-2", "10.10.0.0/16", "single"],
      ["cluster2", "us-west-2", "10.20.0.0/16", "single"],
    ]);
  });

  it.each([
    ["a number", "base: 3", "  - <<: 3", "3"],
    ["an alias of a number", "base: &three 3", "  - <<: *three", "*three"],
    ["a list holding a string", "base: 3", "  - <<: [x]", "[x]"],
  ])("rejects a merge key whose value is %s, naming its line and what YAML merges", (_, base, merge, value) => {
    const text = ["meshId: mesh1", base, "clusters:", merge, "    name: cluster1"].join("\n");
    expect(linesOfFile(file("merge-scalar.yaml", text))).toEqual([
      `line 4 ${JSON.stringify(value)} is merged with <<, but YAML merges only mappings: merge a mapping or an alias of one (<<: *base), or quote the key ("<<") if it is a name`,
    ]);
  });

  it("rejects a key that is a list or a mapping, without the YAML library's warning", () => {
    const warn = jest.spyOn(process, "emitWarning").mockImplementation(() => undefined);
    try {
      const text = ["meshId: mesh1", "clusters:", "  - ? [a, b]", "    : 1", "    name: cluster1", "x: {{k: v}: 2}"];
      expect(linesOfFile(file("collection-key.yaml", text.join("\n")))).toEqual([
        'line 3 "[a, b]" is a key that is a list or a mapping: every key of a mesh config is a name, such as region',
        'line 6 "{k: v}" is a key that is a list or a mapping: every key of a mesh config is a name, such as region',
      ]);
      expect(warn).not.toHaveBeenCalled();
    } finally {
      warn.mockRestore();
    }
  });

  it("takes a quoted << as an ordinary key", () => {
    const text = ["meshId: mesh1", "clusters:", '  - "<<": 3', "    name: cluster1"].join("\n");
    expect(linesOfFile(file("quoted-merge.yaml", text))).toEqual(
      expect.arrayContaining([expect.stringMatching(/^clusters\[0\]\.<< is not a known setting/)]),
    );
  });
});

describe("messages about very bad files", () => {
  it("lists the first problems and counts the rest", () => {
    const config: Record<string, unknown> = validConfig();
    for (let i = 0; i < 10000; i++) config[`unknown${i}`] = i;
    const error = configErrorOf(() => validateMeshConfig(config, "MESH_CONFIG big.yaml"));
    const lines = error.message.split("\n");
    expect(lines).toHaveLength(1 + MAX_LISTED_PROBLEMS + 1);
    expect(lines[lines.length - 1]).toBe(
      `  and ${10000 - MAX_LISTED_PROBLEMS} more problems: fix the ones above and run again`,
    );
  });

  it("cuts a value thousands of characters long", () => {
    const config = validConfig();
    config.meshId = "m".repeat(5000);
    const [line] = problemLinesOf(() => validateMeshConfig(config, "MESH_CONFIG long.yaml"));
    expect(line).toMatch(/^meshId "m{119}\.\.\. \(5002 characters\) is longer than 63 characters: shorten it$/);
  });

  it("suggests a name for a cluster without one that no other cluster has", () => {
    const config = validConfig();
    config.clusters.push({ region: "eu-west-1", vpcCidr: "10.30.0.0/16" });
    expect(problemLinesOf(() => validateMeshConfig(config, "MESH_CONFIG x.yaml"))).toEqual([
      "clusters[2].name is required but missing: add name: cluster3",
    ]);
  });
});

import { closeSync, constants, fstatSync, openSync, readSync } from "node:fs";
import { ConfigError } from "./problems";

/**
 * Largest config file read, checked before reading: a mesh config with every field and generous
 * Helm overrides is a few KiB, so anything near this is not a config.
 */
export const MAX_CONFIG_BYTES = 1024 * 1024;

/** Why a file could not be opened, by errno code, phrased to follow "the file". */
const OPEN_ERRORS: Readonly<Record<string, string>> = {
  EACCES: "is not readable by this user: check its permissions (chmod u+r)",
  EPERM: "is not readable by this user: check its permissions (chmod u+r)",
  ELOOP: "is a loop of symbolic links: point MESH_CONFIG at the real file",
  ENOTDIR: "has a parent that is a file, not a directory: check the path",
  ENAMETOOLONG: "has a path that is too long: check MESH_CONFIG",
};

/** What a file that is not a regular file is, by the kind fstat reports. */
const NOT_REGULAR = "point MESH_CONFIG at a YAML file such as examples/two-clusters.yaml";

/**
 * The config file's text: a regular file within MAX_CONFIG_BYTES, in UTF-8. Opened without
 * blocking and checked before anything is read, so a named pipe nobody writes to cannot hang the
 * program and a device such as /dev/zero cannot fill its memory.
 */
export function readConfigText(configPath: string, source: string): string {
  const fail = (message: string): never => {
    throw new ConfigError(source, [{ path: "", message }]);
  };
  let fd: number;
  try {
    fd = openSync(configPath, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "";
    if (code === "ENOENT") {
      return fail(
        `does not exist (${configPath}): set MESH_CONFIG to an existing YAML file such as examples/two-clusters.yaml`,
      );
    }
    return fail(
      `(${configPath}) ${OPEN_ERRORS[code] ?? `cannot be read (${code || (error as Error).message}): check the path and its permissions`}`,
    );
  }
  try {
    const stats = fstatSync(fd);
    if (stats.isDirectory()) fail(`is a directory: ${NOT_REGULAR}`);
    if (!stats.isFile()) fail(`is ${fileKind(stats)}, not a regular file: ${NOT_REGULAR}`);
    if (stats.size > MAX_CONFIG_BYTES) {
      fail(
        `is ${stats.size} bytes, over the limit of ${MAX_CONFIG_BYTES} bytes (1 MiB) for a mesh config: check MESH_CONFIG names the config file`,
      );
    }
    const bytes = readAll(fd, stats.size);
    const text = decodeText(bytes, fail);
    if (!text.trim()) fail(`is empty (${configPath}): start from examples/two-clusters.yaml`);
    return text;
  } finally {
    closeSync(fd);
  }
}

function fileKind(stats: ReturnType<typeof fstatSync>): string {
  if (stats.isFIFO()) return "a named pipe";
  if (stats.isCharacterDevice()) return "a character device";
  if (stats.isBlockDevice()) return "a block device";
  if (stats.isSocket()) return "a socket";
  return "not a file";
}

/** Reads at most one byte past `size`, so a file that grows while read still cannot exceed the limit. */
function readAll(fd: number, size: number): Buffer {
  const buffer = Buffer.alloc(Math.min(size, MAX_CONFIG_BYTES) + 1);
  let length = 0;
  for (;;) {
    const read = readSync(fd, buffer, length, buffer.length - length, null);
    if (read === 0) break;
    length += read;
    if (length === buffer.length) break;
  }
  return buffer.subarray(0, Math.min(length, MAX_CONFIG_BYTES));
}

/** Magic numbers of what people point MESH_CONFIG at by mistake, with the fix. */
const BINARY_FORMATS: readonly { readonly magic: readonly number[]; readonly message: string }[] = [
  { magic: [0x1f, 0x8b], message: "is gzip-compressed, not YAML text: decompress it (gunzip) first" },
  { magic: [0xff, 0xfe], message: "is UTF-16 text: save it as UTF-8" },
  { magic: [0xfe, 0xff], message: "is UTF-16 text: save it as UTF-8" },
  { magic: [0x50, 0x4b, 0x03, 0x04], message: "is a zip archive, not YAML text: extract the config from it" },
];

const UTF8_BOM = [0xef, 0xbb, 0xbf];

function decodeText(bytes: Buffer, fail: (message: string) => never): string {
  const starts = (magic: readonly number[]) => magic.every((byte, index) => bytes[index] === byte);
  const binary = BINARY_FORMATS.find((format) => starts(format.magic));
  if (binary) fail(binary.message);
  const body = starts(UTF8_BOM) ? bytes.subarray(UTF8_BOM.length) : bytes;
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(body);
  } catch {
    return fail(
      `is not UTF-8 text (${invalidUtf8At(body)}): save it as UTF-8, or check MESH_CONFIG names the config file`,
    );
  }
  const nul = text.indexOf("\0");
  if (nul >= 0)
    fail(
      `holds a NUL byte on line ${lineOf(text, nul)}, so it is not YAML text: check MESH_CONFIG names the config file`,
    );
  return text;
}

/** Where the first byte that is not UTF-8 is, as a line number a user can look at. */
function invalidUtf8At(bytes: Buffer): string {
  const lenient = new TextDecoder("utf-8").decode(bytes);
  for (let index = lenient.indexOf("\uFFFD"); index >= 0; index = lenient.indexOf("\uFFFD", index + 1)) {
    // Everything before the first bad byte round-trips, so its UTF-8 length is the bad byte's offset.
    const offset = Buffer.byteLength(lenient.slice(0, index));
    const replacementCharacter = bytes[offset] === 0xef && bytes[offset + 1] === 0xbf && bytes[offset + 2] === 0xbd;
    if (!replacementCharacter) {
      return `byte 0x${bytes[offset].toString(16).padStart(2, "0")} on line ${lineOf(lenient, index)}`;
    }
  }
  return "an invalid byte sequence";
}

function lineOf(text: string, index: number): number {
  let line = 1;
  for (let i = 0; i < index; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

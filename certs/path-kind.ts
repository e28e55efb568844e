import { lstatSync, readlinkSync, statSync } from "node:fs";

/**
 * What is at a path of a CA directory, following symbolic links the way a read would, so a loop
 * or a dangling link is told apart from "absent" instead of surfacing as a raw ELOOP or EEXIST.
 */
export type PathKind =
  | { readonly kind: "absent" }
  | { readonly kind: "file"; readonly mode: number }
  | { readonly kind: "directory" }
  /** A symbolic link that leads back to itself (ELOOP). */
  | { readonly kind: "loop" }
  /** A symbolic link to a target that does not exist. */
  | { readonly kind: "dangling"; readonly target: string }
  /** A socket, pipe or device: reading one could hang. */
  | { readonly kind: "special" }
  /** The path cannot be looked at: a parent is a file (ENOTDIR), no permission, a name too long. */
  | { readonly kind: "unreachable"; readonly code: string };

export function pathKind(file: string): PathKind {
  try {
    const stats = statSync(file);
    if (stats.isFile()) return { kind: "file", mode: stats.mode & 0o777 };
    return stats.isDirectory() ? { kind: "directory" } : { kind: "special" };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "EIO";
    if (code === "ELOOP") return { kind: "loop" };
    if (code === "ENOENT") return danglingOrAbsent(file);
    return { kind: "unreachable", code };
  }
}

function danglingOrAbsent(file: string): PathKind {
  try {
    if (lstatSync(file).isSymbolicLink()) return { kind: "dangling", target: readlinkSync(file) };
  } catch {
    // Nothing there at all.
  }
  return { kind: "absent" };
}

/** Why a path cannot be looked at, phrased to follow the path in a message. */
export const UNREACHABLE_REASONS: Readonly<Record<string, string>> = {
  ENOTDIR: "cannot be reached: part of its path is a file, not a folder",
  EACCES: "cannot be read by this user (permission denied)",
  EPERM: "cannot be read by this user (permission denied)",
  ENAMETOOLONG: "is a name too long for the filesystem",
};

export function unreachableReason(code: string): string {
  return UNREACHABLE_REASONS[code] ?? `cannot be looked at (${code})`;
}

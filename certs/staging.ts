import { chmodSync, mkdtempSync, readdirSync, realpathSync, renameSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";

/**
 * New CA files are written into a staging folder beside the CA directory, checked there, and then
 * renamed into place (a rename within one filesystem is atomic). A run that fails part-way leaves
 * the CA directory as it was: no half-written cluster folder, no root without its key.
 */
export const PRIVATE_KEY_MODE = 0o600;
export const CERTIFICATE_MODE = 0o644;
export const CA_DIRECTORY_MODE = 0o700;

const STAGING_INFIX = ".staging-";

/** The CA directory with symbolic links resolved, so staging lands on the directory's own filesystem. */
function placeOf(caDirectory: string, exists: boolean): string {
  return exists ? realpathSync(caDirectory) : caDirectory;
}

function stagingPrefix(place: string): string {
  return path.join(path.dirname(place), `.${path.basename(place)}${STAGING_INFIX}`);
}

/** A new, private staging folder beside the CA directory. */
export function createStaging(caDirectory: string, exists: boolean): string {
  const staging = mkdtempSync(stagingPrefix(placeOf(caDirectory, exists)));
  chmodSync(staging, CA_DIRECTORY_MODE);
  return staging;
}

/** Staging folders a killed run left behind (call it holding the CA lock, so none is in use). */
export function removeStaleStaging(caDirectory: string, exists: boolean): void {
  const prefix = stagingPrefix(placeOf(caDirectory, exists));
  let names: string[];
  try {
    names = readdirSync(path.dirname(prefix));
  } catch {
    return;
  }
  for (const name of names) {
    if (name.startsWith(path.basename(prefix)))
      rmSync(path.join(path.dirname(prefix), name), { recursive: true, force: true });
  }
}

/**
 * Moves the staged entries into the CA directory: the whole staging folder becomes the CA
 * directory when there is none yet, else each entry moves on its own, in the order given.
 */
export function moveIntoPlace(staging: string, caDirectory: string, exists: boolean, entries: readonly string[]): void {
  if (!exists) {
    renameSync(staging, caDirectory);
    return;
  }
  const place = placeOf(caDirectory, exists);
  for (const entry of entries) renameSync(path.join(staging, entry), path.join(place, entry));
}

/** Exclusive create: a file that appeared meanwhile is never overwritten. */
export function writeNewFile(file: string, contents: string, mode: number): void {
  writeFileSync(file, contents.endsWith("\n") ? contents : `${contents}\n`, { flag: "wx", mode });
  // The process umask may have cleared bits of `mode`; keys must end up exactly owner-only.
  chmodSync(file, mode);
}

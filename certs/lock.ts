import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { CaError } from "./validate-ca";

/** Beside the CA directory (which may not exist yet): `ca` is locked by `ca.lock`. */
export function caLockFile(caDirectory: string): string {
  return `${caDirectory}.lock`;
}

interface LockOwner {
  readonly pid: number;
  readonly started: string;
}

/**
 * Takes the CA directory's lock (an exclusively created file), so two runs of `npm run certs` never
 * both issue into one directory; returns the function that releases it. A lock that is already
 * there stops the run with a message naming the file and how to clear it when it is stale.
 */
export function acquireCaLock(caDirectory: string, show: (file: string) => string): () => void {
  const lockFile = caLockFile(caDirectory);
  mkdirSync(path.dirname(lockFile), { recursive: true });
  const owner: LockOwner = { pid: process.pid, started: new Date().toISOString() };
  try {
    writeFileSync(lockFile, `${JSON.stringify(owner)}\n`, { flag: "wx" });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    throw new CaError(`${show(caDirectory)}/`, [lockedProblem(lockFile, show)]);
  }
  return () => rmSync(lockFile, { force: true });
}

function lockedProblem(lockFile: string, show: (file: string) => string): string {
  const shown = show(lockFile);
  const owner = readOwner(lockFile);
  const who = owner ? ` (pid ${owner.pid}, since ${owner.started})` : "";
  const stale = `if no other run is going on (one was interrupted), delete ${shown} and run again`;
  if (owner && !isRunning(owner.pid)) {
    return `${shown} says another \`npm run certs\`${who} is working on this CA directory, but that process is gone: the lock is stale; delete ${shown} and run again`;
  }
  return `another \`npm run certs\`${who} is working on this CA directory (lock file ${shown}): wait for it to finish; ${stale}`;
}

function readOwner(lockFile: string): LockOwner | undefined {
  try {
    const owner = JSON.parse(readFileSync(lockFile, "utf8")) as LockOwner;
    return Number.isInteger(owner.pid) && typeof owner.started === "string" ? owner : undefined;
  } catch {
    return undefined;
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

import { chmodSync, copyFileSync, existsSync, mkdirSync, renameSync, statSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { CA_BACKUP_DIRECTORY } from "../constructs/names";

import { CA_DIRECTORY_MODE } from "./staging";

/** One file a rotation writes: its path, new content and mode. */
export interface FileUpdate {
  readonly file: string;
  readonly contents: string;
  readonly mode: number;
}

/**
 * Writes every update through a temporary file and a rename, so Terraform's file() (and anyone
 * reading) sees either the old or the new content of each file, never a partial one.
 */
export function replaceFiles(updates: readonly FileUpdate[]): void {
  for (const { file, contents, mode } of updates) {
    const temporary = `${file}.${process.pid}.tmp`;
    mkdirSync(path.dirname(file), { recursive: true, mode: CA_DIRECTORY_MODE });
    writeFileSync(temporary, contents.endsWith("\n") ? contents : `${contents}\n`, { flag: "wx", mode });
    // The umask may have cleared bits of `mode`; keys must end up exactly owner-only.
    chmodSync(temporary, mode);
    renameSync(temporary, file);
  }
}

/**
 * Copies the files a rotation is about to replace into <caDirectory>/previous/<stamp>-<label>/,
 * keeping their paths and modes, so a stage can be rolled back by copying them back. The folder
 * is owner-only and keys keep mode 0600 (and match the `*-key.pem` git-ignore rule). Returns it.
 */
export function backupFiles(caDirectory: string, label: string, files: readonly string[], now: Date): string {
  const stamp = now.toISOString().replace(/[:.]/g, "-");
  const backup = path.join(caDirectory, CA_BACKUP_DIRECTORY, `${stamp}-${label}`);
  mkdirSync(backup, { recursive: true, mode: CA_DIRECTORY_MODE });
  chmodSync(path.join(caDirectory, CA_BACKUP_DIRECTORY), CA_DIRECTORY_MODE);
  for (const file of files.filter((candidate) => existsSync(candidate))) {
    const target = path.join(backup, path.relative(caDirectory, file));
    mkdirSync(path.dirname(target), { recursive: true, mode: CA_DIRECTORY_MODE });
    copyFileSync(file, target);
    chmodSync(target, statSync(file).mode & 0o777);
  }
  return backup;
}

/**
 * Prints a failure for the user and marks the process as failed, letting it end on its own. Not
 * process.exit(): it ends the process at once, dropping whatever a full pipe has not taken yet,
 * which cut long messages at the pipe's 64 KiB buffer.
 */
export function reportFailure(message: string): void {
  process.stderr.write(`${message}\n`);
  process.exitCode = 1;
}

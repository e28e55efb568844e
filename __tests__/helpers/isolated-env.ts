import { isUserSetting } from "./user-settings";

/**
 * Jest setup (jest.config.js setupFiles): the tests see the same environment on every machine.
 * Cleared here, the user's settings reach neither this process nor the subprocesses tests start
 * with `{ ...process.env }`.
 */
for (const name of Object.keys(process.env)) {
  if (isUserSetting(name)) delete process.env[name];
}

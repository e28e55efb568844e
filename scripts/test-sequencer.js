// Starts the slowest test files first (subprocesses, terraform, RSA key generation), so on a cold
// run, when jest has no timings yet, they do not end up last on an otherwise idle core.
const Sequencer = require("@jest/test-sequencer").default;

const SLOW_FIRST = ["terraform-validate", "verify-cli", "certs", "synth-cli", "mesh-links", "byo-ca"];
const rank = (testPath) => {
  const index = SLOW_FIRST.findIndex((name) => testPath.endsWith(`/${name}.test.ts`));
  return index < 0 ? SLOW_FIRST.length : index;
};

class SlowFirstSequencer extends Sequencer {
  sort(tests) {
    return [...tests].sort((a, b) => rank(a.path) - rank(b.path) || a.path.localeCompare(b.path));
  }
}

module.exports = SlowFirstSequencer;

// How the project's TypeScript is turned into JavaScript at run time, by jest (@swc/jest) and by
// cdktf synth (register-ts.js): types stripped, CommonJS out. Type checking is `npm run typecheck`.
module.exports = {
  swcrc: false,
  jsc: { parser: { syntax: "typescript" }, target: "es2022" },
  module: { type: "commonjs" },
};

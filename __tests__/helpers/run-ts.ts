import * as path from "node:path";

/**
 * Node's arguments to run a TypeScript entry point the way the project does everywhere
 * (cdktf.json's app, every npm script): with the swc require hook.
 */
export const TS_NODE_ARGS = ["--require", path.resolve(__dirname, "..", "..", "scripts", "register-ts.js")];

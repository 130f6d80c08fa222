/**
 * `deno task compile`: builds dist/2nex with exactly the Deno flags of the
 * `2nex` task in deno.json, so that the binary and `deno task 2nex` (and the
 * tests, which run that task's flags) never drift apart. The worker modules
 * are started by URL, so they must be included by name.
 */
import { fileURLToPath } from "node:url";
import { taskFlags } from "../lib/cli/mod.ts";

const root = fileURLToPath(new URL("../", import.meta.url));
const flags = taskFlags(root);
if (!flags) throw new Error('deno.json has no "2nex" task of the form "deno run FLAGS… main.ts"');
const args = [
  "compile",
  ...flags,
  "--include",
  "lib/cli/worker.ts",
  "--include",
  "lib/workspace/load_worker.ts",
  "--include",
  "lib/store/hash_worker.ts",
  "--output",
  "dist/2nex",
  "main.ts",
];
console.error(`deno ${args.join(" ")}`);
const { code } = await new Deno.Command(Deno.execPath(), { args, cwd: root }).spawn().status;
Deno.exit(code);

/**
 * `deno task compile`: builds dist/2nex with exactly the Deno flags of the
 * `2nex` task in deno.json, so that the binary and `deno task 2nex` (and the
 * tests, which run that task's flags) never drift apart. The worker modules
 * are started by URL, so they must be included by name.
 */
const root = new URL("../", import.meta.url);
const denoJson = JSON.parse(await Deno.readTextFile(new URL("deno.json", root)));
const words = (denoJson.tasks["2nex"] as string).split(/\s+/);
if (words[0] !== "deno" || words[1] !== "run" || words.at(-1) !== "main.ts") {
  throw new Error(`the 2nex task is not "deno run FLAGS… main.ts": ${words.join(" ")}`);
}
const args = [
  "compile",
  ...words.slice(2, -1),
  "--include",
  "lib/cli/worker.ts",
  "--include",
  "lib/workspace/load_worker.ts",
  "--output",
  "dist/2nex",
  "main.ts",
];
console.error(`deno ${args.join(" ")}`);
const { code } = await new Deno.Command(Deno.execPath(), { args, cwd: root }).spawn().status;
Deno.exit(code);

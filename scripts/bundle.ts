/**
 * `deno task bundle [DIR]`: 2nex as plain JavaScript that needs nothing but a
 * Deno binary: no Deno cache, no network, no npm (the `yaml` package is inside).
 * Writes DIR (default dist/bundle) with:
 *   - `main.js`: the command line, the launcher and every command;
 *   - `worker.ts`, `load_worker.ts` and `hash_worker.ts`: the workers, bundled, under the
 *     names the bundled code starts them by (`new URL("./worker.ts", …)`
 *     resolves next to main.js); bundles are JavaScript, which Deno also runs
 *     under a .ts name;
 *   - `2nex`: a shell script that runs main.js with the `2nex` task's flags.
 * The air-gapped route where `deno compile` cannot fetch its runtime.
 */
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { taskFlags } from "../lib/cli/mod.ts";

const root = fileURLToPath(new URL("../", import.meta.url));
const out = resolve(Deno.args[0] ?? join(root, "dist/bundle"));
const flags = taskFlags(root);
if (!flags) throw new Error('deno.json has no "2nex" task of the form "deno run FLAGS… main.ts"');
await Deno.mkdir(out, { recursive: true });
const entries: Array<[string, string]> = [
  ["main.ts", "main.js"],
  ["lib/cli/worker.ts", "worker.ts"],
  ["lib/workspace/load_worker.ts", "load_worker.ts"],
  ["lib/store/hash_worker.ts", "hash_worker.ts"],
];
for (const [entry, name] of entries) {
  const { code, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["bundle", "--quiet", "--platform", "deno", "-o", join(out, name), join(root, entry)],
    cwd: root,
    stdout: "null",
    stderr: "piped",
  }).output();
  if (code !== 0) {
    console.error(new TextDecoder().decode(stderr));
    Deno.exit(code);
  }
}
const launcher = `#!/bin/sh
# 2nex, bundled by scripts/bundle.ts: needs only deno on PATH (or DENO=path).
here=$(cd "$(dirname "$0")" && pwd)
exec "\${DENO:-deno}" run --quiet ${flags.join(" ")} "$here/main.js" "$@"
`;
await Deno.writeTextFile(join(out, "2nex"), launcher, { mode: 0o755 });
console.error(`wrote ${out}: 2nex, main.js, worker.ts, load_worker.ts, hash_worker.ts`);

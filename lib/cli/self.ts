/**
 * The command line that runs this same 2nex again, for processes 2nex starts
 * elsewhere (a cluster job): `deno run` with the `2nex` task's permission flags
 * and main.ts when 2nex runs from its source tree, else the compiled binary.
 * @module
 */
import { fileURLToPath } from "node:url";
import { join } from "node:path";

/** The source tree, when 2nex runs from one (a compiled binary has no deno.json beside its code). */
const SOURCE_ROOT = new URL("../../", import.meta.url);

/**
 * The Deno flags of the `2nex` task in `root`/deno.json (the one place they are
 * written), or undefined when there is no such `deno run FLAGS… main.ts` task.
 */
export function taskFlags(root: string): string[] | undefined {
  let task: unknown;
  try {
    task = JSON.parse(Deno.readTextFileSync(join(root, "deno.json"))).tasks?.["2nex"];
  } catch {
    return undefined;
  }
  if (typeof task !== "string") return undefined;
  const words = task.split(/\s+/);
  if (words[0] !== "deno" || words[1] !== "run" || words.at(-1) !== "main.ts") return undefined;
  return words.slice(2, -1);
}

/** argv[0…] that starts this 2nex; arguments follow. */
export function selfCommand(): string[] {
  if (SOURCE_ROOT.protocol === "file:") {
    const root = fileURLToPath(SOURCE_ROOT);
    const flags = taskFlags(root);
    if (flags) return [Deno.execPath(), "run", ...flags, join(root, "main.ts")];
  }
  return [Deno.execPath()];
}

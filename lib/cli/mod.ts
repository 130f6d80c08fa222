/**
 * The command line: `launch` starts a command in a worker that holds only the
 * permissions its command line needs, and `taskFlags` is the `deno run` command
 * line that runs this same 2nex again (for cluster jobs, compile and bundle).
 *
 * @example
 * ```ts
 * Deno.exit(await launch(Deno.args));
 * ```
 * @module
 */
export { launch } from "./launch.ts";
export { taskFlags } from "./self.ts";

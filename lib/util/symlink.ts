/**
 * Making a symlink from 2nex's own code. Deno refuses Deno.symlink (and
 * node:fs's) to a process whose read or write permission is limited to some
 * paths, as every 2nex command's is (lib/cli/launch.ts), because a link's target
 * is resolved only when it is followed. So coreutils' `ln` makes it.
 * @module
 */
import { run } from "./process.ts";

/** The program, as the `--allow-run` list of deno.json names it. */
export const SYMLINK_PROGRAM = "ln";

/**
 * Creates the symlink `path` → `target`. `path` must not exist; an existing
 * directory or link there is an error rather than a place to put the link into
 * (`--no-target-directory`).
 */
export async function makeSymlink(target: string, path: string): Promise<void> {
  await run([SYMLINK_PROGRAM, "--symbolic", "--no-target-directory", "--", target, path]);
}

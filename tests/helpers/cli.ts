/**
 * Runs the 2nex CLI as users do: `deno run` with exactly the permission flags of
 * the `2nex` task in deno.json, on main.ts, in a given working directory.
 */
import { join } from "node:path";
import { fileURLToPath as fromFileUrl } from "node:url";

const root = fromFileUrl(new URL("../../", import.meta.url));
const denoJson = JSON.parse(Deno.readTextFileSync(join(root, "deno.json")));

/** The argv of the `2nex` task, with main.ts made absolute. */
export function cliArgv(extraDenoFlags: string[] = []): string[] {
  const words = (denoJson.tasks["2nex"] as string).split(/\s+/);
  if (words[0] !== "deno" || words[1] !== "run") throw new Error("unexpected 2nex task");
  const flags = words.slice(2, -1);
  return [Deno.execPath(), "run", ...flags, ...extraDenoFlags, join(root, "main.ts")];
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `2nex ARGS…` in `cwd`. */
export async function twonex(
  args: string[],
  options: { cwd?: string; env?: Record<string, string>; denoFlags?: string[] } = {},
): Promise<CliResult> {
  const [program, ...rest] = cliArgv(options.denoFlags);
  const output = await new Deno.Command(program, {
    args: [...rest, ...args],
    cwd: options.cwd,
    env: { NO_COLOR: "1", ...options.env },
    stdout: "piped",
    stderr: "piped",
  }).output();
  return {
    code: output.code,
    stdout: new TextDecoder().decode(output.stdout),
    stderr: new TextDecoder().decode(output.stderr),
  };
}

/** The repository root. */
export const repoRoot = root;

/** Copies a fixture workspace into a fresh temp dir and returns its path. */
export async function copyFixture(name: string): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: `2nex-${name}-` });
  await copyDir(join(root, "tests/fixtures/workspaces", name), dir);
  return dir;
}

async function copyDir(from: string, to: string): Promise<void> {
  await Deno.mkdir(to, { recursive: true });
  for await (const entry of Deno.readDir(from)) {
    const a = join(from, entry.name);
    const b = join(to, entry.name);
    if (entry.isDirectory) await copyDir(a, b);
    else await Deno.copyFile(a, b);
  }
}

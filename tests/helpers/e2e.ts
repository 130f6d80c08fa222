/**
 * Helpers for end-to-end tests of the `2nex` CLI: throw-away workspaces with
 * small manifests, the CLI run as a child process (optionally with some of the
 * task's permission flags removed, or kept running to be killed), ostree
 * inspection, and tool checks that skip locally but fail in CI (CI=true).
 * @module
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { dirname, join } from "node:path";
import { cliArgv, type CliResult } from "./cli.ts";

/** True in CI, where a missing tool is a failure and never a skip. */
export const inCi = Deno.env.get("CI") === "true";

const PATH_DIRS = (Deno.env.get("PATH") ?? "/usr/bin:/bin").split(":");

/** The names of `tools` (programs on PATH, or absolute paths) that this host lacks. */
export async function missingTools(tools: string[]): Promise<string[]> {
  const missing: string[] = [];
  for (const tool of tools) {
    const candidates = tool.startsWith("/") ? [tool] : PATH_DIRS.map((d) => join(d, tool));
    let found = false;
    for (const path of candidates) {
      try {
        if ((await Deno.stat(path)).isFile) found = true;
      } catch {
        // Not in this directory.
      }
      if (found) break;
    }
    if (!found) missing.push(tool);
  }
  return missing;
}

/**
 * Registers an e2e test that needs `tools`. Without them it is skipped on a
 * developer machine and fails in CI, saying what is missing.
 */
export async function e2eTest(
  name: string,
  tools: string[],
  fn: (t: Deno.TestContext) => Promise<void>,
): Promise<void> {
  const missing = await missingTools(tools);
  Deno.test({
    name,
    ignore: missing.length > 0 && !inCi,
    // Each test ends the processes it starts and awaits their status itself.
    sanitizeResources: false,
    fn: async (t) => {
      if (missing.length > 0) assert.fail(`missing tools: ${missing.join(", ")}`);
      await fn(t);
    },
  });
}

/** Options for running the CLI. */
export interface RunOptions {
  env?: Record<string, string>;
  /** Deno flags added after the task's own (e.g. `--deny-read=FILE`). */
  denoFlags?: string[];
  /** Task flags to leave out, matched by prefix (e.g. `--allow-net`). */
  withoutFlags?: string[];
}

/** The argv of `deno run` with the `2nex` task's flags, adjusted by `options`. */
export function twonexArgv(options: RunOptions = {}): string[] {
  const drop = options.withoutFlags ?? [];
  const argv = cliArgv(options.denoFlags).filter((word, index) =>
    index < 2 || !drop.some((flag) => word === flag || word.startsWith(`${flag}=`))
  );
  for (const flag of drop) {
    assert.ok(!argv.some((w) => w.startsWith(flag)), `flag ${flag} still present`);
  }
  return argv;
}

const decoder = new TextDecoder();

/** A temporary workspace directory with its own 2nex.yaml, repository and cache. */
export class TestWorkspace {
  private constructor(readonly dir: string) {}

  /** Creates a workspace with `config` as 2nex.yaml and `files` (relative paths) written. */
  static async create(
    config = "manifests: [manifests]\nsource_date_epoch: 1704067200\n",
    files: Record<string, string | Uint8Array> = {},
  ): Promise<TestWorkspace> {
    const dir = await Deno.makeTempDir({ prefix: "2nex-e2e-build-" });
    const ws = new TestWorkspace(dir);
    await ws.write("2nex.yaml", config);
    await Deno.mkdir(ws.path("manifests"), { recursive: true });
    for (const [path, content] of Object.entries(files)) await ws.write(path, content);
    return ws;
  }

  /** An absolute path inside the workspace. */
  path(relative: string): string {
    return join(this.dir, relative);
  }

  get repo(): string {
    return this.path(".2nex/repo");
  }

  get cache(): string {
    return this.path(".2nex/cache");
  }

  async write(relative: string, content: string | Uint8Array): Promise<void> {
    const path = this.path(relative);
    await Deno.mkdir(dirname(path), { recursive: true });
    if (typeof content === "string") await Deno.writeTextFile(path, content);
    else await Deno.writeFile(path, content);
  }

  read(relative: string): Promise<string> {
    return Deno.readTextFile(this.path(relative));
  }

  /** Runs `2nex ARGS…` in the workspace and waits for it. */
  async run(args: string[], options: RunOptions = {}): Promise<CliResult> {
    const child = this.spawn(args, options);
    const output = await child.output();
    return {
      code: output.code,
      stdout: decoder.decode(output.stdout),
      stderr: decoder.decode(output.stderr),
    };
  }

  /** Starts `2nex ARGS…` in the workspace without waiting (stdout and stderr piped). */
  spawn(args: string[], options: RunOptions = {}): Deno.ChildProcess {
    const [program, ...rest] = twonexArgv(options);
    return new Deno.Command(program, {
      args: [...rest, ...args],
      cwd: this.dir,
      env: { NO_COLOR: "1", ...options.env },
      stdout: "piped",
      stderr: "piped",
    }).spawn();
  }

  /** `ostree refs` of the repository, sorted. */
  async refs(): Promise<string[]> {
    const out = await ostree(["refs", `--repo=${this.repo}`]);
    return out.split("\n").filter((l) => l !== "").sort();
  }

  /** Every ref file under refs/heads with its content: a snapshot to compare. */
  async refFiles(): Promise<Map<string, string>> {
    const files = new Map<string, string>();
    const heads = join(this.repo, "refs", "heads");
    const walk = async (dir: string, prefix: string): Promise<void> => {
      let entries: Deno.DirEntry[];
      try {
        entries = await Array.fromAsync(Deno.readDir(dir));
      } catch (error) {
        if (error instanceof Deno.errors.NotFound) return;
        throw error;
      }
      for (const entry of entries) {
        const path = join(dir, entry.name);
        const name = prefix ? `${prefix}/${entry.name}` : entry.name;
        if (entry.isDirectory) await walk(path, name);
        else files.set(name, await Deno.readTextFile(path));
      }
    };
    await walk(heads, "");
    return files;
  }

  /** Asserts that `ostree fsck` finds the repository clean. */
  async assertFsckClean(): Promise<void> {
    const result = await runTool("ostree", ["fsck", `--repo=${this.repo}`]);
    assert.equal(result.code, 0, `ostree fsck failed:\n${result.stdout}${result.stderr}`);
    assert.doesNotMatch(result.stdout + result.stderr, /corrupt|missing|error:/i);
  }

  /** Entries of a directory inside the workspace; empty when it does not exist. */
  async list(relative: string): Promise<string[]> {
    try {
      return (await Array.fromAsync(Deno.readDir(this.path(relative)))).map((e) => e.name).sort();
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return [];
      throw error;
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await Deno.remove(this.dir, { recursive: true }).catch(() => {});
  }
}

/** Runs a host tool and returns its exit code and output. */
export async function runTool(
  program: string,
  args: string[],
  cwd?: string,
): Promise<CliResult> {
  const output = await new Deno.Command(program, { args, cwd, stdout: "piped", stderr: "piped" })
    .output();
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
}

/** Runs `ostree ARGS…` and returns its stdout; fails the test when it fails. */
export async function ostree(args: string[]): Promise<string> {
  const result = await runTool("ostree", args);
  assert.equal(result.code, 0, `ostree ${args.join(" ")} failed: ${result.stderr}`);
  return result.stdout;
}

/** The ContentChecksum line of `ostree show REF`. */
export async function contentChecksum(repo: string, ref: string): Promise<string> {
  const shown = await ostree(["show", `--repo=${repo}`, ref]);
  const match = shown.match(/^ContentChecksum:\s+([0-9a-f]{64})$/m);
  assert.ok(match, `no ContentChecksum in:\n${shown}`);
  return match[1];
}

/** A commit metadata value of REF (`ostree show --print-metadata-key`), unquoted. */
export async function commitMetadata(repo: string, ref: string, key: string): Promise<string> {
  const value = await ostree(["show", `--repo=${repo}`, `--print-metadata-key=${key}`, ref]);
  return value.trim().replace(/^'(.*)'$/, "$1");
}

/** The sha256 of a file, read as a stream. */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  using file = await Deno.open(path);
  for await (const chunk of file.readable) hash.update(chunk);
  return hash.digest("hex");
}

/** Writes `files` into a fresh directory and packs them as the gzip tarball `target`. */
export async function makeTarball(
  target: string,
  files: Record<string, string>,
): Promise<void> {
  const staging = await Deno.makeTempDir({ prefix: "2nex-e2e-tar-" });
  try {
    for (const [name, text] of Object.entries(files)) {
      await Deno.mkdir(dirname(join(staging, name)), { recursive: true });
      await Deno.writeTextFile(join(staging, name), text);
    }
    await Deno.mkdir(dirname(target), { recursive: true });
    const result = await runTool("tar", ["-czf", target, "-C", staging, ...Object.keys(files)]);
    assert.equal(result.code, 0, `tar failed: ${result.stderr}`);
  } finally {
    await Deno.remove(staging, { recursive: true });
  }
}

/** Asserts that a CLI error is a user diagnostic, never a stack trace. */
export function assertNoStackTrace(stderr: string): void {
  assert.ok(!stderr.includes("    at "), `stack trace in stderr:\n${stderr}`);
  assert.ok(!stderr.includes("Stack backtrace"), `Rust backtrace in stderr:\n${stderr}`);
  assert.ok(!stderr.includes("internal error"), `internal error in stderr:\n${stderr}`);
}

/** Polls `condition` every 50 ms until it holds; fails after `timeoutMs`. */
export async function waitFor(
  what: string,
  condition: () => Promise<boolean> | boolean,
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * Process ids whose command line contains `marker`, from `ps` (Deno reads /proc
 * only with --allow-all). The `ps` process itself is left out.
 */
export async function processesWith(marker: string): Promise<number[]> {
  const result = await runTool("ps", ["-eo", "pid=,args="]);
  assert.equal(result.code, 0, `ps failed: ${result.stderr}`);
  return result.stdout.split("\n")
    .map((line) => line.trim().match(/^(\d+)\s+(.*)$/))
    .filter((m): m is RegExpMatchArray => m !== null)
    .filter(([, , args]) => args.includes(marker) && !args.startsWith("ps "))
    .map(([, pid]) => Number(pid));
}

/** The manifest of a small package, as YAML text. */
export interface PackageSpec {
  slug: string;
  version?: string;
  description?: string;
  checksum?: string;
  stableChecksum?: boolean;
  sandbox?: "host" | "hermetic";
  shell?: string;
  /** Slugs of dependencies. */
  deps?: string[];
  sources?: Array<{ name: string; file?: string; url?: string; sha256: string }>;
  env?: Record<string, string>;
  timeout?: number;
  script: string;
  /** Output name → paths; default `{ all: ["/**"] }`. */
  outputs?: Record<string, string[]>;
  /** Bundle name → outputs; default `{ default: [first output] }`. */
  bundles?: Record<string, string[]>;
}

/** Renders a PackageSpec as a manifest (JSON strings are valid YAML scalars). */
export function packageYaml(spec: PackageSpec): string {
  const q = (s: string) => JSON.stringify(s);
  const outputs = spec.outputs ?? { all: ["/**"] };
  const bundles = spec.bundles ?? { default: [Object.keys(outputs)[0]] };
  const lines = [
    "package:",
    "  schema: 1",
    `  slug: ${spec.slug}`,
    `  version: ${q(spec.version ?? "1.0")}`,
  ];
  if (spec.description !== undefined) lines.push(`  description: ${q(spec.description)}`);
  if (spec.checksum !== undefined) lines.push(`  checksum: ${spec.checksum}`);
  if (spec.stableChecksum !== undefined) lines.push(`  stable_checksum: ${spec.stableChecksum}`);
  if (spec.sources?.length) {
    lines.push("sources:");
    for (const s of spec.sources) {
      lines.push(`  - name: ${s.name}`);
      if (s.file !== undefined) lines.push(`    file: ${q(s.file)}`);
      if (s.url !== undefined) lines.push(`    url: ${q(s.url)}`);
      lines.push(`    sha256: ${s.sha256}`);
    }
  }
  if (spec.deps?.length) {
    lines.push("dependencies:");
    for (const d of spec.deps) lines.push(`  - name: ${d}`);
  }
  lines.push("build:", `  sandbox: ${spec.sandbox ?? "host"}`);
  if (spec.shell !== undefined) lines.push(`  shell: ${spec.shell}`);
  if (spec.timeout !== undefined) lines.push(`  timeout: ${spec.timeout}`);
  if (spec.env) {
    lines.push("  env:");
    for (const [k, v] of Object.entries(spec.env)) lines.push(`    ${k}: ${q(v)}`);
  }
  lines.push("  script: |");
  for (const line of spec.script.trimEnd().split("\n")) lines.push(`    ${line}`);
  lines.push("outputs:");
  for (const [name, paths] of Object.entries(outputs)) {
    lines.push(`  ${name}: [${paths.map(q).join(", ")}]`);
  }
  lines.push("bundles:");
  for (const [name, members] of Object.entries(bundles)) {
    lines.push(`  ${name}: [${members.join(", ")}]`);
  }
  return lines.join("\n") + "\n";
}

/** The summary `build --json` prints. */
export interface BuildSummary {
  packages: Array<{
    slug: string;
    status: "built" | "cached" | "checked" | "failed" | "skipped" | "mismatch";
    inputKey: string | null;
    outputHash: string | null;
    expectedHash: string | null;
    seconds: number;
    error: string | null;
    hashUpdated: boolean;
    job: string | null;
  }>;
  built: number;
  cached: number;
  failed: number;
  skipped: number;
}

/** Parses the JSON summary of `build --json`, failing with the CLI's output if it is not JSON. */
export function buildSummary(result: CliResult): BuildSummary {
  try {
    return JSON.parse(result.stdout) as BuildSummary;
  } catch {
    assert.fail(
      `build --json printed no JSON (exit ${result.code}):\n${result.stdout}\n${result.stderr}`,
    );
  }
}

/** The status of each package in a summary, by slug. */
export function statuses(summary: BuildSummary): Record<string, string> {
  return Object.fromEntries(summary.packages.map((p) => [p.slug, p.status]));
}

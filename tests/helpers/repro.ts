/**
 * Helpers for the end-to-end tests of `build --rounds`, `build --check`, `2nex diff`
 * and hash-mismatch reports: throw-away workspaces holding a chosen few of the
 * manifests in tests/fixtures/repro/, the CLI run with the `2nex` task's flags (or
 * some of them left out), the refs of the repository, and the report a run points
 * to. A test that needs a tool this host lacks is skipped on a developer machine and
 * fails in CI (CI=true).
 * @module
 */
import assert from "node:assert/strict";
import { join, relative } from "node:path";
import { cliArgv, type CliResult, repoRoot, twonex } from "./cli.ts";
import { inCi, missingTools } from "./e2e.ts";

/** Where the manifests and C sources of these tests live. */
export const REPRO_FIXTURES = join(repoRoot, "tests/fixtures/repro");

/** Output of a CLI run: both streams together, in the order stdout then stderr. */
export interface ReproResult extends CliResult {
  /** stdout followed by stderr: the whole terminal text. */
  all: string;
}

/** A temporary workspace; `dispose` removes it (and anything mounted under it is gone). */
export interface ReproWorkspace {
  dir: string;
  /** The ostree repository of the workspace. */
  repo: string;
  /** Runs `2nex ARGS…` in the workspace. `withoutFlags` drops task flags (e.g. `--allow-net`). */
  run(args: string[], options?: { withoutFlags?: string[] }): Promise<ReproResult>;
  dispose(): Promise<void>;
}

/** The workspace config: CFLAGS like the project's own, one package at a time. */
const WORKSPACE_CONFIG = `manifests: [manifests]
repo: .2nex/repo
cache: .2nex/cache
jobs: 1
source_date_epoch: 1704067200
env:
  CFLAGS: "-O2 -pipe -frandom-seed=2nex"
`;

/**
 * Makes a workspace holding the fixture manifests `slugs` (tests/fixtures/repro/SLUG.yaml)
 * and every C source of the fixtures (the manifests name them as `file:` sources).
 */
export async function reproWorkspace(slugs: string[]): Promise<ReproWorkspace> {
  const dir = await Deno.makeTempDir({ prefix: "2nex-repro-build-" });
  const manifests = join(dir, "manifests");
  await Deno.mkdir(manifests);
  await Deno.writeTextFile(join(dir, "2nex.yaml"), WORKSPACE_CONFIG);
  for (const slug of slugs) {
    await Deno.copyFile(join(REPRO_FIXTURES, `${slug}.yaml`), join(manifests, `${slug}.yaml`));
  }
  for await (const entry of Deno.readDir(REPRO_FIXTURES)) {
    if (entry.isFile && entry.name.endsWith(".c")) {
      await Deno.copyFile(join(REPRO_FIXTURES, entry.name), join(manifests, entry.name));
    }
  }
  return {
    dir,
    repo: join(dir, ".2nex/repo"),
    run: (args, options = {}) => runTwonex(args, dir, options.withoutFlags ?? []),
    dispose: () => Deno.remove(dir, { recursive: true }),
  };
}

/** Runs the body with a fresh workspace of `slugs`, removed afterwards whatever happens. */
export async function withReproWorkspace(
  slugs: string[],
  body: (ws: ReproWorkspace) => Promise<void>,
): Promise<void> {
  const ws = await reproWorkspace(slugs);
  try {
    await body(ws);
  } finally {
    await ws.dispose();
  }
}

async function runTwonex(
  args: string[],
  cwd: string,
  withoutFlags: string[],
): Promise<ReproResult> {
  let result: CliResult;
  if (withoutFlags.length === 0) {
    result = await twonex(args, { cwd });
  } else {
    const argv = cliArgv().filter((word, index) =>
      index < 2 || !withoutFlags.some((flag) => word === flag || word.startsWith(`${flag}=`))
    );
    for (const flag of withoutFlags) {
      assert.ok(!argv.some((word) => word.startsWith(flag)), `flag ${flag} still present`);
    }
    const output = await new Deno.Command(argv[0], {
      args: [...argv.slice(1), ...args],
      cwd,
      env: { NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const decoder = new TextDecoder();
    result = {
      code: output.code,
      stdout: decoder.decode(output.stdout),
      stderr: decoder.decode(output.stderr),
    };
  }
  return { ...result, all: `${result.stdout}${result.stderr}` };
}

/** Every ref of a repository (relative path under refs/heads → commit); empty if none. */
export async function refSnapshot(repo: string): Promise<Map<string, string>> {
  const heads = join(repo, "refs/heads");
  const refs = new Map<string, string>();
  async function walk(dir: string): Promise<void> {
    let entries: Deno.DirEntry[];
    try {
      entries = await Array.fromAsync(Deno.readDir(dir));
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return;
      throw error;
    }
    for (const entry of entries) {
      const path = join(dir, entry.name);
      if (entry.isDirectory) await walk(path);
      else refs.set(relative(heads, path), (await Deno.readTextFile(path)).trim());
    }
  }
  await walk(heads);
  return refs;
}

/** The refs (tree, outputs, bundles) of package `slug`, sorted. */
export async function packageRefNames(repo: string, slug: string): Promise<string[]> {
  return [...(await refSnapshot(repo)).keys()]
    .filter((ref) => ref.split("/")[1] === slug)
    .sort();
}

/** The path printed after "report: " (the last one when there are several). */
export function reportPath(output: string): string {
  const paths = [...output.matchAll(/report: (\S+)/g)].map((match) => match[1]);
  assert.ok(paths.length > 0, `no "report: PATH" in the output:\n${output}`);
  return paths[paths.length - 1];
}

/** One changed file of report.json. */
export interface ReportChange {
  path: string;
  differs: string[];
  firstDifference?: number;
}

/** What a run's report holds: its text and the parts of report.json the tests read. */
export interface ReadReport {
  textPath: string;
  text: string;
  json: {
    format: string;
    changed: ReportChange[];
    added: Array<{ path: string }>;
    removed: Array<{ path: string }>;
    notes: string[];
    diffoscope: { status: string; results: Array<{ path: string; text: string }> };
  };
}

/** Reads report.txt (at the path the output printed) and the report.json beside it. */
export async function readReport(output: string): Promise<ReadReport> {
  const textPath = reportPath(output);
  const text = await Deno.readTextFile(textPath);
  const json = JSON.parse(await Deno.readTextFile(join(textPath, "..", "report.json")));
  return { textPath, text, json };
}

/**
 * Asserts that a `--rounds`/`--check` run caught the package as unreproducible: exit 3,
 * the terminal summary names `file` as changed, and so do report.txt and report.json.
 */
export async function assertCaught(result: ReproResult, file: string): Promise<ReadReport> {
  assert.equal(result.code, 3, `expected exit 3 (rounds differ), got:\n${result.all}`);
  assert.match(result.all, /is not reproducible/);
  assert.ok(
    result.all.includes(`changed ${file}: `),
    `the terminal summary does not name ${file}:\n${result.all}`,
  );
  const report = await readReport(result.all);
  assert.ok(
    report.text.includes(`\n  ${file}\n`),
    `report.txt does not list ${file} as changed:\n${report.text}`,
  );
  assert.deepEqual(report.json.changed.map((change) => change.path), [file]);
  return report;
}

/** Asserts that a run passed (exit 0), showing its output when it did not. */
export function assertPassed(result: ReproResult): void {
  assert.equal(result.code, 0, `expected exit 0, got ${result.code}:\n${result.all}`);
}

/**
 * Registers a test that needs `tools`: skipped locally when one is missing, failed in
 * CI, naming what to install.
 */
export async function reproTest(
  name: string,
  tools: string[],
  fn: () => Promise<void>,
): Promise<void> {
  const missing = await missingTools(tools);
  Deno.test({
    name,
    ignore: missing.length > 0 && !inCi,
    fn: async () => {
      if (missing.length > 0) {
        assert.fail(
          `missing tools: ${missing.join(", ")} (scripts/test.sh installs them)`,
        );
      }
      await fn();
    },
  });
}

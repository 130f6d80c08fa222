/**
 * Seeded fuzzing of manifest loading and of source names (issue 14): random
 * YAML-ish texts and mutations of a valid manifest go through the real loader
 * and validator, random URLs and paths through the source-name functions.
 * Nothing may throw, print a stack trace or take long; every diagnostic has a
 * position; every manifest that loads has only safe source names and paths;
 * every name the source-name functions give is one safe path segment.
 *
 * Each test runs for FUZZ_MS milliseconds (default 1500). The seed is
 * FUZZ_SEED (default fixed, so CI is repeatable); a failure names the seed and
 * the case, and `FUZZ_SEED=<seed> deno test -A tests/unit/manifest_fuzz_test.ts`
 * replays it (with a FUZZ_MS long enough to get to that case on the machine).
 */
import assert from "node:assert/strict";
import { basename, dirname, join } from "node:path";
import { loadManifestText } from "../../lib/manifest/load.ts";
import { loadYamlLibrary } from "../../lib/manifest/yaml_library.ts";
import { pathTextProblem, urlPathProblem } from "../../lib/manifest/path_text.ts";
import {
  isPathSegment,
  isSafeFileName,
  localFileName,
  MAX_FILE_NAME_BYTES,
  sourceFileName,
  urlFileName,
} from "../../lib/source/file_name.ts";

const SEED = Number(Deno.env.get("FUZZ_SEED") ?? 20261204);
const BUDGET_MS = Number(Deno.env.get("FUZZ_MS") ?? 1500);
/** One input that takes this long is a hang as far as a user can tell. */
const SLOW_CASE_MS = 2000;

/** Seeded generator (mulberry32): the same seed gives the same inputs everywhere. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Helpers over one generator. */
class Dice {
  readonly next: () => number;
  constructor(seed: number) {
    this.next = random(seed);
  }
  below(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(items: readonly T[]): T {
    return items[this.below(items.length)];
  }
}

/**
 * Runs `check(dice, index)` over and over for the time budget. A failure is
 * rethrown with the seed and the case number, so it can be replayed.
 */
async function fuzz(
  what: string,
  check: (dice: Dice, index: number) => string | undefined | Promise<string | undefined>,
): Promise<number> {
  const dice = new Dice(SEED);
  const deadline = performance.now() + BUDGET_MS;
  let index = 0;
  for (; performance.now() < deadline; index++) {
    const started = performance.now();
    let input: string | undefined;
    try {
      input = await check(dice, index);
    } catch (error) {
      const shown = error instanceof Error ? error.stack ?? error.message : String(error);
      assert.fail(`${what}: FUZZ_SEED=${SEED}, case ${index} failed:\n${shown}`);
    }
    const took = performance.now() - started;
    assert.ok(
      took < SLOW_CASE_MS,
      `${what}: FUZZ_SEED=${SEED}, case ${index} took ${Math.round(took)} ms: ${
        JSON.stringify(input)
      }`,
    );
  }
  assert.ok(index > 50, `${what}: only ${index} cases in ${BUDGET_MS} ms`);
  return index;
}

/** Texts that hurt paths, URLs or YAML. */
const HOSTILE = [
  "..",
  "../",
  "%2e%2e%2f",
  "%2E%2E",
  "%2F",
  "%2f",
  "%00",
  "%0a",
  "%5c",
  "\0",
  "\n",
  "\r",
  "\t",
  "\\",
  "/",
  "//",
  "/etc/shadow",
  "%",
  "%zz",
  "?",
  "#",
  "é",
  "\u{1F600}",
  "\ud800",
  "x".repeat(300),
  "${{ package.version }}",
  "${{",
  "}}",
];

// ---- manifests --------------------------------------------------------------

const VALID = `package:
  schema: 1
  name: Demo
  slug: demo
  version: "1.0"
  flavor: bootstrap/phase1
vars:
  tarball: demo-\${{ package.version }}.tar.gz
sources:
  - name: main
    url: https://example.org/releases/\${{ vars.tarball }}
    sha256: 63aede5c6d33b6d9b13511cd0be2cac046f2e70fd0a07aa9573a04a82783af96
  - name: patch
    file: patches/fix.patch
    sha256: 1111111111111111111111111111111111111111111111111111111111111111
dependencies:
  - name: toolchain
    bundle: dev
build:
  sandbox: host
  env: { FOO: bar }
  script: |
    tar -xf "$SOURCE_main" -C "$WORK_DIR"
outputs:
  bin: [/usr/bin/demo]
  doc: ["/usr/share/**"]
  discard: [/usr/share/info/dir]
bundles:
  dev: [bin]
  default: [bin, doc]
`;

/** Pieces random YAML is made of: structure, keys of the schema, and hostile values. */
const YAML_TOKENS = [
  ...HOSTILE,
  "\n",
  "\n  ",
  "\n    ",
  ": ",
  "- ",
  "{",
  "}",
  "[",
  "]",
  ", ",
  "'",
  '"',
  "#",
  "&a ",
  "*a",
  "<<: *a",
  "!!str ",
  "!!binary ",
  "|",
  ">-",
  "---",
  "...",
  "~",
  "null",
  "true",
  "1e999",
  "0x1F",
  "package",
  "schema",
  "slug",
  "version",
  "sources",
  "name",
  "url",
  "file",
  "sha256",
  "outputs",
  "bundles",
  "discard",
  "build",
  "script",
  "vars",
  "https://h.example/a/",
  "1111111111111111111111111111111111111111111111111111111111111111",
];

/** A new text from random tokens. */
function randomYaml(dice: Dice): string {
  let text = "";
  for (let n = dice.below(80); n > 0; n--) text += dice.pick(YAML_TOKENS);
  return text;
}

/** Lines of the valid manifest that end in a plain value (`key: value`). */
const VALUE_LINES = VALID.split("\n").map((line, index) => ({ line, index }))
  .filter(({ line }) => /^\s*(- )?[a-z_]+: [^|{\[]/.test(line));

/** The valid manifest with one value replaced: the structure stays, so many still load. */
function substitutedYaml(dice: Dice): string {
  const lines = VALID.split("\n");
  const { line, index } = dice.pick(VALUE_LINES);
  const colon = line.indexOf(": ");
  let value = "";
  for (let n = 1 + dice.below(3); n > 0; n--) {
    value += dice.below(2) === 0 ? dice.pick(HOSTILE) : dice.pick(["a", "b.tar", "/usr/x", "."]);
  }
  lines[index] = line.slice(0, colon + 2) + JSON.stringify(value);
  return lines.join("\n");
}

/** The valid manifest changed in a few random places. */
function mutatedYaml(dice: Dice): string {
  let text = VALID;
  for (let n = 1 + dice.below(3); n > 0; n--) {
    const at = dice.below(text.length + 1);
    switch (dice.below(5)) {
      case 0: // Delete a stretch.
        text = text.slice(0, at) + text.slice(at + dice.below(20));
        break;
      case 1: // Insert a token.
        text = text.slice(0, at) + dice.pick(YAML_TOKENS) + text.slice(at);
        break;
      case 2: { // Replace a value at the end of a line with a hostile one.
        const lineEnd = text.indexOf("\n", at);
        const colon = text.lastIndexOf(": ", lineEnd);
        if (colon >= 0 && lineEnd > colon) {
          const value = JSON.stringify(dice.pick(HOSTILE) + dice.pick(HOSTILE));
          text = text.slice(0, colon + 2) + value + text.slice(lineEnd);
        }
        break;
      }
      case 3: { // Duplicate a line elsewhere.
        const lines = text.split("\n");
        lines.splice(dice.below(lines.length), 0, dice.pick(lines));
        text = lines.join("\n");
        break;
      }
      default: // Replace one character with a random one.
        text = text.slice(0, at) + String.fromCharCode(dice.below(0x80)) + text.slice(at + 1);
    }
  }
  return text;
}

/** What must hold for the loader's result, whatever the text; true when a manifest loaded. */
async function checkLoad(text: string): Promise<boolean> {
  const { manifest, diagnostics } = await loadManifestText("/ws/manifests/fuzz.yaml", text);
  for (const d of diagnostics) {
    assert.equal(d.file, "/ws/manifests/fuzz.yaml");
    assert.ok(Number.isInteger(d.line) && d.line >= 0, `line ${d.line}`);
    assert.ok(Number.isInteger(d.col) && d.col >= 0, `col ${d.col}`);
    assert.ok(d.message.length > 0, "an empty message");
    for (const part of [d.message, d.hint ?? ""]) {
      assert.ok(!/\n\s+at /.test(part), `a stack trace in a diagnostic: ${part}`);
    }
  }
  if (manifest === undefined) {
    assert.ok(diagnostics.some((d) => d.severity === "error"), "no manifest, yet no error");
    return false;
  }
  for (const source of manifest.sources) {
    assert.ok(isPathSegment(source.name), `source name ${JSON.stringify(source.name)}`);
    assertOneSegment(sourceFileName(source));
    if (source.url !== undefined) {
      assert.equal(urlPathProblem(source.url), undefined, source.url);
    }
    if (source.file !== undefined) {
      assert.ok(!source.file.startsWith("/"), `absolute file ${source.file}`);
      assert.equal(pathTextProblem(source.file), undefined, source.file);
    }
  }
  for (const paths of Object.values(manifest.outputs)) {
    for (const path of paths) assert.equal(pathTextProblem(path), undefined, path);
  }
  for (const name of Object.keys(manifest.bundles)) assertOneSegment(name);
  return true;
}

Deno.test("fuzz: random and mutated manifests load without throwing, and what loads is safe", async () => {
  await loadYamlLibrary(); // loading it is not part of the first case's time
  const valid = await loadManifestText("/ws/manifests/fuzz.yaml", VALID);
  assert.equal(valid.manifest?.sources.length, 2);
  let loaded = 0;
  const cases = await fuzz("manifest loading", async (dice, index) => {
    const kind = index % 3;
    const text = kind === 0
      ? randomYaml(dice)
      : kind === 1
      ? mutatedYaml(dice)
      : substitutedYaml(dice);
    if (await checkLoad(text)) loaded++;
    return text;
  });
  // The checks on loaded manifests must have had something to check.
  assert.ok(loaded >= 10 && loaded > cases / 20, `only ${loaded} of ${cases} texts loaded`);
  console.log(`manifest loading: ${cases} texts, ${loaded} loaded (FUZZ_SEED=${SEED})`);
});

// ---- source names and URLs -------------------------------------------------

/** Asserts that `name`, joined to a directory, is exactly one entry of it. */
function assertOneSegment(name: string): void {
  assert.ok(isSafeFileName(name), `unsafe name ${JSON.stringify(name)}`);
  const path = join("/d", name);
  assert.equal(dirname(path), "/d", `${JSON.stringify(name)} leaves its directory`);
  assert.equal(basename(path), name, `${JSON.stringify(name)} is not kept as it is`);
  // deno-lint-ignore no-control-regex -- control characters are what it looks for
  assert.ok(!/[\0-\x1f\x7f]/.test(name), `control character in ${JSON.stringify(name)}`);
  assert.ok(new TextEncoder().encode(name).length <= MAX_FILE_NAME_BYTES, "name too long");
}

const URL_PIECES = [...HOSTILE, "a", "Z9", ".", "-", "_", "~", "@", ":", "[::1]", "%41", "%C3%A9"];

function randomUrl(dice: Dice): string {
  let rest = "";
  for (let n = dice.below(14); n > 0; n--) rest += dice.pick(URL_PIECES);
  const host = dice.pick(["h.example", "127.0.0.1:8080", "", "a@b", "[::1]"]);
  return `${dice.pick(["https", "http", "HTTPS", "ftp"])}://${host}/${rest}`;
}

Deno.test("fuzz: every file name taken from a URL or a path is one safe path segment", async () => {
  const cases = await fuzz("source names", (dice) => {
    const url = randomUrl(dice);
    const fromUrl = urlFileName(url);
    if (fromUrl !== undefined) assertOneSegment(fromUrl);
    urlPathProblem(url);
    let file = "";
    for (let n = dice.below(8); n > 0; n--) file += dice.pick(URL_PIECES);
    const fromFile = localFileName(file);
    if (fromFile !== undefined) assertOneSegment(fromFile);
    pathTextProblem(file);
    const name = dice.below(3) === 0 ? dice.pick(HOSTILE) : "src";
    assertOneSegment(sourceFileName({ name, url }));
    assertOneSegment(sourceFileName({ name, file }));
    assertOneSegment(sourceFileName({ name }));
    return `${url} | ${file} | ${name}`;
  });
  console.log(`source names: ${cases} cases (FUZZ_SEED=${SEED})`);
});

/**
 * Parsing manifests: the fast subset parser (lib/manifest/fast_yaml.ts) against
 * the `yaml` library's `parseDocument` with the loader's options, side by side,
 * on 10,000 manifests shaped like scripts/bench/gen-workspace.ts writes them
 * (made in memory; each bench iteration parses the next one).
 *
 * @example
 * ```sh
 * deno bench --allow-read --allow-env scripts/bench/yaml_bench.ts
 * ```
 * @module
 */
import { LineCounter, parseDocument } from "yaml";
import { fastParseDocument } from "../../lib/manifest/fast_yaml.ts";
import { dagManifest } from "./gen-workspace.ts";

const COUNT = 10_000;

/** mulberry32, as in gen-workspace.ts: the same manifests on every run. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function manifests(): string[] {
  const random = seededRandom(1);
  const texts: string[] = [];
  for (let index = 0; index < COUNT; index++) {
    const wanted = Math.min(index, 3 + Math.floor(random() * 5));
    const deps = new Set<number>();
    while (deps.size < wanted) deps.add(Math.floor(random() * index));
    texts.push(dagManifest(index, [...deps].sort((a, b) => a - b), random));
  }
  return texts;
}

const texts = manifests();
const totalKiB = texts.reduce((sum, text) => sum + text.length, 0) / 1024;
console.log(`${COUNT} manifests, ${(totalKiB / COUNT).toFixed(2)} KiB each on average`);
// Every one must take the fast path, or the comparison says nothing.
if (texts.some((text) => fastParseDocument(text) === undefined)) {
  throw new Error("a generated manifest fell back to parseDocument");
}

let libraryIndex = 0;
let fastIndex = 0;

Deno.bench({
  name: "parseDocument (yaml library), one manifest",
  group: "parse one manifest",
  baseline: true,
  fn() {
    const text = texts[libraryIndex++ % COUNT];
    parseDocument(text, {
      lineCounter: new LineCounter(),
      uniqueKeys: true,
      prettyErrors: false,
      strict: true,
    });
  },
});

Deno.bench({
  name: "fastParseDocument, one manifest",
  group: "parse one manifest",
  fn() {
    fastParseDocument(texts[fastIndex++ % COUNT]);
  },
});

Deno.bench({
  name: "fastParseDocument, all 10,000 manifests",
  group: "parse all",
  n: 5,
  fn() {
    for (const text of texts) fastParseDocument(text);
  },
});

/**
 * Differential tests of lib/manifest/fast_yaml.ts: on every manifest of the
 * repository, a generated workspace and seeded random documents, the fast
 * parser either falls back (undefined) or builds 2nex nodes (yaml_node.ts)
 * equal to those yaml_adapter.ts makes of the `yaml` library's document (kinds,
 * values, sources, styles, flow, ranges, order), and their data equals the
 * library's own `toJS`.
 */
import assert from "node:assert/strict";
import { type Document, LineCounter, parseDocument } from "yaml";
import { join } from "node:path";
import { fastParseDocument } from "../../lib/manifest/fast_yaml.ts";
import { adaptDocument } from "../../lib/manifest/yaml_adapter.ts";
import type { YamlNode } from "../../lib/manifest/yaml_node.ts";
import { dagManifest } from "../../scripts/bench/gen-workspace.ts";

const REPO = new URL("../../", import.meta.url).pathname;

function reference(text: string): Document.Parsed {
  return parseDocument(text, {
    lineCounter: new LineCounter(),
    uniqueKeys: true,
    prettyErrors: false,
    strict: true,
  });
}

/** The first difference between two node trees, described with its path; undefined when equal. */
export function nodeDifference(
  fast: YamlNode | null,
  ref: YamlNode | null,
  path = "$",
): string | undefined {
  if (fast === null || ref === null) {
    return fast === ref ? undefined : `${path}: ${fast?.kind ?? "null"} vs ${ref?.kind ?? "null"}`;
  }
  if (fast.kind !== ref.kind) return `${path}: ${fast.kind} vs ${ref.kind}`;
  if (JSON.stringify(fast.range) !== JSON.stringify(ref.range)) {
    return `${path}.range: ${JSON.stringify(fast.range)} vs ${JSON.stringify(ref.range)}`;
  }
  if (fast.kind === "scalar" && ref.kind === "scalar") {
    if (!Object.is(fast.value, ref.value)) {
      return `${path}.value: ${String(fast.value)} vs ${String(ref.value)}`;
    }
    if (typeof fast.value !== typeof ref.value) return `${path}: value types differ`;
    if (fast.source !== ref.source) {
      return `${path}.source: ${JSON.stringify(fast.source)} vs ${JSON.stringify(ref.source)}`;
    }
    if (fast.style !== ref.style) return `${path}.style: ${fast.style} vs ${ref.style}`;
    return undefined;
  }
  if (fast.kind === "seq" && ref.kind === "seq") {
    if (fast.flow !== ref.flow) return `${path}.flow: ${fast.flow} vs ${ref.flow}`;
    if (fast.items.length !== ref.items.length) {
      return `${path}: ${fast.items.length} vs ${ref.items.length} items`;
    }
    for (let i = 0; i < fast.items.length; i++) {
      const diff = nodeDifference(fast.items[i], ref.items[i], `${path}[${i}]`);
      if (diff) return diff;
    }
    return undefined;
  }
  if (fast.kind === "map" && ref.kind === "map") {
    if (fast.flow !== ref.flow) return `${path}.flow: ${fast.flow} vs ${ref.flow}`;
    if (fast.pairs.length !== ref.pairs.length) {
      return `${path}: ${fast.pairs.length} vs ${ref.pairs.length} pairs`;
    }
    for (let i = 0; i < fast.pairs.length; i++) {
      const diff = nodeDifference(fast.pairs[i].key, ref.pairs[i].key, `${path}{${i}}.key`) ??
        nodeDifference(fast.pairs[i].value, ref.pairs[i].value, `${path}{${i}}.value`);
      if (diff) return diff;
    }
    return undefined;
  }
  return `${path}: an alias`; // the fast parser makes none
}

interface Outcome {
  fallback: boolean;
  /** Set when the fast result differs from the library's. */
  difference?: string;
}

/** Compares the fast parser with `parseDocument` on one text. */
function differential(text: string): Outcome {
  const fast = fastParseDocument(text);
  if (fast === undefined) return { fallback: true };
  const ref = reference(text);
  if (ref.errors.length > 0 || ref.warnings.length > 0) {
    const first = ref.errors[0] ?? ref.warnings[0];
    return { fallback: false, difference: `library reports ${first.code}: ${first.message}` };
  }
  const tree = nodeDifference(fast.contents, adaptDocument(ref));
  if (tree) return { fallback: false, difference: tree };
  if (JSON.stringify(fast.range) !== JSON.stringify(ref.range)) {
    return {
      fallback: false,
      difference: `doc.range ${JSON.stringify(fast.range)} vs ${JSON.stringify(ref.range)}`,
    };
  }
  const js = JSON.stringify(plainData(fast.contents), replacer);
  const refJs = JSON.stringify(ref.toJS(), replacer);
  if (js !== refJs) return { fallback: false, difference: `toJS ${js} vs ${refJs}` };
  return { fallback: false };
}

/** What the library's `toJS` gives for a tree of nodes: maps as objects, their keys as text. */
function plainData(node: YamlNode | null): unknown {
  if (node === null) return null;
  if (node.kind === "scalar") return node.value;
  if (node.kind === "seq") return node.items.map(plainData);
  if (node.kind === "map") {
    const out: Record<string, unknown> = {};
    for (const pair of node.pairs) {
      const key = pair.key?.kind === "scalar" ? pair.key.value : undefined;
      out[key === null ? "" : String(key)] = plainData(pair.value);
    }
    return out;
  }
  return plainData(node.target ?? null);
}

/** Keeps NaN, infinities and -0 distinct in JSON comparisons. */
function replacer(_key: string, value: unknown): unknown {
  if (typeof value === "number" && (!Number.isFinite(value) || Object.is(value, -0))) {
    return `number:${Object.is(value, -0) ? "-0" : String(value)}`;
  }
  return value;
}

function assertSame(text: string, label: string): Outcome {
  const outcome = differential(text);
  if (outcome.difference) {
    throw new Error(`${label}: ${outcome.difference}\n--- text ---\n${text}\n------------`);
  }
  return outcome;
}

function yamlFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of Deno.readDirSync(dir)) {
    const path = join(dir, entry.name);
    if (entry.isDirectory) out.push(...yamlFiles(path));
    else if (entry.isFile && /\.ya?ml$/.test(entry.name)) out.push(path);
  }
  return out.sort();
}

Deno.test("fast YAML: every manifest and fixture of the repository", () => {
  const files = [
    ...yamlFiles(join(REPO, "manifests")),
    ...yamlFiles(join(REPO, "tests/fixtures")),
    join(REPO, "2nex.yaml"),
  ];
  let fast = 0;
  for (const file of files) {
    const outcome = assertSame(Deno.readTextFileSync(file), file);
    if (!outcome.fallback) fast++;
  }
  assert(files.length > 50, `found only ${files.length} files`);
  // Real manifests are in the subset: nearly all of them must take the fast path.
  assert(fast >= files.length - 8, `fast path taken for only ${fast} of ${files.length}`);
});

Deno.test("fast YAML: 300 manifests of a generated workspace take the fast path", () => {
  const random = seeded(7);
  for (let index = 0; index < 300; index++) {
    const deps = Array.from({ length: Math.min(index, 5) }, (_, i) => index - 1 - i);
    const text = dagManifest(index, deps, random);
    const outcome = assertSame(text, `generated manifest ${index}`);
    assert(!outcome.fallback, `generated manifest ${index} fell back`);
  }
});

Deno.test("fast YAML: the generator script's own workspace", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const { generateWorkspace } = await import("../../scripts/bench/gen-workspace.ts");
    const out = join(dir, "ws");
    await generateWorkspace({ count: 300, out, shape: "dag", deps: 5, seed: 3 });
    const files = yamlFiles(out);
    assert.equal(files.length, 301);
    for (const file of files) {
      const outcome = assertSame(Deno.readTextFileSync(file), file);
      assert(!outcome.fallback, `${file} fell back`);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("fast YAML: falls back on every construct outside the subset", () => {
  const outside: Record<string, string> = {
    anchor: "a: &x 1\nb: 2\n",
    alias: "a: 1\nb: *x\n",
    tag: "a: !!str 1\n",
    "local tag": "a: !foo bar\n",
    directive: "%YAML 1.2\n---\na: 1\n",
    "two documents": "a: 1\n---\nb: 2\n",
    "document end": "a: 1\n...\n",
    "complex key": "? a\n: b\n",
    "tab indentation": "a:\n\tb: 1\n",
    "tab after value": "a: 1\t# c\n",
    "duplicate key": "a: 1\na: 2\n",
    "duplicate key, quoted": "a: 1\n'a': 2\n",
    "duplicate flow key": "a: {b: 1, b: 2}\n",
    "multi-line plain": "a: one\n  two\n",
    "multi-line double quote": 'a: "one\n  two"\n',
    "multi-line single quote": "a: 'one\n  two'\n",
    "keep chomping": "a: |+\n  x\n\n",
    "indentation indicator": "a: |2\n   x\n",
    "flow key": "[a]: 1\n",
    "trailing comma": "a: [1, 2,]\n",
    "comment in flow": "a: [1, # one\n  2]\n",
    "empty document": "# nothing\n",
    "scalar document": "just text\n",
    "carriage return": "a: 1\r\nb: 2\r\n",
    "byte order mark": "\ufeffa: 1\n",
    "nested map on key line": "a: b: c\n",
    "bad escape": 'a: "\\q"\n',
    "value then deeper line": "a: 1\n  b: 2\n",
    "seq at map indent after value": "a: 1\n- 2\n",
    "empty value with comment": "a: # nothing\nb: 1\n",
    "empty block scalar": "a: |\nb: 1\n",
    "reserved start": "a: @x\n",
    "long key": `${"k".repeat(1100)}: 1\n`,
    "comment without space": 'a: "x"# c\n',
  };
  for (const [name, text] of Object.entries(outside)) {
    assert.equal(fastParseDocument(text), undefined, `${name} should fall back`);
  }
});

Deno.test("fast YAML: values, types and sources of the core schema", () => {
  const text = [
    "n1: null",
    "n2: Null",
    "n3: NULL",
    "n4: ~",
    "n5:",
    "b1: true",
    "b2: True",
    "b3: FALSE",
    "i1: 42",
    "i2: -7",
    "i3: +5",
    "i4: 0o17",
    "i5: 0x1F",
    "i6: 007",
    "f1: 1.10",
    "f2: .5",
    "f3: 1e3",
    "f4: -.inf",
    "f5: .NaN",
    "f6: 2.",
    "s1: 1.10.2",
    "s2: yes",
    "s3: 0x",
    "s4: '1.10'",
    's5: "tab\\there \\u00e9 \\x41 \\U0001F600 \\" \\\\"',
    "s6: 'it''s'",
    "s7: a#b",
    "l: |",
    "  line 1",
    "",
    "  line 3",
    "f: >-",
    "  folded",
    "  text",
    "",
    "  para",
    "",
  ].join("\n");
  const outcome = assertSame(text, "core schema");
  assert(!outcome.fallback);
  const doc = fastParseDocument(text)!;
  const js = plainData(doc.contents) as Record<string, unknown>;
  assert.equal(js.f1, 1.1);
});

Deno.test("fast YAML: the nodes are 2nex's plain data, no library classes", () => {
  const doc = fastParseDocument('package:\n  slug: m4\n  version: "1.4"\nlist: [a, b]\n')!;
  const root = doc.contents;
  assert.ok(root.kind === "map" && !root.flow);
  const [first, second] = root.pairs;
  assert.ok(first.key?.kind === "scalar" && first.value?.kind === "map");
  assert.ok(second.value?.kind === "seq" && second.value.flow);
  assert.equal(second.value.items[0]?.kind, "scalar");
  assert.equal(Object.getPrototypeOf(root), Object.prototype);
  assert.equal(Object.getOwnPropertySymbols(root).length, 0);
  assert.deepEqual(plainData(root), { package: { slug: "m4", version: "1.4" }, list: ["a", "b"] });
});

Deno.test("fast YAML: the comparison sees a changed range, value, style or order", () => {
  const text = "a: 1\nb: [x, 'y']\n";
  const ref = adaptDocument(reference(text));
  assert.equal(nodeDifference(fastParseDocument(text)!.contents, ref), undefined);
  const changes: Array<(root: YamlNode) => void> = [
    (root) => root.range[2]++,
    (root) =>
      root.kind === "map" && root.pairs[0].value?.kind === "scalar" &&
      (root.pairs[0].value.value = 2),
    (root) =>
      root.kind === "map" && root.pairs[1].value?.kind === "seq" &&
      root.pairs[1].value.items[1]?.kind === "scalar" &&
      (root.pairs[1].value.items[1].style = "QUOTE_DOUBLE"),
    (root) => root.kind === "map" && root.pairs.reverse(),
  ];
  for (const change of changes) {
    const fast = fastParseDocument(text)!.contents;
    change(fast);
    assert.ok(nodeDifference(fast, ref), `missed: ${change}`);
  }
});

Deno.test("fast YAML: seeded random documents agree with the library", () => {
  // FAST_YAML_FUZZ_COUNT / FAST_YAML_FUZZ_SEED run a longer or different campaign by hand.
  const random = seeded(Number(Deno.env.get("FAST_YAML_FUZZ_SEED") ?? "20240601"));
  let fast = 0;
  const total = Number(Deno.env.get("FAST_YAML_FUZZ_COUNT") ?? "4000");
  for (let i = 0; i < total; i++) {
    const text = randomDocument(random);
    const outcome = assertSame(text, `random document ${i}`);
    if (!outcome.fallback) fast++;
  }
  // The generator stays mostly inside the subset: the fast path must be exercised.
  assert(fast > total / 3, `fast path taken for only ${fast} of ${total}`);
});

/** mulberry32: the same seed gives the same documents. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)];
}

const PLAIN_WORDS = [
  "a",
  "b",
  "m4",
  "hello world",
  "1.4.19",
  "1.10",
  "42",
  "-7",
  "+5",
  "0o17",
  "0x1F",
  "007",
  "1e3",
  "-2.5E-3",
  ".inf",
  "-.Inf",
  ".nan",
  ".NaN",
  "2.",
  ".5",
  "1_000",
  "true",
  "False",
  "TRUE",
  "yes",
  "null",
  "Null",
  "~",
  "https://example.org/a/b-${{ vars.x }}.tar.gz",
  "http://host:8080/x",
  "--prefix=/usr",
  "-O2 -pipe",
  "a:b",
  "a#b",
  "x86_64/m4/1.4/main/bundles/dev",
  "${{ package.version }}",
  "/usr/share/**",
  "café",
  "😀 emoji",
  "a, b",
  "a [b] {c}",
];

/** Plain texts the fast path refuses (or that are errors). */
const PLAIN_OUTSIDE = [
  "?x",
  "-",
  ":x",
  "a: b",
  "&anchor x",
  "*alias",
  "!tag x",
  "@reserved",
  "%pct",
  "a\tb",
];

const QUOTED = [
  '""',
  "''",
  '"1.10"',
  "'x86_64'",
  '"a: b # not a comment"',
  "'it''s'",
  '"tab\\there"',
  '"\\u00e9\\x41\\U0001F600"',
  '"quote \\" and backslash \\\\"',
  '"\\/ \\0 \\a \\e \\N \\_ \\L \\P \\ "',
  '"\\ud800"',
];

const FLOW_PLAIN_WORDS = PLAIN_WORDS.filter((word) => !/[,[\]{}]/.test(word));

/** Quoted texts the fast path refuses (or that are errors). */
const QUOTED_OUTSIDE = [
  '"bad \\q escape"',
  "'multi\n  line'",
  '"multi\n  line"',
  '"unterminated',
  "'x' trailing",
];

const KEYS = [
  "name",
  "version",
  "url",
  "sha256",
  "a",
  "b",
  "c",
  "x-extra",
  "1",
  "true",
  "null",
  '"quoted key"',
  "'single'",
  "key with spaces",
  "a b",
];

/** Keys the fast path refuses. */
const KEYS_OUTSIDE = ["dup", "dup", "? complex", "[flow]", "&a key", "!!str k"];

/** Share of choices taken from the outside pools, set per document (0 for most of them). */
let outsideRate = 0;

/** An item of `inside`, or now and then (at `outsideRate`) one of `outside`. */
function choose(
  random: () => number,
  inside: readonly string[],
  outside: readonly string[],
): string {
  return random() < outsideRate ? pick(random, outside) : pick(random, inside);
}

function randomPlain(random: () => number): string {
  return choose(random, PLAIN_WORDS, PLAIN_OUTSIDE);
}

function randomFlow(random: () => number, depth: number): string {
  const isMap = random() < 0.4;
  const count = Math.floor(random() * 4);
  const parts: string[] = [];
  for (let i = 0; i < count; i++) {
    const value = depth < 2 && random() < 0.2
      ? randomFlow(random, depth + 1)
      : random() < 0.3
      ? choose(random, QUOTED, QUOTED_OUTSIDE)
      : choose(random, FLOW_PLAIN_WORDS, PLAIN_OUTSIDE);
    parts.push(isMap ? `${pick(random, ["a", "b", "c", "k1", '"q"', "a"])}: ${value}` : value);
  }
  const sep = pick(random, [", ", ",", " , ", ",\n      ", ", ", ",  "]);
  const body = parts.join(sep) + (random() < outsideRate ? "," : "");
  const pad = random() < 0.2 ? " " : "";
  return isMap ? `{${pad}${body}${pad}}` : `[${pad}${body}${pad}]`;
}

function randomBlockScalar(random: () => number, indent: string): string {
  const header = choose(random, ["|", "|-", ">", ">-", "| # note", ">-  "], ["|+", "|2", ">\t"]);
  const deeper = indent + pick(random, ["  ", "    ", " "]);
  const lines: string[] = [];
  const count = 1 + Math.floor(random() * 4);
  for (let i = 0; i < count; i++) {
    const roll = random();
    if (roll < 0.15) lines.push("");
    else if (roll < 0.22) lines.push(deeper + "  more indented");
    else if (roll < 0.27) lines.push(deeper + "# hash line");
    else if (roll < 0.3) lines.push(deeper.slice(1) + "  ");
    else lines.push(deeper + pick(random, ["echo hi", 'cd "$WORK_DIR"', "make -j4", "x: y"]));
  }
  if (random() < 0.3) lines.push("");
  return `${header}\n${lines.join("\n")}`;
}

/** A value for `key: VALUE` or `- VALUE`, as the text after the indicator (may span lines). */
function randomValue(random: () => number, indent: string, depth: number): string {
  const roll = random();
  const step = pick(random, ["  ", "  ", "    ", " "]);
  if (depth < 3 && roll < 0.25) return "\n" + randomMap(random, indent + step, depth + 1);
  if (depth < 3 && roll < 0.4) {
    const seqIndent = random() < 0.3 ? indent : indent + step;
    return "\n" + randomSeq(random, seqIndent, depth + 1);
  }
  if (roll < 0.5) return " " + randomFlow(random, 0);
  if (roll < 0.58) return " " + randomBlockScalar(random, indent);
  if (roll < 0.7) return " " + choose(random, QUOTED, QUOTED_OUTSIDE);
  if (roll < 0.74) return "";
  if (roll < 0.76) return "\n" + indent + step + randomPlain(random);
  return " " + randomPlain(random);
}

function randomMap(random: () => number, indent: string, depth: number): string {
  const count = 1 + Math.floor(random() * 4);
  const lines: string[] = [];
  const used = new Set<string>();
  for (let i = 0; i < count; i++) {
    let key = choose(random, KEYS, KEYS_OUTSIDE);
    if (used.has(key) && random() < 0.9) key = `${key}${i}`;
    used.add(key);
    const colon = random() < 0.05 ? " :" : ":";
    lines.push(`${indent}${key}${colon}${randomValue(random, indent, depth)}`);
  }
  return lines.join("\n");
}

function randomSeq(random: () => number, indent: string, depth: number): string {
  const count = 1 + Math.floor(random() * 4);
  const lines: string[] = [];
  for (let i = 0; i < count; i++) {
    const roll = random();
    const dash = random() < 0.1 ? "-   " : "- ";
    const inner = indent + " ".repeat(dash.length);
    if (depth < 3 && roll < 0.3) {
      // A compact map: its first key on the dash line.
      const map = randomMap(random, inner, depth + 1);
      lines.push(indent + dash + map.slice(inner.length));
    } else if (depth < 3 && roll < 0.38) {
      const seq = randomSeq(random, inner, depth + 1);
      lines.push(indent + dash + seq.slice(inner.length));
    } else {
      const value = randomValue(random, indent, depth);
      lines.push(indent + "-" + value);
    }
  }
  return lines.join("\n");
}

/** A document: a tree rendered as text, then blank, comment and trailing-space noise. */
function randomDocument(random: () => number): string {
  outsideRate = random() < 0.6 ? 0 : 0.05;
  const body = random() < 0.85 ? randomMap(random, "", 0) : randomSeq(random, "", 0);
  const lines = body.split("\n");
  const out: string[] = [];
  if (random() < 0.2) out.push("# leading comment");
  if (random() < 0.1) out.push(pick(random, ["---", "--- # start", "---   "]));
  for (const line of lines) {
    const roll = random();
    if (roll < 0.06) out.push(" ".repeat(Math.floor(random() * 8)) + "# comment");
    else if (roll < 0.1) out.push("");
    else if (roll < 0.12) out.push(" ".repeat(1 + Math.floor(random() * 6)));
    let text = line;
    const tail = random();
    if (tail < 0.05) text += "   ";
    else if (tail < 0.1 && !text.endsWith(":") && !/[|>][-+0-9]?$/.test(text)) text += " # tail";
    out.push(text);
  }
  if (random() < 0.1) out.push(" ".repeat(Math.floor(random() * 6)) + "# trailing comment");
  if (random() < 0.1) out.push("");
  const joined = out.join("\n");
  return random() < 0.8 ? joined + "\n" : joined;
}

/**
 * What templates cost the manifest loader: 100,000 typical template strings
 * (mostly `${{ package.version }}`-style substitutions, a few function calls),
 * drawn from a few hundred texts, with the parse of each expression shared as
 * in a real workspace load; the same simple substitution 100,000 times;
 * 100,000 distinct templates; and the checks the loader makes on every string.
 *
 * `deno bench scripts/bench/expr_bench.ts` runs the cases; run the file directly
 * (`deno run scripts/bench/expr_bench.ts`) for substitutions per second.
 */
import {
  Budget,
  expandTemplate,
  hasTemplate,
  scalarLocator,
  type Scope,
  type TextLocator,
} from "../../lib/expr/mod.ts";

const COUNT = 100_000;

const SCOPE: Scope = {
  package: { schema: 1, slug: "m4", name: "GNU M4", version: "1.4.19", flavor: "default" },
  vars: { tarball: "m4-1.4.19.tar.xz", prefix: "/usr", jobs: 4, flags: ["--disable-nls"] },
  sources: {
    m4: {
      name: "m4",
      url: "https://example.org/gnu/m4/m4-1.4.19.tar.xz",
      file: "m4-1.4.19.tar.xz",
      sha256: "63aede5c6d33b6d9b13511cd0be2cac046f2e70fd0a07aa9573a04a82783af96",
      path: "/build/sources/m4",
    },
  },
  deps: {
    "gcc-libs": { slug: "gcc", version: "13.2.0", flavor: "default", bundle: "libs", hash: "ab" },
  },
  host: { arch: "x86_64" },
  target: "x86_64-linux-gnu",
};

const WHERE: TextLocator = { file: "bench.yaml", locate: () => ({ line: 1, col: 1 }) };

/** Typical template shapes: 9 of 10 are plain substitutions, 1 in 10 calls a function. */
const SIMPLE = [
  "${{ package.version }}",
  "${{ package.slug }}-${{ package.version }}",
  "https://example.org/gnu/m4/${{ vars.tarball }}",
  "--prefix=${{ vars.prefix }}",
  "${{ sources.m4.path }}/configure --host=${{ target }}",
  "make -j${{ vars.jobs }}",
  '${{ deps["gcc-libs"].version }}',
  "${{ vars.prefix }}/lib/${{ host.arch }}",
  "${{ vars.flags }}",
];
const CALLS = [
  "${{ versionPart(package.version, 0) }}",
  '${{ format("{0}-{1}.tar.xz", package.slug, package.version) }}',
  '${{ host.arch == "x86_64" ? "--enable-x86" : "" }}',
  '${{ join(split("a b c", " "), ",") }}',
  "cd ${{ shell(sources.m4.path) }} && ./configure",
];

/** 100,000 templates drawn from a pool of a few hundred distinct texts (like a workspace). */
function typicalTemplates(): string[] {
  const pool: string[] = [];
  for (let variant = 0; variant < 40; variant++) {
    for (const text of SIMPLE) pool.push(variant === 0 ? text : `${text} #${variant}`);
  }
  for (let variant = 0; variant < 8; variant++) {
    for (const text of CALLS) pool.push(variant === 0 ? text : `${text} #${variant}`);
  }
  const simple = pool.filter((t) => !CALLS.some((c) => t.startsWith(c)));
  const calls = pool.filter((t) => CALLS.some((c) => t.startsWith(c)));
  return Array.from(
    { length: COUNT },
    (_, i) => i % 10 === 9 ? calls[i % calls.length] : simple[(i * 7) % simple.length],
  );
}

const TYPICAL = typicalTemplates();
const PLAIN = Array.from({ length: COUNT }, (_, i) => `plain text ${i} with $ and {{ braces }}`);
let coldSerial = 0;

function expandAll(texts: string[]): number {
  const budget = new Budget();
  let size = 0;
  for (const text of texts) {
    const value = expandTemplate(text, SCOPE, WHERE, budget);
    size += typeof value === "string" ? value.length : 1;
  }
  return size;
}

function simpleSubstitutions(): number {
  let size = 0;
  for (let i = 0; i < COUNT; i++) {
    size += (expandTemplate("${{ package.version }}", SCOPE, WHERE) as string).length;
  }
  return size;
}

function coldTemplates(): number {
  const budget = new Budget(1 << 30);
  let size = 0;
  for (let i = 0; i < COUNT; i++) {
    const text = `v${coldSerial++}-\${{ package.slug }}-\${{ package.version }}`;
    size += (expandTemplate(text, SCOPE, WHERE, budget) as string).length;
  }
  return size;
}

Deno.bench("100,000 typical templates (cached parse, 1 in 10 calls a function)", () => {
  expandAll(TYPICAL);
});

Deno.bench("100,000 simple substitutions ${{ package.version }}", () => {
  simpleSubstitutions();
});

Deno.bench("100,000 distinct templates (their expressions shared)", () => {
  coldTemplates();
});

Deno.bench("hasTemplate on 100,000 plain strings", () => {
  let found = 0;
  for (const text of PLAIN) if (hasTemplate(text)) found++;
  if (found !== 0) throw new Error("unexpected template");
});

Deno.bench("100,000 scalarLocator constructions (lazy, never located)", () => {
  const source = 'a: "x ${{ package.version }}"\n';
  const scalar = {
    range: [3, 29, 30] as [number, number, number],
    type: "QUOTE_DOUBLE",
    value: "x",
  };
  for (let i = 0; i < COUNT; i++) scalarLocator("f.yaml", source, scalar);
});

if (import.meta.main) {
  const measure = (label: string, run: () => number, per = COUNT) => {
    run(); // warm up the JIT and the template cache
    const rounds = 10;
    const times: number[] = [];
    for (let r = 0; r < rounds; r++) {
      const started = performance.now();
      run();
      times.push(performance.now() - started);
    }
    times.sort((a, b) => a - b);
    const median = times[rounds >> 1];
    const rate = Math.round(per / (median / 1000));
    console.log(
      `${label}: ${median.toFixed(1)} ms median, ${rate.toLocaleString("en")} per second`,
    );
  };
  measure("100,000 typical templates", () => expandAll(TYPICAL));
  measure("100,000 simple substitutions", simpleSubstitutions);
  measure("100,000 distinct templates", coldTemplates);
}

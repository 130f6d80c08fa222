/**
 * The output patterns of a manifest, compiled and matched (the syntax is in
 * outputs.ts): `*` and `?` within a path segment, `**` for any number of
 * segments, literal otherwise. Pure string work; outputs.ts walks the result
 * with it.
 * @module
 */
import { InvalidInputError } from "../util/mod.ts";

/** One segment of a compiled glob: `**`, or a segment with `*` and `?`. */
export type GlobSegment = { anyDepth: true } | { anyDepth: false; text: string; literal: boolean };

export interface CompiledGlob {
  id: number;
  segments: GlobSegment[];
  /** The leading segments without wildcards: only paths under them can match. */
  prefix: string[];
  /** Most path segments a match can have (Infinity with `**`). */
  maxDepth: number;
}

export interface PatternRef {
  id: number;
  output: number;
}

/** Output order and compiled patterns, built once per plan. */
export interface Matcher {
  outputs: string[];
  discardIndex: number;
  /** Literal relative path ("" for the root) → patterns naming it. */
  literals: Map<string, PatternRef[]>;
  globs: Array<CompiledGlob & PatternRef>;
  /** Pattern id → [output, pattern text]; whether it matched. */
  patterns: Array<{ output: string; pattern: string; literal: boolean; matched: boolean }>;
}

/** Throws InvalidInputError for a pattern that is not an absolute path. */
function patternSegments(output: string, pattern: string): string[] {
  if (!pattern.startsWith("/")) {
    throw new InvalidInputError(
      `output "${output}": "${pattern}" must be an absolute path inside the out dir`,
      { hint: `write "/${pattern}"` },
    );
  }
  const segments = pattern.split("/").filter((segment) => segment !== "");
  if (segments.some((segment) => segment === "." || segment === "..")) {
    throw new InvalidInputError(`output "${output}": "${pattern}" may not contain "." or ".."`);
  }
  return segments;
}

function isGlobText(text: string): boolean {
  return text.includes("*") || text.includes("?");
}

/** Compiles the patterns of `outputs`; `discard` names the output whose files are dropped. */
export function compileMatcher(outputs: Record<string, string[]>, discard?: string): Matcher {
  const names = Object.keys(outputs);
  const matcher: Matcher = {
    outputs: names,
    discardIndex: discard === undefined ? -1 : names.indexOf(discard),
    literals: new Map(),
    globs: [],
    patterns: [],
  };
  names.forEach((output, outputIndex) => {
    for (const pattern of outputs[output]) {
      const segments = patternSegments(output, pattern);
      const id = matcher.patterns.length;
      const literal = !segments.some(isGlobText);
      matcher.patterns.push({ output, pattern, literal, matched: false });
      if (literal) {
        const key = segments.join("/");
        const list = matcher.literals.get(key) ?? [];
        list.push({ id, output: outputIndex });
        matcher.literals.set(key, list);
        continue;
      }
      const compiled: GlobSegment[] = segments.map((text) =>
        text === "**"
          ? { anyDepth: true }
          : { anyDepth: false, text: text.replaceAll(/\*+/g, "*"), literal: !isGlobText(text) }
      );
      const firstWild = compiled.findIndex((s) => s.anyDepth || !s.literal);
      matcher.globs.push({
        id,
        output: outputIndex,
        segments: compiled,
        prefix: segments.slice(0, firstWild),
        maxDepth: compiled.some((s) => s.anyDepth) ? Infinity : compiled.length,
      });
    }
  });
  return matcher;
}

/** `*` and `?` within one segment. */
export function matchSegment(pattern: string, text: string): boolean {
  return wildcardMatch(
    pattern.length,
    text.length,
    (p) => pattern[p] === "*",
    (p, t) => pattern[p] === "?" || pattern[p] === text[t],
  );
}

/** Whole-path match; `**` segments take any number of path segments. */
export function matchPath(segments: GlobSegment[], path: string[]): boolean {
  return wildcardMatch(
    segments.length,
    path.length,
    (p) => segments[p].anyDepth,
    (p, t) => !segments[p].anyDepth && segmentMatches(segments[p], path[t]),
  );
}

/**
 * Matching with wildcards, for characters in a segment and for segments in a
 * path alike: item `p` of the pattern matches item `t` of the text when
 * `matchesOne(p, t)`, and a star item (`isStar(p)`) any run of items. It is
 * iterative with one backtrack point, the last star, so it takes about
 * pattern × text steps at most, never exponential time.
 */
function wildcardMatch(
  patternLength: number,
  textLength: number,
  isStar: (p: number) => boolean,
  matchesOne: (p: number, t: number) => boolean,
): boolean {
  let p = 0;
  let t = 0;
  let starP = -1;
  let starT = 0;
  while (t < textLength) {
    // A star is tried first: taken as a literal "*" it would leave no backtrack point.
    if (p < patternLength && isStar(p)) {
      starP = p++;
      starT = t;
    } else if (p < patternLength && matchesOne(p, t)) {
      p++;
      t++;
    } else if (starP >= 0) {
      p = starP + 1;
      t = ++starT;
    } else {
      return false;
    }
  }
  while (p < patternLength && isStar(p)) p++;
  return p === patternLength;
}

function segmentMatches(segment: { text: string; literal: boolean }, name: string): boolean {
  return segment.literal ? segment.text === name : matchSegment(segment.text, name);
}

/**
 * Compiles `patterns` once and returns a predicate over relative paths — the
 * same matching as planOutputs uses, for callers and tests.
 */
export function compileGlob(pattern: string): (relativePath: string) => boolean {
  const matcher = compileMatcher({ pattern: [pattern] });
  const literal = [...matcher.literals.keys()][0];
  if (literal !== undefined) return (path) => path === literal;
  const glob = matcher.globs[0];
  return (path) => matchPath(glob.segments, path === "" ? [] : path.split("/"));
}

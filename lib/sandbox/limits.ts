/**
 * Per-build resource limits (SPEC section 3 `limits`, section 4 `build.limits`):
 * their values and defaults, how sizes are written, and which one a failed
 * build most likely ran into.
 *
 * @example
 * ```ts
 * parseSize("8G"); // 8589934592
 * formatSize(512 * 1024 ** 2); // "512 MiB"
 * ```
 * @module
 */

/** The limits one build runs under. */
export interface BuildLimits {
  /** Bytes of memory (with rlimits: of address space per process). */
  memory: number;
  /** Processes (and threads) of the build at once. */
  processes: number;
}

/** What a workspace gets without a `limits:` key. */
export const DEFAULT_LIMITS: Readonly<BuildLimits> = {
  memory: 8 * 1024 ** 3,
  processes: 4096,
};

/** The keys of a `limits:` map, in the order they are documented. */
export const LIMIT_KEYS = ["memory", "processes"] as const;

/** Smallest memory limit: less than this cannot even start a shell. */
export const MIN_MEMORY = 16 * 1024 ** 2;

/** Smallest process limit: the shell, one command and the sandbox's own init. */
export const MIN_PROCESSES = 4;

const UNITS: Record<string, number> = { "": 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 };

/**
 * A size as written: bytes, or a number with K, M, G or T, in either case.
 * No flags, so that the JSON Schema of `limits.memory` uses it as it is.
 */
export const SIZE_PATTERN = /^\s*(\d+)\s*(?:([KMGTkmgt])(?:[iI]?[bB])?|[bB]?)\s*$/;

/**
 * Bytes of a size written as a whole number of bytes or with a binary unit:
 * `512M`, `8G`, `8GiB`, `1T` (K, M, G, T are powers of 1024). Undefined when
 * the text is no such size or too large to hold exactly.
 */
export function parseSize(text: string | number): number | undefined {
  const match = SIZE_PATTERN.exec(String(text));
  if (!match) return undefined;
  const bytes = Number(match[1]) * UNITS[(match[2] ?? "").toUpperCase()];
  return Number.isSafeInteger(bytes) ? bytes : undefined;
}

/** A size for people: the largest binary unit that divides it, e.g. "512 MiB". */
export function formatSize(bytes: number): string {
  for (const unit of ["T", "G", "M", "K"]) {
    const size = UNITS[unit];
    if (bytes >= size && bytes % size === 0) return `${bytes / size} ${unit}iB`;
  }
  return `${bytes} bytes`;
}

/** Which limit a failed build ran into, as far as can be told. */
export type LimitHit = keyof BuildLimits;

/**
 * Where the kernel does not count limit hits (rlimits), the messages programs
 * print when a fork or an allocation is refused are the evidence. Fork
 * failures come first: a refused fork is also reported as ENOMEM by some shells.
 */
const EVIDENCE: Array<[LimitHit, RegExp]> = [
  ["processes", /\bfork: (?:retry: )?Resource temporarily unavailable|\bcannot fork\b/i],
  [
    "memory",
    /Cannot allocate memory|\bout of memory\b|\bbad_alloc\b|\bmemory exhausted\b|\bMemoryError\b|\bx(?:m|re|c)alloc: cannot allocate/i,
  ],
];

/** The limit a failed build's log (its end) shows it ran into, if any. */
export function limitHitInLog(logTail: string): LimitHit | undefined {
  for (const [limit, pattern] of EVIDENCE) if (pattern.test(logTail)) return limit;
  return undefined;
}

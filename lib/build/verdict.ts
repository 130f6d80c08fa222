/**
 * What the scheduler does with a result, decided from hashes and options
 * alone (no files, no store), so every case is unit-tested: accept it (and
 * maybe write its hash into the manifest, maybe warn), refuse it because its
 * hash differs from the manifest's, or, under `--check`, only compare it.
 * @module
 */

/** What a decision looks at. */
export interface VerdictInput {
  /** How messages name the package (see describe.ts). */
  subject: string;
  /** The manifest's expected hash, when it has one. */
  expected: string | undefined;
  /** The hash compared with it: the output hash, or the original builder's checksum. */
  actual: string;
  /** The manifest's `stable_checksum`: false accepts a differing result with a warning. */
  stableChecksum: boolean;
  /** `--update-hash` names this package: the manifest gets the new hash instead. */
  updateHash: boolean;
}

export type Verdict =
  /** The hash differs from the manifest's: nothing is committed, no ref moves (exit 3). */
  | { kind: "refuse" }
  /** `--check` compared the rebuild with the committed result: nothing to commit. */
  | { kind: "checked" }
  /** Commit (or, for a cached result, point the refs at it). */
  | {
    kind: "accept";
    /** Write `actual` into the manifest (`--update-hash`). */
    writeHash: boolean;
    warning?: string;
  };

/**
 * A result built in this run. `commitWanted` is the rounds' answer (false under
 * `--check`, whose rebuild is only compared); a normal build passes true.
 */
export function builtVerdict(input: VerdictInput, commitWanted = true): Verdict {
  if (!commitWanted) return { kind: "checked" };
  const { subject, expected, actual, stableChecksum, updateHash } = input;
  const differs = expected !== undefined && expected !== actual;
  if (updateHash) return { kind: "accept", writeHash: differs || expected === undefined };
  if (differs && stableChecksum) return { kind: "refuse" };
  if (differs) {
    return {
      kind: "accept",
      writeHash: false,
      warning:
        `${subject}: output hash ${actual} differs from the manifest's ${expected} (stable_checksum: false, committed anyway)`,
    };
  }
  if (expected === undefined) {
    return {
      kind: "accept",
      writeHash: false,
      warning:
        `${subject} has no expected hash; its output hash is ${actual} (add it with \`2nex build --update-hash\`)`,
    };
  }
  return { kind: "accept", writeHash: false };
}

/**
 * A result committed earlier for the same input key. It was accepted then;
 * only a manifest hash changed since (which does not change the input key)
 * can refuse it now. No warnings: they were given when it was built.
 */
export function cachedVerdict(input: VerdictInput): Verdict {
  const { expected, actual, stableChecksum, updateHash } = input;
  const differs = expected !== actual;
  if (updateHash && differs) return { kind: "accept", writeHash: true };
  if (expected !== undefined && differs && stableChecksum) return { kind: "refuse" };
  return { kind: "accept", writeHash: false };
}

/**
 * The conditions that `build --rounds N` varies between rounds, so that a build that
 * passes is likely to give the same result on another host: parallel jobs and CPUs,
 * address-space randomisation, environment order, the wall clock, and directory-listing
 * order. Each is on by default, each is described in the round's plan (and so in the
 * report), and each can be switched off with `--no-vary=NAME` for the rare build that
 * cannot take it.
 *
 * Round 1 is always the normal build; round 2 differs from it in every enabled
 * variation; later rounds mix the variations further.
 *
 * @example
 * ```ts
 * const enabled = parseVariationFlags(undefined, "aslr");
 * const plans = planRounds(2, enabled, { cpus: 4, fakeTime: false, disorderfs: false });
 * ```
 * @module
 */
import { InvalidInputError } from "../util/mod.ts";

/** The names accepted by `--vary` and `--no-vary`, in the order reports list them. */
export const VARIATIONS = ["jobs", "aslr", "env-order", "time", "disorder"] as const;

/** One condition varied between rounds. */
export type Variation = typeof VARIATIONS[number];

/** What one variation does, for help texts and error hints. */
export const VARIATION_HELP: Record<Variation, string> = {
  "jobs": "MAKEFLAGS=-j1 and one CPU in one round, all CPUs in another",
  "aslr": "address-space randomisation off in one round",
  "env-order": "environment variables in reverse or shuffled order",
  "time": "rounds start at different wall-clock seconds; clock shifted by a year " +
    "where libfaketime can be preloaded",
  "disorder": "directory-listing order of the work directory varied " +
    "(disorderfs where available, else tmpfs versus disk)",
};

/** How the environment is ordered in a round. */
export type EnvOrder = "forward" | "reverse" | "shuffle";

/** The conditions of one round, handed to the build engine and shown in reports. */
export interface RoundPlan {
  /** 1-based. */
  round: number;
  /** CPUs the build may run on (taskset); undefined: all. */
  cpus?: number;
  /** `MAKEFLAGS=-jN` for this round; undefined: the normal value. */
  jobs?: number;
  /** Run with `setarch -R` (personality ADDR_NO_RANDOMIZE). */
  disableAslr: boolean;
  envOrder: EnvOrder;
  /** Seconds added to the clock through libfaketime; undefined: the real clock. */
  fakeTimeShiftSeconds?: number;
  /** Mount the work directory through disorderfs (shuffled listing order). */
  disorder: boolean;
  /** Put /2nex/work on a tmpfs instead of disk, so that listing order differs. */
  workOnTmpfs?: boolean;
  /** Wait before starting this round so its clock reads a later second than the last one's. */
  spaceStart: boolean;
  /** One line per condition of this round that differs from a normal build. */
  description: string[];
}

/** What the host (and the package's sandbox mode) allows. */
export interface RoundCapabilities {
  /** CPUs available to builds. */
  cpus: number;
  /** libfaketime can be preloaded into this package's build (host mode, library found). */
  fakeTime: boolean;
  /** disorderfs can mount the work directory (tool present, FUSE usable). */
  disorderfs: boolean;
}

/** 398 days: a year, a month and a few days, so year, month, day and weekday all change. */
export const FAKE_TIME_SHIFT_SECONDS = 398 * 24 * 60 * 60;

/** Gap between round starts so that `date +%s` in one round never equals the last round's. */
export const ROUND_START_GAP_MS = 1100;

/**
 * The variations enabled by `--vary` and `--no-vary` (comma-separated names; `all`
 * and `none` are accepted too). With neither, every variation is on. `--vary` names
 * the set to use; `--no-vary` removes names from it.
 */
export function parseVariationFlags(vary?: string, noVary?: string): Set<Variation> {
  const chosen = vary === undefined
    ? new Set<Variation>(VARIATIONS)
    : parseList("--vary", vary).variations;
  if (noVary === undefined) return chosen;
  const removed = parseList("--no-vary", noVary).variations;
  if (vary !== undefined) {
    // "--vary=all --no-vary=time" is a way of saying "all but time"; naming "time" in
    // both is a contradiction.
    const named = parseList("--vary", vary).named;
    const both = [...removed].filter((name) => named.has(name));
    if (both.length > 0) {
      throw new InvalidInputError(
        `--vary and --no-vary both name ${both.map((name) => `"${name}"`).join(", ")}`,
        { hint: "name each variation in one of them only" },
      );
    }
  }
  for (const name of removed) chosen.delete(name);
  return chosen;
}

/** The variations a list selects, and those it names explicitly (not through `all`). */
function parseList(
  flag: string,
  list: string,
): { variations: Set<Variation>; named: Set<Variation> } {
  const names = list.split(",").map((name) => name.trim()).filter((name) => name !== "");
  if (names.length === 0) {
    throw new InvalidInputError(`${flag} needs a comma-separated list of variations`, {
      hint: `valid names: ${VARIATIONS.join(", ")}, all, none`,
    });
  }
  const variations = new Set<Variation>();
  const named = new Set<Variation>();
  for (const name of names) {
    if (name === "all") VARIATIONS.forEach((variation) => variations.add(variation));
    else if (name === "none") continue;
    else if (isVariation(name)) {
      variations.add(name);
      named.add(name);
    } else {
      const close = closestVariation(name);
      throw new InvalidInputError(`${flag}: unknown variation "${name}"`, {
        hint: (close ? `did you mean "${close}"? ` : "") +
          `valid names: ${VARIATIONS.join(", ")}, all, none`,
      });
    }
  }
  return { variations, named };
}

function isVariation(name: string): name is Variation {
  return (VARIATIONS as readonly string[]).includes(name);
}

/** The valid name nearest to a mistyped one, when it is near enough to suggest. */
function closestVariation(name: string): Variation | undefined {
  let best: Variation | undefined;
  let bestDistance = Infinity;
  for (const variation of VARIATIONS) {
    const distance = editDistance(name.toLowerCase(), variation);
    if (distance < bestDistance) [best, bestDistance] = [variation, distance];
  }
  // Two edits cover one swapped pair of letters ("asrl") without suggesting at random.
  return bestDistance <= 2 && bestDistance < name.length ? best : undefined;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min(previous[j] + 1, current[j - 1] + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length];
}

/** Default capabilities: every CPU this process sees, no optional tools. */
export function defaultCapabilities(): RoundCapabilities {
  return { cpus: navigator.hardwareConcurrency || 1, fakeTime: false, disorderfs: false };
}

/**
 * Plans `n` rounds. Round 1 is the normal build. Round 2 varies every enabled
 * variation against round 1: one CPU and `-j1`, ASLR off, environment reversed, clock
 * shifted (or, without libfaketime, only a later start), work directory through
 * disorderfs (or on tmpfs). Rounds 3 and later alternate: odd rounds oversubscribe
 * jobs on all CPUs, keep ASLR on, shuffle the environment, and list directories in
 * disk order; even rounds repeat round 2's conditions.
 */
export function planRounds(
  n: number,
  enabled: Set<Variation>,
  capabilities: RoundCapabilities = defaultCapabilities(),
): RoundPlan[] {
  if (!Number.isInteger(n) || n < 1) {
    throw new InvalidInputError(`--rounds needs a whole number of at least 1, not ${n}`);
  }
  const plans: RoundPlan[] = [];
  for (let round = 1; round <= n; round++) {
    plans.push(planRound(round, enabled, capabilities));
  }
  return plans;
}

function planRound(
  round: number,
  enabled: Set<Variation>,
  capabilities: RoundCapabilities,
): RoundPlan {
  const plan: RoundPlan = {
    round,
    disableAslr: false,
    envOrder: "forward",
    disorder: false,
    spaceStart: false,
    description: [],
  };
  if (round === 1) {
    plan.description.push("normal build");
    return plan;
  }
  const even = round % 2 === 0;
  const describe = (line: string) => plan.description.push(line);

  if (enabled.has("jobs")) {
    if (even) {
      plan.cpus = 1;
      plan.jobs = 1;
      describe("jobs: MAKEFLAGS=-j1 on 1 CPU");
    } else {
      // Oversubscribing changes the order in which parallel steps finish.
      plan.jobs = Math.max(2, capabilities.cpus * 2);
      describe(`jobs: MAKEFLAGS=-j${plan.jobs} on all ${capabilities.cpus} CPUs`);
    }
  }
  if (enabled.has("aslr") && even) {
    plan.disableAslr = true;
    describe("aslr: address-space randomisation off (setarch -R)");
  }
  if (enabled.has("env-order")) {
    plan.envOrder = even ? "reverse" : "shuffle";
    describe(`env-order: environment ${even ? "reversed" : `shuffled (seed ${round})`}`);
  }
  if (enabled.has("time")) {
    plan.spaceStart = true;
    if (even && capabilities.fakeTime) {
      plan.fakeTimeShiftSeconds = FAKE_TIME_SHIFT_SECONDS;
      describe("time: started at a later second; clock shifted +398 days (libfaketime)");
    } else if (even) {
      describe("time: started at a later second (no clock shift: libfaketime not usable here)");
    } else {
      describe("time: started at a later second");
    }
  }
  if (enabled.has("disorder") && even) {
    if (capabilities.disorderfs) {
      plan.disorder = true;
      describe("disorder: work directory through disorderfs, listing order shuffled");
    } else {
      plan.workOnTmpfs = true;
      describe(
        "disorder: work directory on tmpfs (listing order differs from disk; " +
          "disorderfs not usable here)",
      );
    }
  }
  if (plan.description.length === 0) plan.description.push("no variation (all switched off)");
  return plan;
}

/**
 * The environment in the round's order. `forward` keeps it; `reverse` reverses it;
 * `shuffle` permutes it with a generator seeded by the round number, so a round can
 * be repeated exactly.
 */
export function reorderEnv(
  env: ReadonlyArray<readonly [string, string]>,
  plan: Pick<RoundPlan, "round" | "envOrder">,
): Array<[string, string]> {
  const copy = env.map(([name, value]) => [name, value] as [string, string]);
  if (plan.envOrder === "reverse") return copy.reverse();
  if (plan.envOrder === "shuffle") {
    const random = seededRandom(plan.round);
    // Fisher-Yates; a shuffle that happens to give the identity is rotated by one so the
    // round really differs from a forward one.
    for (let i = copy.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [copy[i], copy[j]] = [copy[j], copy[i]];
    }
    if (copy.length > 1 && copy.every(([name], i) => name === env[i][0])) {
      copy.push(copy.shift()!);
    }
  }
  return copy;
}

/** A small deterministic generator (mulberry32) in [0, 1). */
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

/**
 * Waits, when the plan asks for it, until at least {@link ROUND_START_GAP_MS} have
 * passed since the previous round started. Returns this round's start time (ms since
 * the epoch), to pass as `previousStartMs` to the next round.
 */
export async function awaitRoundStart(
  plan: Pick<RoundPlan, "spaceStart">,
  previousStartMs?: number,
  now: () => number = Date.now,
): Promise<number> {
  if (plan.spaceStart && previousStartMs !== undefined) {
    const wait = previousStartMs + ROUND_START_GAP_MS - now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  }
  return now();
}

/**
 * The environment entries that make libfaketime shift a round's clock, to append to
 * the build's environment; empty when the plan has no shift. `library` is the path of
 * libfaketime.so.1 as the sandbox sees it (in host mode, the host's own path, since
 * the host's /usr is mounted).
 */
export function fakeTimeEnv(
  plan: Pick<RoundPlan, "fakeTimeShiftSeconds">,
  library: string,
): Array<[string, string]> {
  if (plan.fakeTimeShiftSeconds === undefined) return [];
  return [
    ["LD_PRELOAD", library],
    ["FAKETIME", `+${plan.fakeTimeShiftSeconds}`],
    // Shifted monotonic clocks make some programs' timeouts misfire; the wall clock is
    // what ends up in files.
    ["FAKETIME_DONT_FAKE_MONOTONIC", "1"],
  ];
}

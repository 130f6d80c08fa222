import assert from "node:assert/strict";
import {
  awaitRoundStart,
  FAKE_TIME_SHIFT_SECONDS,
  fakeTimeEnv,
  parseVariationFlags,
  planRounds,
  reorderEnv,
  ROUND_START_GAP_MS,
  type RoundPlan,
  type Variation,
  VARIATIONS,
} from "../../lib/repro/variations.ts";
import { roundCapabilities } from "../../lib/repro/detect.ts";
import { InvalidInputError } from "../../lib/util/errors.ts";

const ALL = new Set<Variation>(VARIATIONS);
const FULL_HOST = { cpus: 8, fakeTime: true, disorderfs: true };
const BARE_HOST = { cpus: 2, fakeTime: false, disorderfs: false };

function invalid(...texts: string[]): (error: unknown) => boolean {
  return (error) => {
    if (!(error instanceof InvalidInputError)) return false;
    const all = `${error.message}\n${error.hint ?? ""}`;
    return texts.every((text) => all.includes(text));
  };
}

/** The variations in which two rounds differ. */
function differences(x: RoundPlan, y: RoundPlan): Variation[] {
  const found: Variation[] = [];
  if (x.cpus !== y.cpus || x.jobs !== y.jobs) found.push("jobs");
  if (x.disableAslr !== y.disableAslr) found.push("aslr");
  if (x.envOrder !== y.envOrder) found.push("env-order");
  if (x.fakeTimeShiftSeconds !== y.fakeTimeShiftSeconds || x.spaceStart !== y.spaceStart) {
    found.push("time");
  }
  if (x.disorder !== y.disorder || x.workOnTmpfs !== y.workOnTmpfs) found.push("disorder");
  return found;
}

Deno.test("parseVariationFlags: all by default; --vary picks, --no-vary removes", () => {
  assert.deepEqual([...parseVariationFlags()], [...VARIATIONS]);
  assert.deepEqual([...parseVariationFlags("time,aslr")].sort(), ["aslr", "time"]);
  assert.deepEqual(
    [...parseVariationFlags(undefined, "disorder, time")],
    ["jobs", "aslr", "env-order"],
  );
  assert.deepEqual([...parseVariationFlags("all", "jobs")], [
    "aslr",
    "env-order",
    "time",
    "disorder",
  ]);
  assert.deepEqual([...parseVariationFlags(undefined, "all")], []);
  assert.deepEqual([...parseVariationFlags("none")], []);
});

Deno.test("parseVariationFlags: unknown names list the valid ones", () => {
  assert.throws(
    () => parseVariationFlags("jobs,asrl"),
    invalid('--vary: unknown variation "asrl"', 'did you mean "aslr"?', "jobs, aslr, env-order"),
  );
  assert.throws(
    () => parseVariationFlags(undefined, "network"),
    invalid('--no-vary: unknown variation "network"', "valid names: jobs, aslr, env-order, time"),
  );
  assert.throws(() => parseVariationFlags(""), invalid("--vary needs a comma-separated list"));
  assert.throws(
    () => parseVariationFlags("jobs,time", "time"),
    invalid('--vary and --no-vary both name "time"'),
  );
});

Deno.test("planRounds: n=2, every variation, full host", () => {
  const [one, two] = planRounds(2, ALL, FULL_HOST);
  assert.deepEqual(one, {
    round: 1,
    disableAslr: false,
    envOrder: "forward",
    disorder: false,
    spaceStart: false,
    description: ["normal build"],
  });
  assert.deepEqual(two, {
    round: 2,
    cpus: 1,
    jobs: 1,
    disableAslr: true,
    envOrder: "reverse",
    fakeTimeShiftSeconds: FAKE_TIME_SHIFT_SECONDS,
    disorder: true,
    spaceStart: true,
    description: [
      "jobs: MAKEFLAGS=-j1 on 1 CPU",
      "aslr: address-space randomisation off (setarch -R)",
      "env-order: environment reversed",
      "time: started at a later second; clock shifted +398 days (libfaketime)",
      "disorder: work directory through disorderfs, listing order shuffled",
    ],
  });
  assert.deepEqual(differences(one, two), [...VARIATIONS]);
});

Deno.test("planRounds: n=2 on a host without faketime or disorderfs still varies everything", () => {
  const [one, two] = planRounds(2, ALL, BARE_HOST);
  assert.equal(two.fakeTimeShiftSeconds, undefined);
  assert.equal(two.disorder, false);
  assert.equal(two.workOnTmpfs, true);
  assert.ok(two.description.some((line) => line.includes("libfaketime not usable here")));
  assert.ok(two.description.some((line) => line.includes("work directory on tmpfs")));
  assert.deepEqual(differences(one, two), [...VARIATIONS]);
});

Deno.test("planRounds: only the enabled variations differ", () => {
  const enabled = parseVariationFlags(undefined, "aslr,disorder");
  const [one, two] = planRounds(2, enabled, FULL_HOST);
  assert.deepEqual(differences(one, two), ["jobs", "env-order", "time"]);
  assert.equal(two.disableAslr, false);
  assert.equal(two.disorder, false);
  assert.equal(two.workOnTmpfs, undefined);
  const [, none] = planRounds(2, new Set(), FULL_HOST);
  assert.deepEqual(differences(one, none), []);
  assert.deepEqual(none.description, ["no variation (all switched off)"]);
});

Deno.test("planRounds: n=3 mixes further and every round differs from the others", () => {
  const plans = planRounds(3, ALL, BARE_HOST);
  assert.deepEqual(plans.map((p) => p.round), [1, 2, 3]);
  const three = plans[2];
  assert.equal(three.jobs, 4);
  assert.equal(three.cpus, undefined);
  assert.equal(three.disableAslr, false);
  assert.equal(three.envOrder, "shuffle");
  assert.equal(three.spaceStart, true);
  assert.deepEqual(three.description, [
    "jobs: MAKEFLAGS=-j4 on all 2 CPUs",
    "env-order: environment shuffled (seed 3)",
    "time: started at a later second",
  ]);
  assert.deepEqual(differences(plans[0], three), ["jobs", "env-order", "time"]);
  // Rounds 2 and 3 differ in the clock too, by their start times, which the plans do not hold.
  assert.deepEqual(differences(plans[1], three), ["jobs", "aslr", "env-order", "disorder"]);
  // Only "time" is enabled: later rounds still start at a later second.
  const timeOnly = planRounds(3, new Set<Variation>(["time"]), BARE_HOST);
  assert.deepEqual(timeOnly.map((p) => p.spaceStart), [false, true, true]);
});

Deno.test("planRounds: rejects a round count below 1", () => {
  assert.throws(() => planRounds(0, ALL), invalid("--rounds needs a whole number"));
  assert.throws(() => planRounds(1.5, ALL), invalid("--rounds needs a whole number"));
});

Deno.test("reorderEnv: forward, reverse, seeded shuffle", () => {
  const env: Array<[string, string]> = [["A", "1"], ["B", "2"], ["C", "3"], ["D", "4"], ["E", "5"]];
  assert.deepEqual(reorderEnv(env, { round: 1, envOrder: "forward" }), env);
  assert.deepEqual(
    reorderEnv(env, { round: 2, envOrder: "reverse" }).map(([name]) => name).join(""),
    "EDCBA",
  );
  const shuffled = reorderEnv(env, { round: 3, envOrder: "shuffle" });
  assert.deepEqual(shuffled, reorderEnv(env, { round: 3, envOrder: "shuffle" }));
  assert.notDeepEqual(shuffled, env);
  assert.deepEqual([...shuffled].sort(), env);
  // The input is not modified.
  assert.equal(env.map(([name]) => name).join(""), "ABCDE");
  // Two entries: a shuffle never gives back the forward order.
  const pair: Array<[string, string]> = [["X", "1"], ["Y", "2"]];
  for (let round = 3; round < 40; round += 2) {
    assert.deepEqual(reorderEnv(pair, { round, envOrder: "shuffle" }), [["Y", "2"], ["X", "1"]]);
  }
});

Deno.test("awaitRoundStart: waits until the gap has passed", async () => {
  let clock = 10_000;
  const now = () => clock;
  // No previous round, or no spacing asked: no wait.
  assert.equal(await awaitRoundStart({ spaceStart: true }, undefined, now), 10_000);
  assert.equal(await awaitRoundStart({ spaceStart: false }, 9_999, now), 10_000);
  clock = 10_000 + ROUND_START_GAP_MS + 5;
  assert.equal(await awaitRoundStart({ spaceStart: true }, 10_000, now), clock);
  // A real wait: the next second starts at least 1.1 s after the previous round.
  const previous = Date.now();
  const started = await awaitRoundStart({ spaceStart: true }, previous);
  assert.ok(started - previous >= ROUND_START_GAP_MS);
  assert.notEqual(Math.floor(started / 1000), Math.floor(previous / 1000));
});

Deno.test("fakeTimeEnv: preload and shift only when planned", () => {
  assert.deepEqual(fakeTimeEnv({}, "/lib/libfaketime.so.1"), []);
  assert.deepEqual(fakeTimeEnv({ fakeTimeShiftSeconds: 100 }, "/lib/libfaketime.so.1"), [
    ["LD_PRELOAD", "/lib/libfaketime.so.1"],
    ["FAKETIME", "+100"],
    ["FAKETIME_DONT_FAKE_MONOTONIC", "1"],
  ]);
});

Deno.test("roundCapabilities: clock shift only in host mode; disorderfs as probed", () => {
  const tools = {
    libfaketime: "/usr/lib/x/libfaketime.so.1",
    disorderfs: "/usr/bin/disorderfs",
    fusermount: "/usr/bin/fusermount3",
  };
  const works = { disorderfsWorks: true, cpus: 4 };
  assert.deepEqual(roundCapabilities(tools, "host", works), {
    cpus: 4,
    fakeTime: true,
    disorderfs: true,
  });
  assert.deepEqual(roundCapabilities(tools, "hermetic", works), {
    cpus: 4,
    fakeTime: false,
    disorderfs: true,
  });
  assert.deepEqual(roundCapabilities({}, "host", { disorderfsWorks: false, cpus: 1 }), {
    cpus: 1,
    fakeTime: false,
    disorderfs: false,
  });
});

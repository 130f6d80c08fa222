/**
 * The scheduler's accept/refuse decision (lib/build/verdict.ts): every
 * combination of expected hash, stable_checksum, --update-hash and --check.
 */
import assert from "node:assert/strict";
import { builtVerdict, cachedVerdict, type VerdictInput } from "../../lib/build/verdict.ts";

const A = "a".repeat(64);
const B = "b".repeat(64);

function input(overrides: Partial<VerdictInput>): VerdictInput {
  return {
    subject: "pkg@1 (default)",
    expected: A,
    actual: A,
    stableChecksum: true,
    updateHash: false,
    ...overrides,
  };
}

Deno.test("built: the expected hash accepts, a different one refuses", () => {
  assert.deepEqual(builtVerdict(input({})), { kind: "accept", writeHash: false });
  assert.deepEqual(builtVerdict(input({ actual: B })), { kind: "refuse" });
});

Deno.test("built: stable_checksum false commits a differing result with a warning", () => {
  const verdict = builtVerdict(input({ actual: B, stableChecksum: false }));
  assert.equal(verdict.kind, "accept");
  assert.ok(verdict.kind === "accept" && !verdict.writeHash);
  assert.equal(
    verdict.kind === "accept" && verdict.warning,
    `pkg@1 (default): output hash ${B} differs from the manifest's ${A} (stable_checksum: false, committed anyway)`,
  );
  // A matching result needs no warning either way.
  assert.deepEqual(builtVerdict(input({ stableChecksum: false })), {
    kind: "accept",
    writeHash: false,
  });
});

Deno.test("built: no expected hash is accepted, with the hash to add in a warning", () => {
  const verdict = builtVerdict(input({ expected: undefined, actual: B }));
  assert.ok(verdict.kind === "accept" && !verdict.writeHash);
  assert.match(
    verdict.kind === "accept" ? verdict.warning ?? "" : "",
    /has no expected hash; its output hash is b{64} \(add it with `2nex build --update-hash`\)/,
  );
});

Deno.test("built: --update-hash writes a new or differing hash, silently, stable or not", () => {
  for (const stableChecksum of [true, false]) {
    assert.deepEqual(builtVerdict(input({ actual: B, updateHash: true, stableChecksum })), {
      kind: "accept",
      writeHash: true,
    });
    assert.deepEqual(
      builtVerdict(input({ expected: undefined, updateHash: true, stableChecksum })),
      {
        kind: "accept",
        writeHash: true,
      },
    );
    // The same hash is not written again.
    assert.deepEqual(builtVerdict(input({ updateHash: true, stableChecksum })), {
      kind: "accept",
      writeHash: false,
    });
  }
});

Deno.test("built: --check (the rounds want no commit) only compares, whatever the hashes", () => {
  for (const overrides of [{}, { actual: B }, { expected: undefined }, { updateHash: true }]) {
    assert.deepEqual(builtVerdict(input(overrides), false), { kind: "checked" });
  }
});

Deno.test("cached: refused only when the manifest's hash changed since, and it is stable", () => {
  assert.deepEqual(cachedVerdict(input({})), { kind: "accept", writeHash: false });
  assert.deepEqual(cachedVerdict(input({ actual: B })), { kind: "refuse" });
  assert.deepEqual(cachedVerdict(input({ actual: B, stableChecksum: false })), {
    kind: "accept",
    writeHash: false,
  });
  // Warned about when it was built; not again.
  assert.deepEqual(cachedVerdict(input({ expected: undefined })), {
    kind: "accept",
    writeHash: false,
  });
});

Deno.test("cached: --update-hash writes the committed result's hash when it differs", () => {
  assert.deepEqual(cachedVerdict(input({ actual: B, updateHash: true })), {
    kind: "accept",
    writeHash: true,
  });
  assert.deepEqual(cachedVerdict(input({ expected: undefined, updateHash: true })), {
    kind: "accept",
    writeHash: true,
  });
  assert.deepEqual(cachedVerdict(input({ updateHash: true })), {
    kind: "accept",
    writeHash: false,
  });
});

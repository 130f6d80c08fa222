/** The fixed build environment (SPEC section 5): names, values, order, overrides. */
import assert from "node:assert/strict";
import { fixedEnvironment, type FixedEnvironmentOptions } from "../../lib/sandbox/env.ts";
import { InvalidInputError } from "../../lib/util/errors.ts";

const base: FixedEnvironmentOptions = {
  mode: "hermetic",
  sourceDateEpoch: 1704067200,
  sources: [
    { name: "m4", index: 0, path: "/2nex/sources/m4-1.4.19.tar.xz" },
    { name: "fix", index: 1, path: "/2nex/sources/fix.patch" },
  ],
  jobs: 4,
  workspaceEnv: [["CFLAGS", "-O2 -pipe"]],
  buildEnv: [["FOO", "bar"]],
};

Deno.test("hermetic environment: every variable, in the documented order", () => {
  assert.deepEqual(fixedEnvironment(base), [
    ["PATH", "/usr/bin:/bin:/usr/sbin:/sbin"],
    ["HOME", "/homeless-shelter"],
    ["TMPDIR", "/tmp"],
    ["LC_ALL", "C"],
    ["TZ", "UTC"],
    ["SOURCE_DATE_EPOCH", "1704067200"],
    ["WORK_DIR", "/2nex/work"],
    ["OUT_DIR", "/2nex/out"],
    ["SOURCE_m4", "/2nex/sources/m4-1.4.19.tar.xz"],
    ["SOURCE0", "/2nex/sources/m4-1.4.19.tar.xz"],
    ["SOURCE_fix", "/2nex/sources/fix.patch"],
    ["SOURCE1", "/2nex/sources/fix.patch"],
    ["TARGET", "x86_64-pc-linux-gnu"],
    ["MAKEFLAGS", "-j4"],
    ["CFLAGS", "-O2 -pipe"],
    ["FOO", "bar"],
  ]);
});

Deno.test("host environment: bootstrap tools first in PATH, BOOTSTRAP_* set", () => {
  const env = new Map(fixedEnvironment({ ...base, mode: "host" }));
  assert.equal(env.get("PATH"), "/bootstrap/tools/bin:/usr/bin:/bin:/usr/sbin:/sbin");
  assert.equal(env.get("BOOTSTRAP_SYSROOT"), "/bootstrap");
  assert.equal(env.get("BOOTSTRAP_TOOLS"), "/bootstrap/tools");
  const hermetic = new Map(fixedEnvironment(base));
  assert.equal(hermetic.has("BOOTSTRAP_SYSROOT"), false);
  assert.equal(hermetic.has("BOOTSTRAP_TOOLS"), false);
});

Deno.test("target override and no sources", () => {
  const env = fixedEnvironment({ ...base, sources: [], target: "x86_64-2nex-linux-gnu" });
  const sourceNames = env.map(([name]) => name).filter((name) => /^SOURCE(_|\d)/.test(name));
  assert.deepEqual(sourceNames, ["SOURCE_DATE_EPOCH"]);
  assert.deepEqual(env.find(([name]) => name === "TARGET"), ["TARGET", "x86_64-2nex-linux-gnu"]);
});

Deno.test("later entries override earlier ones and keep the earlier position", () => {
  const env = fixedEnvironment({
    ...base,
    workspaceEnv: [["CFLAGS", "-O2"], ["PATH", "/custom"], ["A", "1"]],
    buildEnv: [["CFLAGS", "-O3"], ["B", "2"], ["A", "3"]],
  });
  const names = env.map(([name]) => name);
  assert.equal(names[0], "PATH");
  assert.equal(env[0][1], "/custom");
  assert.deepEqual(names.slice(-3), ["CFLAGS", "A", "B"]);
  assert.deepEqual(env.slice(-3), [["CFLAGS", "-O3"], ["A", "3"], ["B", "2"]]);
  assert.equal(new Set(names).size, names.length, "no name twice");
});

Deno.test("the order only depends on the inputs", () => {
  const once = fixedEnvironment(base);
  const again = fixedEnvironment({ ...base, buildEnv: new Map([["FOO", "bar"]]) });
  assert.deepEqual(once, again);
});

Deno.test("invalid names, NUL bytes, jobs and epochs are refused", () => {
  assert.throws(() => fixedEnvironment({ ...base, buildEnv: [["1X", "a"]] }), InvalidInputError);
  assert.throws(() => fixedEnvironment({ ...base, buildEnv: [["A-B", "a"]] }), InvalidInputError);
  assert.throws(() => fixedEnvironment({ ...base, buildEnv: [["A=B", "a"]] }), InvalidInputError);
  assert.throws(() => fixedEnvironment({ ...base, buildEnv: [["", "a"]] }), InvalidInputError);
  assert.throws(() => fixedEnvironment({ ...base, buildEnv: [["A", "a\0b"]] }), InvalidInputError);
  assert.throws(() => fixedEnvironment({ ...base, jobs: 0 }), InvalidInputError);
  assert.throws(() => fixedEnvironment({ ...base, jobs: 1.5 }), InvalidInputError);
  assert.throws(() => fixedEnvironment({ ...base, sourceDateEpoch: -1 }), InvalidInputError);
  // Values may hold anything else: spaces, quotes, newlines, "=".
  const env = new Map(fixedEnvironment({ ...base, buildEnv: [["V", "a b\n'c'=\"d\" $(e)"]] }));
  assert.equal(env.get("V"), "a b\n'c'=\"d\" $(e)");
});

Deno.test("a source name that is no shell identifier is exported as it is", () => {
  const name = "0001-Disable-replaced-tools-their-man-pages-and-PAM-integ.patch";
  const env = new Map(fixedEnvironment({
    ...base,
    sources: [{ name, index: 0, path: `/2nex/sources/${name}/${name}` }],
  }));
  assert.equal(env.get(`SOURCE_${name}`), `/2nex/sources/${name}/${name}`);
  assert.equal(env.get("SOURCE0"), `/2nex/sources/${name}/${name}`);
  // Other names keep the shell's rules.
  assert.throws(
    () => fixedEnvironment({ ...base, buildEnv: [["A-B", "x"]] }),
    InvalidInputError,
  );
});

/**
 * The sandbox probe memo (lib/sandbox/probe_memo.ts) and how selectSandbox uses
 * it, with fake helpers: when a remembered success is used, when it is not (a
 * changed key, a corrupt or foreign file), and what a remembered helper that
 * stopped working leads to (the probe's own error, never a silent success).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { hostKey, ProbeMemo } from "../../lib/sandbox/probe_memo.ts";
import { type SandboxFactory, selectSandbox } from "../../lib/sandbox/select.ts";
import type { Sandbox, SandboxRequest, SandboxResult } from "../../lib/sandbox/types.ts";
import { removeTree } from "../../lib/util/fs.ts";

/** A fake host: which helpers work, and what a build's script exits with. */
interface FakeHost {
  working: Set<Sandbox["name"]>;
  scriptCode: number;
  /** Every run, in order: probes and builds. */
  runs: { helper: Sandbox["name"]; probe: boolean }[];
  /** A broken helper's run throws (as a missing program does) instead of failing. */
  throws?: boolean;
}

function fakeHost(working: Sandbox["name"][], scriptCode = 0): FakeHost {
  return { working: new Set(working), scriptCode, runs: [] };
}

/** A new factory per simulated process: each has its own once-per-process probes. */
function factoryOf(host: FakeHost): SandboxFactory {
  return (name) => ({
    name,
    async run(request: SandboxRequest): Promise<SandboxResult> {
      const probe = (await Deno.readTextFile(request.scriptPath)).includes("2nex-probe");
      host.runs.push({ helper: name, probe });
      const ended = { timedOut: false, aborted: false, durationMs: 1, limitsDescription: "" };
      if (!host.working.has(name)) {
        if (host.throws) throw new Error(`${name} not found`);
        return {
          ...ended,
          code: 1,
          helperMessage: `${name}: setting up uid map: Permission denied`,
        };
      }
      if (probe) await Deno.writeTextFile(join(request.outDir, "probe"), "2nex-probe 0\n");
      return { ...ended, code: probe ? 0 : host.scriptCode };
    },
  });
}

/** A build-like request in `dir` (a script that is not the probe's). */
async function buildRequest(dir: string): Promise<SandboxRequest> {
  for (const sub of ["sources", "work", "out"]) {
    await Deno.mkdir(join(dir, sub), { recursive: true });
  }
  await Deno.writeTextFile(join(dir, "script"), "make\n");
  return {
    mode: "host",
    readOnlyMounts: [],
    writableMounts: [],
    sourcesDir: join(dir, "sources"),
    workDir: join(dir, "work"),
    outDir: join(dir, "out"),
    scriptPath: join(dir, "script"),
    shell: "/bin/bash",
    env: [],
    timeoutMs: 10_000,
    logPath: join(dir, "log"),
  };
}

async function withDir(body: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "2nex-probe-memo-test-" });
  try {
    await body(dir);
  } finally {
    await removeTree(dir);
  }
}

const keyed = (key: string | undefined) => () => Promise.resolve(key);
const probes = (host: FakeHost) => host.runs.filter((run) => run.probe).length;

Deno.test("probe memo: a success is remembered under the same key, and only under it", async () => {
  await withDir(async (dir) => {
    const path = join(dir, "sandbox-probe.json");
    const memo = new ProbeMemo(path, keyed("host A"));
    assert.equal(await memo.remembers("bwrap"), false);
    await memo.remember("bwrap");
    assert.equal(await new ProbeMemo(path, keyed("host A")).remembers("bwrap"), true);
    assert.equal(await new ProbeMemo(path, keyed("host A")).remembers("unshare"), false);
    // Another helper binary, kernel, uid or sysctl makes another key.
    assert.equal(await new ProbeMemo(path, keyed("host B")).remembers("bwrap"), false);
    // A success under a new key replaces the old key's successes.
    await new ProbeMemo(path, keyed("host B")).remember("unshare");
    assert.equal(await new ProbeMemo(path, keyed("host B")).remembers("unshare"), true);
    assert.equal(await new ProbeMemo(path, keyed("host B")).remembers("bwrap"), false);
    await new ProbeMemo(path, keyed("host B")).forget();
    assert.equal(await new ProbeMemo(path, keyed("host B")).remembers("unshare"), false);
  });
});

Deno.test("probe memo: without the host facts nothing is remembered or written", async () => {
  await withDir(async (dir) => {
    const path = join(dir, "sandbox-probe.json");
    for (const key of [keyed(undefined), () => Promise.reject(new Error("no setpriv"))]) {
      const memo = new ProbeMemo(path, key);
      await memo.remember("bwrap");
      assert.equal(await memo.remembers("bwrap"), false);
      await assert.rejects(() => Deno.stat(path), Deno.errors.NotFound);
    }
  });
});

Deno.test("probe memo: a corrupt, truncated or foreign file remembers nothing", async () => {
  await withDir(async (dir) => {
    const path = join(dir, "sandbox-probe.json");
    const good = { format: "2nex-sandbox-probe/1", key: "host A", works: ["bwrap"] };
    const files = [
      "",
      "{",
      JSON.stringify(good).slice(0, 40),
      "null",
      "[]",
      '"bwrap"',
      JSON.stringify({ ...good, format: "2nex-sandbox-probe/0" }),
      JSON.stringify({ ...good, format: undefined }),
      JSON.stringify({ ...good, key: "host B" }),
      JSON.stringify({ ...good, key: undefined }),
      JSON.stringify({ ...good, works: "bwrap" }),
      JSON.stringify({ ...good, works: [{ name: "bwrap" }] }),
      JSON.stringify({ ...good, works: ["BWRAP", "docker", "none"] }),
    ];
    for (const text of files) {
      await Deno.writeTextFile(path, text);
      assert.equal(await new ProbeMemo(path, keyed("host A")).remembers("bwrap"), false, text);
    }
    // The same content, intact, is remembered: the cases above fail for their flaw alone.
    await Deno.writeTextFile(path, JSON.stringify(good));
    assert.equal(await new ProbeMemo(path, keyed("host A")).remembers("bwrap"), true);
    // A bad file is replaced by the next success.
    await Deno.writeTextFile(path, "{");
    await new ProbeMemo(path, keyed("host A")).remember("unshare");
    assert.equal(await new ProbeMemo(path, keyed("host A")).remembers("unshare"), true);
  });
});

Deno.test("selectSandbox: a remembered helper is used without a probe, an unknown one is probed", async () => {
  await withDir(async (dir) => {
    const path = join(dir, "sandbox-probe.json");
    const host = fakeHost(["bwrap", "unshare"]);
    const first = await selectSandbox("auto", {
      memo: new ProbeMemo(path, keyed("A")),
      create: factoryOf(host),
    });
    assert.equal(first.name, "bwrap");
    assert.equal(probes(host), 1);
    // The next process: no probe, and a build runs in the remembered helper.
    const next = await selectSandbox("auto", {
      memo: new ProbeMemo(path, keyed("A")),
      create: factoryOf(host),
    });
    assert.equal(next.name, "bwrap");
    assert.equal(probes(host), 1);
    const result = await next.run(await buildRequest(join(dir, "build")));
    assert.equal(result.code, 0);
    assert.deepEqual(host.runs.at(-1), { helper: "bwrap", probe: false });
    // `sandbox: unshare` was never probed here: it is, and then remembered beside bwrap.
    const unshare = await selectSandbox("unshare", {
      memo: new ProbeMemo(path, keyed("A")),
      create: factoryOf(host),
    });
    assert.equal(unshare.name, "unshare");
    assert.equal(probes(host), 2);
    assert.equal(await new ProbeMemo(path, keyed("A")).remembers("bwrap"), true);
    assert.equal(await new ProbeMemo(path, keyed("A")).remembers("unshare"), true);
    // A changed key probes again.
    await selectSandbox("auto", { memo: new ProbeMemo(path, keyed("B")), create: factoryOf(host) });
    assert.equal(probes(host), 3);
  });
});

Deno.test("selectSandbox: a failing script in a remembered helper that still works is the script's failure", async () => {
  await withDir(async (dir) => {
    const path = join(dir, "sandbox-probe.json");
    await new ProbeMemo(path, keyed("A")).remember("bwrap");
    const host = fakeHost(["bwrap"], 2);
    const sandbox = await selectSandbox("bwrap", {
      memo: new ProbeMemo(path, keyed("A")),
      create: factoryOf(host),
    });
    const request = await buildRequest(join(dir, "build"));
    assert.equal((await sandbox.run(request)).code, 2);
    assert.equal((await sandbox.run(request)).code, 2);
    // One probe to tell the script's failure from the sandbox's, not one per failure.
    assert.equal(probes(host), 1);
    assert.equal(await new ProbeMemo(path, keyed("A")).remembers("bwrap"), true);
  });
});

Deno.test("selectSandbox: a remembered helper that stopped working fails as a probe would", async () => {
  await withDir(async (dir) => {
    const path = join(dir, "sandbox-probe.json");
    for (const throws of [false, true]) {
      await new ProbeMemo(path, keyed("A")).remember("bwrap");
      const host = { ...fakeHost([]), throws };
      const sandbox = await selectSandbox("bwrap", {
        memo: new ProbeMemo(path, keyed("A")),
        create: factoryOf(host),
      });
      assert.equal(sandbox.name, "bwrap");
      await assert.rejects(
        async () => await sandbox.run(await buildRequest(join(dir, "build"))),
        /no working build sandbox \(tried bwrap\); 2nex never builds unsandboxed\nbwrap: /,
      );
      assert.equal(probes(host), 1);
      assert.equal(await new ProbeMemo(path, keyed("A")).remembers("bwrap"), false);
      // The next process probes, and fails before any build with the same error.
      await assert.rejects(
        () =>
          selectSandbox("bwrap", {
            memo: new ProbeMemo(path, keyed("A")),
            create: factoryOf(host),
          }),
        /no working build sandbox \(tried bwrap\)/,
      );
    }
  });
});

Deno.test("selectSandbox: with auto, a remembered bwrap that stopped working hands over to unshare", async () => {
  await withDir(async (dir) => {
    const path = join(dir, "sandbox-probe.json");
    await new ProbeMemo(path, keyed("A")).remember("bwrap");
    const host = fakeHost(["unshare"]);
    const sandbox = await selectSandbox("auto", {
      memo: new ProbeMemo(path, keyed("A")),
      create: factoryOf(host),
    });
    await assert.rejects(
      async () => await sandbox.run(await buildRequest(join(dir, "build"))),
      (error: Error & { exitCode?: number; hint?: string }) => {
        assert.match(error.message, /the bwrap sandbox stopped working .*uses unshare from now on/);
        assert.equal(error.exitCode, 1);
        assert.match(error.hint ?? "", /run the build again/);
        return true;
      },
    );
    assert.equal(await new ProbeMemo(path, keyed("A")).remembers("bwrap"), false);
    assert.equal(await new ProbeMemo(path, keyed("A")).remembers("unshare"), true);
    const next = await selectSandbox("auto", {
      memo: new ProbeMemo(path, keyed("A")),
      create: factoryOf(host),
    });
    assert.equal(next.name, "unshare");
  });
});

Deno.test("probe memo: the host key names the kernel, the uid and the helper programs", async () => {
  // Needs setpriv and /bin/sh, as every build does.
  const key = await hostKey();
  assert.ok(key !== undefined, "the host facts could not be read");
  assert.match(key, /^uid=\d+$/m);
  assert.match(key, /^\/proc\/sys\/kernel\/osrelease=\S+$/m);
  assert.match(key, /^\/proc\/sys\/user\/max_user_namespaces=\S+$/m);
  assert.match(key, /^\/bin\/sh=\/bin\/sh \d+:\d+:\d+:\d+$/m);
  assert.match(key, /^unshare=(\/\S+ \d+:\d+:\d+:\d+|-)$/m);
  assert.equal(await hostKey(), key);
});

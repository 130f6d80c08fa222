/**
 * The sandbox contract (SPEC section 5) against the real helpers, bwrap and
 * unshare alike: every test below runs once per helper and fails if the
 * sandbox leaks. A helper (or busybox, for the hermetic root) that is missing
 * skips its tests locally and fails them in CI (CI=true).
 */
import assert from "node:assert/strict";
import { fixedEnvironment } from "../../lib/sandbox/env.ts";
import { createSandbox, probe, selectSandbox } from "../../lib/sandbox/select.ts";
import type { Sandbox, SandboxRequest, SandboxResult } from "../../lib/sandbox/types.ts";

const inCi = Deno.env.get("CI") === "true";
const BUSYBOX = "/bin/busybox";
const busyboxMissing = await Deno.stat(BUSYBOX).then(() => undefined, () => "no /bin/busybox");

const HELPERS = ["bwrap", "unshare"] as const;
const probeFailures = new Map<string, string | undefined>();
for (const name of HELPERS) probeFailures.set(name, await probe(createSandbox(name)));

/** Registers `body` for each helper; a helper that does not work fails in CI and is skipped elsewhere. */
function sandboxTest(
  title: string,
  body: (sandbox: Sandbox) => Promise<void>,
  needs: { busybox?: boolean } = {},
): void {
  for (const name of HELPERS) {
    const missing = probeFailures.get(name) ?? (needs.busybox ? busyboxMissing : undefined);
    Deno.test({
      name: `sandbox(${name}): ${title}`,
      ignore: missing !== undefined && !inCi,
      fn: async () => {
        if (missing !== undefined) assert.fail(`${name} cannot be tested: ${missing}`);
        await body(createSandbox(name));
      },
    });
  }
}

interface Run {
  result: SandboxResult;
  /** The build log. */
  log: string;
  /** Reads a file the script wrote into /2nex/out. */
  out(name: string): Promise<string>;
  dir: string;
}

type Overrides = Partial<SandboxRequest> & { extraEnv?: Array<[string, string]> };

/**
 * Runs `script` in a fresh sandbox (host mode with the host's bash unless
 * overridden), hands the outcome to `check`, then removes every file it made.
 */
async function inSandbox(
  sandbox: Sandbox,
  script: string,
  check: (run: Run) => Promise<void>,
  overrides: Overrides = {},
  prepare?: (dir: string) => Promise<Overrides>,
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "2nex-sandbox-e2e-" });
  try {
    for (const sub of ["sources", "work", "out"]) await Deno.mkdir(`${dir}/${sub}`);
    await Deno.writeTextFile(`${dir}/sources/input.txt`, "input\n");
    await Deno.writeTextFile(`${dir}/script`, script);
    const prepared = prepare ? await prepare(dir) : {};
    const all = { ...overrides, ...prepared };
    const mode = all.mode ?? "host";
    const env = all.env ??
      fixedEnvironment({
        mode,
        sourceDateEpoch: 1704067200,
        sources: [{ name: "input", index: 0, path: "/2nex/sources/input.txt" }],
        jobs: 1,
        workspaceEnv: all.extraEnv ?? [],
        buildEnv: [],
      });
    const request: SandboxRequest = {
      mode,
      readOnlyMounts: [],
      writableMounts: [],
      sourcesDir: `${dir}/sources`,
      workDir: `${dir}/work`,
      outDir: `${dir}/out`,
      scriptPath: `${dir}/script`,
      shell: "/bin/bash",
      timeoutMs: 20_000,
      logPath: `${dir}/log`,
      ...all,
      env,
    };
    const result = await sandbox.run(request);
    const log = await Deno.readTextFile(`${dir}/log`).catch(() => "");
    await check({
      result,
      log,
      dir,
      out: (name) => Deno.readTextFile(`${dir}/out/${name}`),
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/**
 * Host processes (not zombies) whose command line contains `marker`. Deno may
 * not read /proc itself, so grep does; the marker travels in two halves and on
 * stdin so that neither sh nor grep matches itself.
 */
async function hostProcessesWith(marker: string): Promise<string[]> {
  const half = Math.floor(marker.length / 2);
  const search = new Deno.Command("sh", {
    args: [
      "-c",
      'printf "%s%s" "$1" "$2" | grep -l -a -F -f - /proc/[0-9]*/cmdline 2>/dev/null || true',
      "sh",
      marker.slice(0, half),
      marker.slice(half),
    ],
    stdout: "piped",
  });
  const { stdout } = await search.output();
  return new TextDecoder().decode(stdout).split("\n").filter((line) => line !== "");
}

function uniqueMarker(what: string): string {
  return `2nex-${what}-${crypto.randomUUID()}`;
}

/** Builds a root of a statically linked busybox and its applet links: nothing else. */
async function busyboxRoot(dir: string): Promise<string> {
  const root = `${dir}/root`;
  await Deno.mkdir(`${root}/bin`, { recursive: true });
  await Deno.copyFile(BUSYBOX, `${root}/bin/busybox`);
  const list = new Deno.Command(BUSYBOX, { args: ["--list"], stdout: "piped" }).outputSync();
  for (const applet of new TextDecoder().decode(list.stdout).split("\n")) {
    if (applet && applet !== "busybox") await Deno.symlink("busybox", `${root}/bin/${applet}`);
  }
  // Entries named like what the sandbox provides must be hidden, not merged.
  await Deno.mkdir(`${root}/tmp`);
  await Deno.writeTextFile(`${root}/tmp/from-root`, "x");
  return root;
}

async function listDir(path: string): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(path)) names.push(entry.name);
  return names.sort();
}

sandboxTest("the script cannot read what is not an input", async (sandbox) => {
  const secretDir = await Deno.makeTempDir({ prefix: "2nex-secret-" });
  const secret = `${secretDir}/secret.txt`;
  await Deno.writeTextFile(secret, "TOP-SECRET-2NEX\n");
  try {
    const script = [
      'for path in "$SECRET" "$SECRET_DIR" "$TEST_DIR/script" /etc/hostname /etc/passwd /root /home /var /run /sys/kernel /work; do',
      '  if cat "$path" 2>/dev/null || ls "$path" >/dev/null 2>&1; then echo "READ $path"; else echo "denied $path"; fi',
      'done > "$OUT_DIR/report"',
      'cat /2nex/sources/input.txt > "$OUT_DIR/input-copy"',
    ].join("\n");
    await inSandbox(
      sandbox,
      script,
      async ({ result, log, out, dir }) => {
        assert.equal(result.code, 0, log);
        const report = await out("report");
        assert.match(report, /denied \/etc\/hostname/);
        assert.doesNotMatch(report, /READ/, report);
        assert.equal(report.trim().split("\n").length, 11);
        assert.equal(await out("input-copy"), "input\n", "declared inputs are readable");
        assert.ok(!log.includes("TOP-SECRET"));
        assert.ok(!(await Deno.readTextFile(`${dir}/out/report`)).includes("TOP-SECRET"));
      },
      {},
      (dir) => {
        // The test dir itself (parent of the inputs) must not be reachable either.
        return Promise.resolve({
          extraEnv: [["SECRET", secret], ["SECRET_DIR", secretDir], ["TEST_DIR", dir]],
        });
      },
    );
  } finally {
    await Deno.remove(secretDir, { recursive: true });
  }
});

sandboxTest("the script writes only to /2nex/work, /2nex/out and /tmp", async (sandbox) => {
  const name = uniqueMarker("escape");
  const script = [
    `for dir in / /usr /usr/bin /bin /2nex /2nex/sources /dev /proc /homeless-shelter; do`,
    `  if ( echo x > "$dir/${name}" ) 2>/dev/null; then echo "WROTE $dir"; else echo "denied $dir"; fi`,
    `done > "$OUT_DIR/report"`,
    `echo x > "$OUT_DIR/${name}" && echo x > "$WORK_DIR/${name}" && echo x > "/tmp/${name}"`,
    `echo x > "/dev/shm/${name}" && echo x > /dev/null`,
    `echo appended >> /2nex/sources/input.txt 2>/dev/null && echo "WROTE input" >> "$OUT_DIR/report" || true`,
  ].join("\n");
  await inSandbox(sandbox, script, async ({ result, log, out, dir }) => {
    assert.equal(result.code, 0, log);
    const report = await out("report");
    assert.doesNotMatch(report, /WROTE/, report);
    assert.equal(report.trim().split("\n").length, 9);
    assert.equal(await Deno.readTextFile(`${dir}/work/${name}`), "x\n");
    assert.equal(await Deno.readTextFile(`${dir}/sources/input.txt`), "input\n");
    assert.deepEqual(await listDir(`${dir}/sources`), ["input.txt"]);
    for (const hostDir of ["/", "/usr", "/usr/bin", "/tmp"]) {
      const leaked = await Deno.lstat(`${hostDir}/${name}`).then(() => true, () => false);
      if (leaked) await Deno.remove(`${hostDir}/${name}`);
      assert.ok(!leaked, `the script created ${hostDir}/${name} on the host`);
    }
  });
});

sandboxTest("the script cannot undo its mounts or chroot its way out", async (sandbox) => {
  // The classic chroot escape (chroot into a subdirectory, climb "..", chroot "."), in perl
  // because the host mode has it; then umount and remount attempts on the read-only inputs.
  const escape = 'mkdir "/tmp/jail"; chroot "/tmp/jail" or print "chroot denied\\n"; ' +
    'chdir ".." for 1 .. 64; chroot "."; opendir(my $d, "/") or die; ' +
    'print join(" ", sort grep { !/^[.]/ } readdir $d), "\\n"';
  const script = [
    `perl -e '${escape}' > "$OUT_DIR/escape"`,
    "for path in /2nex/sources /usr /; do",
    '  if umount -l "$path" 2>/dev/null; then echo "UNMOUNTED $path"; fi',
    '  if mount -o remount,rw,bind "$path" 2>/dev/null; then echo "REMOUNTED $path"; fi',
    'done > "$OUT_DIR/mounts"',
    'if ( echo x > /2nex/sources/new ) 2>/dev/null; then echo WROTE; fi >> "$OUT_DIR/mounts"',
  ].join("\n");
  await inSandbox(sandbox, script, async ({ result, log, out, dir }) => {
    assert.equal(result.code, 0, log);
    const seen = (await out("escape")).trim().split("\n").pop()!.split(" ");
    for (const hostOnly of ["etc", "home", "root", "var", "work"]) {
      assert.ok(!seen.includes(hostOnly), `escaped to the host root: ${seen.join(" ")}`);
    }
    assert.ok(seen.includes("2nex") && seen.includes("usr"), seen.join(" "));
    assert.equal(await out("mounts"), "");
    assert.deepEqual(await listDir(`${dir}/sources`), ["input.txt"]);
  });
});

sandboxTest("the script cannot reach a listener on the host's loopback", async (sandbox) => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  let connections = 0;
  const accepting = (async () => {
    for await (const connection of listener) {
      connections++;
      connection.close();
    }
  })();
  try {
    const port = (listener.addr as Deno.NetAddr).port;
    const script = [
      `if echo hello > /dev/tcp/127.0.0.1/${port}; then echo CONNECTED; else echo refused; fi`,
      `cut -d: -f1 /proc/net/dev | tail -n +3 | tr -d ' ' > "$OUT_DIR/interfaces"`,
    ].join("\n");
    await inSandbox(sandbox, script, async ({ result, log, out }) => {
      assert.equal(result.code, 0, log);
      assert.match(log, /refused/);
      assert.doesNotMatch(log, /CONNECTED/);
      // The loopback exists but is down: no route at all, rather than a refused connection.
      assert.match(log, /Network is unreachable/);
      assert.equal((await out("interfaces")).trim(), "lo");
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.equal(connections, 0);
    });
  } finally {
    listener.close();
    await accepting.catch(() => {});
  }
});

sandboxTest("the script sees only its own processes", async (sandbox) => {
  const script = [
    "for entry in /proc/[0-9]*; do",
    "  pid=${entry#/proc/}",
    '  [ -r "$entry/cmdline" ] || continue',
    '  printf "%s %s\\n" "$pid" "$(tr "\\0" " " < "$entry/cmdline")"',
    'done > "$OUT_DIR/processes"',
    'echo $$ > "$OUT_DIR/self"',
  ].join("\n");
  await inSandbox(sandbox, script, async ({ result, log, out }) => {
    assert.equal(result.code, 0, log);
    const lines = (await out("processes")).trim().split("\n");
    // At most: an init (bwrap's), the script, the $(…) subshell and tr.
    assert.ok(lines.length >= 1 && lines.length <= 4, lines.join("\n"));
    assert.ok(lines.some((line) => line.includes("/2nex/script")), lines.join("\n"));
    for (const line of lines) {
      assert.doesNotMatch(line, /deno|2nex-sandbox-setup|^\d+ unshare /, line);
      assert.ok(Number(line.split(" ")[0]) < 20, `host-like pid: ${line}`);
    }
    assert.ok(Number(await out("self")) <= 2);
  });
});

sandboxTest("processes left running do not survive the build", async (sandbox) => {
  const marker = uniqueMarker("background");
  const script = [
    `( exec -a "${marker}-plain" sleep 300 ) &`,
    `echo $! > "$OUT_DIR/pid"`,
    `( trap '' TERM HUP INT; exec -a "${marker}-stubborn" sleep 300 ) > /dev/null 2>&1 &`,
    `( ( exec -a "${marker}-orphan" sleep 300 ) & ) > /dev/null 2>&1`,
    `sleep 0.2`,
    `grep -l "${marker}" /proc/[0-9]*/cmdline 2>/dev/null | wc -l > "$OUT_DIR/count" || true`,
  ].join("\n");
  const started = performance.now();
  await inSandbox(sandbox, script, async ({ result, log, out }) => {
    assert.equal(result.code, 0, log);
    assert.ok(performance.now() - started < 10_000);
    // Inside, the background processes were running (grep may see itself, too) …
    assert.ok(Number(await out("count")) >= 3, `count ${await out("count")}`);
    assert.match(await out("pid"), /^\d+\n$/);
    // … and on the host none is left once run() has returned.
    assert.deepEqual(await hostProcessesWith(marker), []);
  });
});

sandboxTest("a build past its time limit is killed, with all its processes", async (sandbox) => {
  const marker = uniqueMarker("timeout");
  const script = [
    `( exec -a "${marker}-child" sleep 300 ) > /dev/null 2>&1 &`,
    `echo started`,
    `exec -a "${marker}-main" sleep 300`,
  ].join("\n");
  const started = performance.now();
  await inSandbox(sandbox, script, async ({ result, log }) => {
    const elapsed = performance.now() - started;
    assert.equal(result.timedOut, true);
    assert.equal(result.code, 137);
    assert.equal(result.helperMessage, undefined);
    assert.ok(elapsed < 5_000, `took ${elapsed} ms`);
    assert.equal(log, "started\n");
    assert.deepEqual(await hostProcessesWith(marker), []);
  }, { timeoutMs: 700 });
});

sandboxTest("aborting kills the build", async (sandbox) => {
  const marker = uniqueMarker("abort");
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 500);
  await inSandbox(sandbox, `exec -a "${marker}" sleep 300`, async ({ result }) => {
    assert.equal(result.aborted, true);
    assert.equal(result.timedOut, false);
    assert.deepEqual(await hostProcessesWith(marker), []);
  }, { signal: controller.signal });
});

sandboxTest(
  "identity: uid 0, hostname 2nex, umask 022, exactly the given environment",
  async (sandbox) => {
    const tricky = "two words 'single' \"double\" $(echo no) `echo no` ; a=b\nsecond line";
    Deno.env.set("TWONEX_HOST_ONLY", "must-not-leak");
    const script = [
      'id -u > "$OUT_DIR/uid"; id -g > "$OUT_DIR/gid"',
      'cat /proc/sys/kernel/hostname > "$OUT_DIR/hostname"; uname -n >> "$OUT_DIR/hostname"',
      'umask > "$OUT_DIR/umask"; pwd > "$OUT_DIR/pwd"',
      'if [ -e /homeless-shelter ] || [ -e "$HOME" ]; then echo present; else echo absent; fi > "$OUT_DIR/home"',
      'env -0 > "$OUT_DIR/env"',
      'echo x > "$WORK_DIR/file"; mkdir "$WORK_DIR/dir"; stat -c %a "$WORK_DIR/file" "$WORK_DIR/dir" > "$OUT_DIR/modes"',
    ].join("\n");
    try {
      let expected: Array<[string, string]> = [];
      await inSandbox(
        sandbox,
        script,
        async ({ result, log, out }) => {
          assert.equal(result.code, 0, log);
          assert.equal(await out("uid"), "0\n");
          assert.equal(await out("gid"), "0\n");
          assert.equal(await out("hostname"), "2nex\n2nex\n");
          assert.equal(await out("umask"), "0022\n");
          assert.equal(await out("pwd"), "/2nex/work\n");
          assert.equal(await out("home"), "absent\n");
          assert.equal(await out("modes"), "644\n755\n");
          const seen = (await out("env")).split("\0").filter((entry) => entry !== "");
          const shellAdded = ["PWD=/2nex/work", "SHLVL=1", "_=/usr/bin/env"];
          const want = [...expected.map(([name, value]) => `${name}=${value}`), ...shellAdded];
          assert.deepEqual(seen.sort(), want.sort());
        },
        {},
        () => {
          expected = fixedEnvironment({
            mode: "host",
            sourceDateEpoch: 1704067200,
            sources: [{ name: "input", index: 0, path: "/2nex/sources/input.txt" }],
            jobs: 3,
            workspaceEnv: [["TRICKY", tricky], ["EMPTY", ""]],
            buildEnv: [["TRICKY", `${tricky}!`]],
          });
          return Promise.resolve({ env: expected });
        },
      );
    } finally {
      Deno.env.delete("TWONEX_HOST_ONLY");
    }
  },
);

sandboxTest("output goes to the log in order, and to onOutput", async (sandbox) => {
  const chunks: Uint8Array[] = [];
  const script = "echo one\necho two >&2\necho three\nfalse | true\necho unreachable\n";
  await inSandbox(
    sandbox,
    script,
    ({ result, log }) => {
      // pipefail: `false | true` fails the script.
      assert.equal(result.code, 1);
      assert.equal(log, "earlier line\none\ntwo\nthree\n");
      const streamed = new TextDecoder().decode(
        new Uint8Array(chunks.flatMap((chunk) => [...chunk])),
      );
      assert.equal(streamed, "one\ntwo\nthree\n");
      return Promise.resolve();
    },
    { onOutput: (chunk) => chunks.push(chunk.slice()) },
    async (dir) => {
      await Deno.writeTextFile(`${dir}/log`, "earlier line\n");
      return {};
    },
  );
});

sandboxTest("the exit code of the script is the result's", async (sandbox) => {
  await inSandbox(sandbox, "exit 7\n", ({ result }) => {
    assert.equal(result.code, 7);
    assert.equal(result.timedOut, false);
    return Promise.resolve();
  });
});

sandboxTest("cpus and disableAslr reach the build", async (sandbox) => {
  const script = 'nproc > "$OUT_DIR/nproc"; cat /proc/self/personality > "$OUT_DIR/personality"';
  await inSandbox(sandbox, script, async ({ result, log, out }) => {
    assert.equal(result.code, 0, log);
    assert.equal(await out("nproc"), "1\n");
    const personality = parseInt((await out("personality")).trim(), 16);
    assert.ok((personality & 0x0040000) !== 0, `personality ${personality.toString(16)}`);
  }, { cpus: 1, disableAslr: true });
  await inSandbox(sandbox, script, async ({ out }) => {
    const personality = parseInt((await out("personality")).trim(), 16);
    assert.equal(personality & 0x0040000, 0, "ASLR stays on by default");
  });
});

sandboxTest("host mode: dependency dirs read-only, bootstrap dir writable", async (sandbox) => {
  const script = [
    'cat /opt/dep/file > "$OUT_DIR/dep"',
    'if ( echo x > /opt/dep/new ) 2>/dev/null; then echo WROTE; else echo denied; fi > "$OUT_DIR/dep-write"',
    'echo built > "$BOOTSTRAP_SYSROOT/made"',
    'ls -ld /opt | cut -c1-10 > "$OUT_DIR/opt-mode"',
    'ls / > "$OUT_DIR/root"',
    'if cat /linked/hostname 2>/dev/null; then echo READ; else echo denied; fi > "$OUT_DIR/linked"',
  ].join("\n");
  await inSandbox(
    sandbox,
    script,
    async ({ result, log, out, dir }) => {
      assert.equal(result.code, 0, log);
      assert.equal(await out("dep"), "dependency\n");
      assert.equal(await out("dep-write"), "denied\n");
      assert.equal(await out("opt-mode"), "drwxr-xr-x\n");
      assert.equal(await Deno.readTextFile(`${dir}/bootstrap/made`), "built\n");
      const root = (await out("root")).trim().split("\n");
      for (const hidden of ["etc", "home", "root", "var", "run", "work", "srv"]) {
        assert.ok(!root.includes(hidden), `/${hidden} is visible: ${root.join(" ")}`);
      }
      assert.ok(root.includes("usr") && root.includes("bootstrap") && root.includes("opt"));
      // A dependency's symlink to a host directory does not bring that directory in.
      assert.equal(await out("linked"), "denied\n");
    },
    {},
    async (dir) => {
      await Deno.mkdir(`${dir}/dep`);
      await Deno.writeTextFile(`${dir}/dep/file`, "dependency\n");
      await Deno.mkdir(`${dir}/bootstrap`);
      await Deno.symlink("/etc", `${dir}/linked`);
      return {
        readOnlyMounts: [
          { hostPath: `${dir}/dep`, sandboxPath: "/opt/dep" },
          { hostPath: `${dir}/linked`, sandboxPath: "/linked" },
        ],
        writableMounts: [{ hostPath: `${dir}/bootstrap`, sandboxPath: "/bootstrap" }],
      };
    },
  );
});

sandboxTest("hermetic mode: only the root's files, read-only, never written", async (sandbox) => {
  const script = [
    'ls -a / | tr "\\n" " " > "$OUT_DIR/root"',
    'ls -a /tmp | tr "\\n" " " > "$OUT_DIR/tmp"',
    "for path in /usr/lib/x86_64-linux-gnu /usr /etc /lib64 /bin/bash /home /root; do",
    '  if [ -e "$path" ]; then echo "SEEN $path"; else echo "absent $path"; fi',
    'done > "$OUT_DIR/absent"',
    "for dir in / /bin /2nex /2nex/sources; do",
    '  if ( echo x > "$dir/new" ) 2>/dev/null; then echo "WROTE $dir"; else echo "denied $dir"; fi',
    'done > "$OUT_DIR/writes"',
    'id -u > "$OUT_DIR/uid"; hostname > "$OUT_DIR/hostname"; umask > "$OUT_DIR/umask"',
    'echo ok > "$WORK_DIR/w" && echo ok > /tmp/t',
  ].join("\n");
  await inSandbox(
    sandbox,
    script,
    async ({ result, log, out, dir }) => {
      assert.equal(result.code, 0, log);
      assert.equal(await out("root"), ". .. 2nex bin dev proc tmp ");
      assert.equal(await out("tmp"), ". .. ");
      const absent = await out("absent");
      assert.doesNotMatch(absent, /SEEN/, absent);
      const writes = await out("writes");
      assert.doesNotMatch(writes, /WROTE/, writes);
      assert.equal(await out("uid"), "0\n");
      assert.equal(await out("hostname"), "2nex\n");
      assert.equal(await out("umask"), "0022\n");
      // The root directory was not touched: no mount points, no files.
      assert.deepEqual(await listDir(`${dir}/root`), ["bin", "tmp"]);
      assert.deepEqual(await listDir(`${dir}/root/tmp`), ["from-root"]);
      assert.ok(!(await listDir(`${dir}/root/bin`)).includes("new"));
    },
    { mode: "hermetic", shell: "/bin/sh" },
    async (dir) => ({
      rootDir: await busyboxRoot(dir),
    }),
  );
}, { busybox: true });

Deno.test({
  name: "selectSandbox: auto and explicit choices give a working helper",
  ignore: [...probeFailures.values()].every((failure) => failure !== undefined) && !inCi,
  fn: async () => {
    const auto = await selectSandbox("auto");
    assert.equal(auto.name, probeFailures.get("bwrap") === undefined ? "bwrap" : "unshare");
    for (const name of HELPERS) {
      if (probeFailures.get(name) === undefined) {
        assert.equal((await selectSandbox(name)).name, name);
      } else {
        await assert.rejects(() => selectSandbox(name), /no working build sandbox/);
      }
    }
  },
});

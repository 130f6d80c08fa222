/**
 * The pure parts of the sandbox: the mount layout, the helpers' command lines,
 * the variation prefix, CPU lists and the helper-stderr filter. No namespaces.
 */
import assert from "node:assert/strict";
import { bwrapArgv } from "../../lib/sandbox/bwrap.ts";
import { innerCommand, parseCpuList, variationPrefix } from "../../lib/sandbox/command.ts";
import { hostModeMounts, sandboxLayout, type TopLevelEntry } from "../../lib/sandbox/layout.ts";
import { HelperStderr, readInitPid } from "../../lib/sandbox/runner.ts";
import { unshareArgv } from "../../lib/sandbox/unshare.ts";
import { FailureError } from "../../lib/util/errors.ts";

const dirs = {
  sourcesDir: "/cache/src",
  workDir: "/cache/build/work",
  outDir: "/cache/build/out",
  scriptPath: "/cache/build/script",
};

const hostEntries: TopLevelEntry[] = [
  { name: "bin", type: "symlink", target: "usr/bin" },
  { name: "etc", type: "dir" },
  { name: "lib", type: "symlink", target: "usr/lib" },
  { name: "lib64", type: "symlink", target: "usr/lib64" },
  { name: "sbin", type: "dir" },
  { name: "usr", type: "dir" },
];

const tail = [
  { kind: "dir", path: "/2nex", mode: "0755" },
  { kind: "ro-bind", source: "/cache/src", path: "/2nex/sources" },
  { kind: "bind", source: "/cache/build/work", path: "/2nex/work" },
  { kind: "bind", source: "/cache/build/out", path: "/2nex/out" },
  { kind: "ro-bind", source: "/cache/build/script", path: "/2nex/script" },
  { kind: "tmpfs", path: "/tmp", mode: "1777" },
  { kind: "dev", path: "/dev" },
  { kind: "tmpfs", path: "/dev/shm", mode: "1777" },
  { kind: "remount-ro", path: "/dev" },
  { kind: "proc", path: "/proc" },
  { kind: "remount-ro", path: "/" },
];

Deno.test("host layout: system dirs as found (symlinks recreated), nothing else of the host", () => {
  const steps = sandboxLayout({
    mode: "host",
    readOnlyMounts: [{ hostPath: "/cache/deps/x", sandboxPath: "/opt/x/y" }],
    writableMounts: [{ hostPath: "/cache/build/bootstrap", sandboxPath: "/bootstrap" }],
    ...dirs,
  }, hostEntries);
  assert.deepEqual(steps, [
    { kind: "symlink", target: "usr/bin", path: "/bin" },
    { kind: "symlink", target: "usr/lib", path: "/lib" },
    { kind: "symlink", target: "usr/lib64", path: "/lib64" },
    { kind: "ro-bind", source: "/sbin", path: "/sbin" },
    { kind: "ro-bind", source: "/usr", path: "/usr" },
    { kind: "dir", path: "/opt", mode: "0755" },
    { kind: "dir", path: "/opt/x", mode: "0755" },
    { kind: "ro-bind", source: "/cache/deps/x", path: "/opt/x/y" },
    { kind: "bind", source: "/cache/build/bootstrap", path: "/bootstrap" },
    ...tail,
  ]);
});

Deno.test("host layout: a dependency's top-level symlink stays a symlink", () => {
  const steps = sandboxLayout(
    {
      mode: "host",
      readOnlyMounts: [
        { hostPath: "/deps/etc-link", sandboxPath: "/x" },
        { hostPath: "/deps/opt", sandboxPath: "/opt" },
      ],
      writableMounts: [],
      ...dirs,
    },
    [],
    new Map([["/deps/etc-link", "/etc"]]),
  );
  assert.deepEqual(steps.slice(0, 2), [
    { kind: "symlink", target: "/etc", path: "/x" },
    { kind: "ro-bind", source: "/deps/opt", path: "/opt" },
  ]);
});

Deno.test("hermetic layout: every root entry read-only, sandbox-owned names hidden", () => {
  const steps = sandboxLayout({
    mode: "hermetic",
    rootDir: "/cache/roots/abc/",
    readOnlyMounts: [],
    writableMounts: [],
    ...dirs,
  }, [
    { name: "bin", type: "symlink", target: "usr/bin" },
    { name: "dev", type: "dir" },
    { name: "etc", type: "dir" },
    { name: "2nex", type: "dir" },
    { name: "init", type: "file" },
    { name: "proc", type: "dir" },
    { name: "tmp", type: "dir" },
    { name: "usr", type: "dir" },
  ]);
  assert.deepEqual(steps, [
    { kind: "symlink", target: "usr/bin", path: "/bin" },
    { kind: "ro-bind", source: "/cache/roots/abc/etc", path: "/etc" },
    { kind: "ro-bind", source: "/cache/roots/abc/init", path: "/init" },
    { kind: "ro-bind", source: "/cache/roots/abc/usr", path: "/usr" },
    ...tail,
  ]);
});

Deno.test("layout refuses mounts over what the sandbox provides, and hermetic extras", () => {
  const host = { mode: "host" as const, writableMounts: [], ...dirs };
  for (
    const sandboxPath of [
      "/usr",
      "/usr/local",
      "/bin",
      "/sbin",
      "/lib",
      "/lib64",
      "/2nex/x",
      "/tmp",
      "/proc",
      "/dev",
      "/inputs",
      "/inputs/a",
    ]
  ) {
    assert.throws(
      () => sandboxLayout({ ...host, readOnlyMounts: [{ hostPath: "/x", sandboxPath }] }, []),
      FailureError,
      sandboxPath,
    );
  }
  for (const sandboxPath of ["/", "relative", "/a/../b", "/a//b", "/a/", "/a/./b"]) {
    assert.throws(
      () => sandboxLayout({ ...host, readOnlyMounts: [{ hostPath: "/x", sandboxPath }] }, []),
      FailureError,
      sandboxPath,
    );
  }
  // Next to the reserved names, not under them: allowed.
  for (const sandboxPath of ["/opt/x", "/bootstrap", "/usrx", "/library", "/2nexx"]) {
    const steps = sandboxLayout({ ...host, readOnlyMounts: [{ hostPath: "/x", sandboxPath }] }, []);
    assert.ok(steps.some((s) => s.kind === "ro-bind" && s.path === sandboxPath), sandboxPath);
  }
  assert.throws(() =>
    sandboxLayout({
      mode: "hermetic",
      rootDir: "/r",
      readOnlyMounts: [{ hostPath: "/x", sandboxPath: "/opt/x" }],
      writableMounts: [],
      ...dirs,
    }, [])
  );
  assert.throws(() =>
    sandboxLayout({ mode: "hermetic", readOnlyMounts: [], writableMounts: [], ...dirs }, [])
  );
});

Deno.test("host-mode mounts: a dependency's own dirs, in order; the host's hide its system dirs", () => {
  const names = ["opt", "usr", "bootstrap", "2nex", "lib", "etc", "tmp", "dev", "proc", "lib64"];
  assert.deepEqual(hostModeMounts("/b/root/", names, "/bootstrap"), {
    mounts: [
      { hostPath: "/b/root/opt", sandboxPath: "/opt" },
      { hostPath: "/b/root/etc", sandboxPath: "/etc" },
    ],
    hidden: ["usr", "lib", "lib64"],
  });
  // The writable directory is left to the caller whatever its name.
  assert.deepEqual(hostModeMounts("/r", ["sysroot", "opt"], "/sysroot").mounts, [
    { hostPath: "/r/opt", sandboxPath: "/opt" },
  ]);
  assert.deepEqual(hostModeMounts("/r", [], "/bootstrap"), { mounts: [], hidden: [] });
});

Deno.test("bwrap argv: namespaces, no capabilities, env in order, layout, script launcher", () => {
  const steps = sandboxLayout(
    { mode: "host", readOnlyMounts: [], writableMounts: [], ...dirs },
    [{ name: "usr", type: "dir" }],
  );
  const argv = bwrapArgv(
    steps,
    { env: [["B", "2"], ["A", "x y"]], shell: "/bin/bash" },
    "/b/pid",
    { shellArgs: ["8192", "64"], cgroupProcs: "/cg/cgroup.procs" },
  );
  const text = argv.join(" ");
  // Network namespace from unshare so that the loopback stays down.
  assert.deepEqual(argv.slice(0, 5), ["unshare", "--user", "--map-root-user", "--net", "--"]);
  for (
    const option of [
      "--unshare-user",
      "--unshare-ipc",
      "--unshare-pid",
      "--unshare-uts",
      "--die-with-parent",
      "--new-session",
      "--clearenv",
    ]
  ) assert.ok(argv.includes(option), option);
  assert.ok(!argv.includes("--unshare-net") && !argv.includes("--unshare-all"));
  // The pid report goes to the pid file, never to a pipe the build can reach; the
  // cgroup is joined before bwrap starts.
  const launcher = argv.indexOf("-c") + 1;
  assert.match(argv[launcher], /^exec 3>"\$1" && if \[ -n "\$2" \]; then echo 0 > "\$2"; fi/);
  assert.match(argv[launcher], /exec bwrap --info-fd 3 "\$@"$/);
  assert.deepEqual(argv.slice(launcher + 1, launcher + 4), [
    "2nex-bwrap",
    "/b/pid",
    "/cg/cgroup.procs",
  ]);
  assert.match(text, /--uid 0 --gid 0 --hostname 2nex/);
  assert.match(text, /--cap-drop ALL/);
  assert.match(text, /--setenv B 2 --setenv A x y/);
  assert.match(text, /--ro-bind \/usr \/usr --perms 0755 --dir \/2nex --ro-bind \/cache\/src/);
  assert.match(text, /--perms 1777 --tmpfs \/tmp --dev \/dev/);
  assert.match(text, /--remount-ro \/dev --proc \/proc --remount-ro \/ --chdir \/2nex\/work --/);
  assert.deepEqual(argv.slice(-8), innerCommand("/bin/bash", undefined, ["8192", "64"]));
});

Deno.test("unshare argv: fixed setup script, data only as arguments", () => {
  const steps = sandboxLayout(
    { mode: "host", readOnlyMounts: [], writableMounts: [], ...dirs },
    [{ name: "usr", type: "dir" }],
  );
  const env: Array<[string, string]> = [["A", "$(touch /x) 'q'"], ["B", "2"]];
  const argv = unshareArgv("/tmp/stage", steps, { env, shell: "/usr/bin/bash" }, "/b/pid");
  const dashDash = argv.indexOf("--");
  const namespaces = argv.slice(1, dashDash);
  for (const option of ["--user", "--map-root-user", "--mount", "--pid", "--fork", "--net"]) {
    assert.ok(namespaces.includes(option), option);
  }
  for (const option of ["--kill-child", "--uts", "--ipc", "--cgroup"]) {
    assert.ok(namespaces.includes(option), option);
  }
  const script = argv[dashDash + 3];
  assert.equal(argv.slice(dashDash + 1, dashDash + 3).join(" "), "/bin/sh -c");
  // The script is the same text whatever the request holds.
  const other = unshareArgv("/elsewhere", [], { env: [], shell: "/bin/sh" }, "/c/pid");
  assert.equal(other[other.indexOf("--") + 3], script);
  assert.ok(!script.includes("/cache") && !script.includes("touch"));
  const rest = argv.slice(dashDash + 4);
  assert.deepEqual(rest.slice(0, 4), ["2nex-sandbox-setup", "/b/pid", "", "/tmp/stage"]);
  assert.deepEqual(rest.slice(4, 7), ["ro-bind", "/usr", "/usr"]);
  const proc = rest.indexOf("proc");
  assert.deepEqual(rest.slice(proc, proc + 4), ["proc", "/proc", "hostname", "2nex"]);
  const exec = rest.indexOf("--2nex-exec--");
  assert.deepEqual(rest.slice(exec), [
    "--2nex-exec--",
    "--2nex-chroot--",
    "A=$(touch /x) 'q'",
    "B=2",
    "--2nex-chroot--",
    ...innerCommand("/usr/bin/bash"),
  ]);
});

Deno.test("inner command: fixed launcher text that reads the script into the same shell", () => {
  const plain = innerCommand("/usr/bin/bash");
  assert.deepEqual(plain.slice(0, 4), ["/usr/bin/bash", "-euo", "pipefail", "-c"]);
  assert.deepEqual(plain.slice(5), ["/usr/bin/bash"]);
  assert.match(plain[4], /^umask 022 && exec 2>&1 && /);
  assert.match(plain[4], / && \. \/2nex\/script$/);
  // Limits travel as words after $0; the text stays the same.
  const limited = innerCommand("/usr/bin/bash", undefined, ["1024", "32"]);
  assert.equal(limited[4], plain[4]);
  assert.deepEqual(limited.slice(5), ["/usr/bin/bash", "1024", "32"]);
});

Deno.test("inner command: limits become hard rlimits, never raised, and the script sees no words", async () => {
  const dir = await Deno.makeTempDir();
  try {
    // The launcher sources /2nex/script; run its text with the script path swapped.
    const script = `${dir}/script`;
    await Deno.writeTextFile(
      script,
      'echo "$# $(ulimit -H -v) $(ulimit -S -v) $(ulimit -H -u 2>/dev/null || ulimit -H -p)"\n',
    );
    // bash names the process limit -u, dash -p; both must get it.
    for (const shell of ["/bin/bash", "/bin/dash"]) {
      const args = innerCommand(shell, ["-eu"], ["65536", "77"]).slice(1);
      args[2] = args[2].replace("/2nex/script", script);
      const run = async (prefix: string) => {
        const output = await new Deno.Command("/bin/bash", {
          args: ["-c", `${prefix}; exec "$@"`, "x", shell, ...args],
        }).output();
        return new TextDecoder().decode(output.stdout).trim();
      };
      assert.equal(await run("true"), "0 65536 65536 77", shell);
      // A lower hard limit of the host stays as it is.
      assert.equal(await run("ulimit -v 32768 && ulimit -u 50"), "0 32768 32768 50", shell);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("CPU lists and the variation prefix", () => {
  assert.deepEqual(parseCpuList("0-3,8,10-11\n"), [0, 1, 2, 3, 8, 10, 11]);
  assert.deepEqual(parseCpuList(" 0,1"), [0, 1]);
  assert.throws(() => parseCpuList("0-a"), FailureError);
  assert.deepEqual(variationPrefix({ available: [0, 1], arch: "x86_64" }), []);
  assert.deepEqual(
    variationPrefix({ cpus: 2, available: [4, 5, 6], disableAslr: true, arch: "x86_64" }),
    ["setarch", "x86_64", "--addr-no-randomize", "taskset", "--cpu-list", "4,5"],
  );
  assert.deepEqual(
    variationPrefix({ cpus: 8, available: [0, 1], arch: "x86_64" }),
    ["taskset", "--cpu-list", "0,1"],
  );
  assert.throws(() => variationPrefix({ cpus: 0, available: [0], arch: "x86_64" }), FailureError);
});

Deno.test("helper stderr: noise is dropped, everything else is logged, pid lookalikes too", () => {
  const stderr = new HelperStderr();
  const encode = (text: string) => new TextEncoder().encode(text);
  const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  // What a build could write through /proc/1/fd/2: logged as text, never taken for a pid.
  const forged = '{\n    "child-pid": 4242,\n}\n2nex-sandbox-init 777\n';
  assert.equal(decode(stderr.filter(encode(forged))), forged);
  assert.equal(decode(stderr.filter(encode("bwrap: oo"))), "");
  assert.equal(decode(stderr.filter(encode("ps\n"))), "bwrap: oops\n");
  const quirk = "unshare: sigprocmask unblock failed: Invalid argument\n";
  assert.equal(decode(stderr.filter(encode(quirk))), "");
  assert.equal(decode(stderr.filter(encode("partial"))), "");
  assert.equal(stderr.message(), `${forged}bwrap: oops\npartial`);
});

Deno.test("init pid file: bwrap's info JSON or a bare number; nothing else", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const file = `${dir}/pid`;
    assert.equal(readInitPid(file), undefined);
    const cases: Array<[string, number | undefined]> = [
      ['{\n    "child-pid": 4242,\n    "mnt-namespace": 1\n}\n', 4242],
      ["777\n", 777],
      ["", undefined],
      ['{\n    "child-pid": 42', undefined], // half written
      ["1\n", undefined],
      ["12 34\n", undefined],
    ];
    for (const [text, pid] of cases) {
      await Deno.writeTextFile(file, text);
      assert.equal(readInitPid(file), pid, JSON.stringify(text));
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

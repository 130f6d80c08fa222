import assert from "node:assert/strict";
import {
  commandPermissions,
  currentParentGrants,
  ENV_VARIABLES,
  type PermissionInput,
  POSITIONALS,
  SHM_DIR,
  VALUE_OPTIONS,
  workerPermissions,
} from "../../lib/cli/permissions.ts";
import { permissionInput } from "../../lib/cli/launch.ts";
import { loadAllCommands } from "../../lib/cli/commands.ts";

const COMMANDS = await loadAllCommands();
import { GLOBAL_OPTIONS } from "../../lib/cli/command.ts";
import { LOAD_THREADS_VARIABLE } from "../../lib/workspace/parallel_load.ts";

const WS = {
  root: "/ws",
  repo: "/ws/.2nex/repo",
  cache: "/ws/.2nex/cache",
  mirrorDirs: ["/mirror"],
  sharedPaths: ["/shared/cache", "/shared/key"],
  executorWrites: ["/shared/cache", "/scratch"],
  manifestDirs: ["/ws/manifests"],
  repoMissing: false,
};

function input(
  command: string | undefined,
  positionals: string[] = [],
  options: PermissionInput["options"] = {},
): PermissionInput {
  return {
    command,
    positionals,
    options,
    cwd: "/home/u/ws-sub",
    workspace: WS,
    tempDir: "/tmp/2nex-run-1",
    codePaths: ["/src/lib", "/src/deno.json"],
    executable: "/usr/bin/deno",
    createdBy: (path) => path === "/out/new/tree" ? "/out/new" : path,
    hostPaths: ["/usr", "/usr/bin"],
  };
}

const STATE_WRITES = ["/tmp/2nex-run-1", WS.cache, WS.repo].sort();

Deno.test("permissions: lint, show, graph, eval write only the state and have no network", () => {
  for (const command of ["lint", "show", "graph", "eval", "log", "gc", "hash", "diff"]) {
    const p = commandPermissions(input(command, ["x"]));
    assert.deepEqual(p.write, STATE_WRITES, command);
    assert.equal(p.net, false, command);
    assert.ok(p.read.includes("/shared/key"), command);
    assert.ok(!p.write.includes("/shared/cache"), command);
    assert.deepEqual(p.env, [...ENV_VARIABLES]);
    for (const path of [WS.root, "/mirror", "/ws/manifests", "/src/lib", "/usr/bin/deno"]) {
      assert.ok(p.read.includes(path), `${command} reads ${path}`);
    }
    assert.ok(!p.read.includes("/"), command);
    assert.ok(
      !p.read.includes("/home/u"),
      `${command} reads no ancestor of cwd, only its 2nex.yaml`,
    );
    assert.ok(p.read.includes("/home/u/2nex.yaml"));
    assert.ok(p.read.includes("/2nex.yaml"));
  }
  // A positional is read as a path (a manifest path or DIR), except an expression.
  assert.ok(commandPermissions(input("lint", ["../m.yaml"])).read.includes("/home/u/m.yaml"));
  assert.ok(!commandPermissions(input("eval", ["1"])).read.includes("/home/u/ws-sub/1"));
});

Deno.test("permissions: network only for the commands that fetch, never with --offline", () => {
  assert.equal(commandPermissions(input("fetch")).net, true);
  assert.equal(commandPermissions(input("vendor", ["/v"])).net, true);
  assert.equal(commandPermissions(input("build", ["hello"])).net, true);
  assert.equal(commandPermissions(input("build", ["hello"], { offline: true })).net, false);
  assert.equal(commandPermissions(input("fetch", [], { offline: true })).net, false);
  assert.equal(commandPermissions(input(undefined)).net, false);
});

Deno.test("permissions: the paths the command line names are writable, and only those", () => {
  assert.deepEqual(
    commandPermissions(input("checkout", ["hello", "/out/new/tree"])).write,
    [...STATE_WRITES, "/out/new"].sort(),
  );
  assert.deepEqual(
    commandPermissions(input("vendor", ["../v", "hello"])).write,
    [...STATE_WRITES, "/home/u/v"].sort(),
  );
  assert.deepEqual(
    commandPermissions(input("init", ["/new"])).write,
    [...STATE_WRITES, "/new"].sort(),
  );
  assert.deepEqual(commandPermissions(input("init")).write, [...STATE_WRITES, WS.root].sort());
  assert.deepEqual(
    commandPermissions(input("build", ["hello"])).write,
    [...STATE_WRITES, "/scratch", "/shared/cache"].sort(),
  );
  assert.deepEqual(
    commandPermissions(input("key", ["generate", "/keys/k"])).write,
    [...STATE_WRITES, "/keys/k"].sort(),
  );
  const publish = commandPermissions(input("publish", ["/srv/pub", "hello"], { key: "/keys/k" }));
  assert.deepEqual(publish.write, [...STATE_WRITES, "/srv/pub"].sort());
  assert.ok(publish.read.includes("/keys/k"));
  assert.equal(publish.net, false);
  const node = commandPermissions(input("node-build", ["manifests/m4.yaml"]));
  assert.deepEqual(node.write, [...STATE_WRITES, "/scratch", "/shared/cache"].sort());
  assert.equal(node.net, true);
  assert.deepEqual(
    commandPermissions(input("build", ["hello", "/else/x.yaml"], { "update-hash": true })).write,
    [...STATE_WRITES, "/scratch", "/shared/cache", "/ws/manifests", "/else/x.yaml"].sort(),
  );
  assert.deepEqual(
    commandPermissions(input("build", ["hello"], { rounds: "2" })).write,
    [...STATE_WRITES, "/scratch", "/shared/cache", SHM_DIR].sort(),
  );
  const fresh = { ...input("build", ["hello"]), workspace: { ...WS, repoMissing: true } };
  assert.ok(commandPermissions(fresh).write.includes("/ws/.2nex"));
});

Deno.test("permissions: without a command only the temporary directory is writable", () => {
  const p = commandPermissions(input(undefined));
  assert.deepEqual(p.write, ["/tmp/2nex-run-1"]);
  assert.ok(!p.read.includes(WS.root));
});

Deno.test("permissions: a parent that does not grant a wanted path in full is inherited", () => {
  const wanted = commandPermissions(input("lint"));
  const all = workerPermissions(wanted, () => true);
  assert.deepEqual(all.read, wanted.read);
  assert.deepEqual(all.write, wanted.write);
  assert.equal(all.net, false);
  assert.equal(all.run, "inherit");
  assert.equal(all.sys, false);
  const partialRead = workerPermissions(wanted, (name) => name !== "read");
  assert.equal(partialRead.read, "inherit");
  assert.deepEqual(partialRead.write, wanted.write);
  assert.equal(workerPermissions(commandPermissions(input("fetch")), () => true).net, "inherit");
  assert.equal(workerPermissions(commandPermissions(input("doctor")), () => true).sys, "inherit");
});

Deno.test("permissions: this test process's grants are asked for path by path", () => {
  // deno test -A: everything is granted, including paths nobody named.
  assert.equal(currentParentGrants("write", ["/nonexistent/a", "/tmp"]), true);
  assert.equal(currentParentGrants("env", ["PATH"]), true);
  assert.equal(currentParentGrants("net"), true);
});

Deno.test("permissions: the launcher reads the command line as the commands do", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/2nex.yaml`, "repo: r\ncache: c\nmirrors: [vendor/]\n");
    const parsed = await permissionInput(
      ["-C", dir, "checkout", "--output", "bin", "hello", "out/tree"],
      dir,
      "/tmp/x",
    );
    assert.equal(parsed.command, "checkout");
    assert.deepEqual(parsed.positionals, ["hello", "out/tree"]);
    assert.equal(parsed.workspace.repo, `${dir}/r`);
    assert.equal(parsed.workspace.cache, `${dir}/c`);
    assert.deepEqual(parsed.workspace.mirrorDirs, [`${dir}/vendor`]);
    assert.equal(parsed.workspace.repoMissing, true);
    // out/ does not exist: checkout creates it, so out/ is what it may write.
    assert.ok(commandPermissions(parsed).write.includes(`${dir}/out`));
    // Help and a command line without a command get the permissions of no command.
    for (const argv of [[], ["--help"], ["build", "-h"], ["-C", dir]]) {
      assert.equal((await permissionInput(argv, dir, "/tmp/x")).command, undefined, argv.join(" "));
    }
    // An unknown option is the command's to report; the launcher still finds the command.
    const unknown = await permissionInput(["vendor", "--nope", "v", "hello"], dir, "/tmp/x");
    assert.deepEqual([unknown.command, unknown.positionals], ["vendor", ["v", "hello"]]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("permissions: a 2nex.yaml the launcher leaves to the full reader gives its paths too", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const key = `${"A".repeat(43)}=`;
    await Deno.writeTextFile(
      `${dir}/2nex.yaml`,
      `repo: &shared /srv/2nex-repo\nsubstituters:\n  - url: peer/cache\n    keys: ["${key}"]\n`,
    );
    const parsed = await permissionInput(["build", "hello"], dir, "/tmp/x");
    assert.equal(parsed.workspace.repo, "/srv/2nex-repo");
    assert.deepEqual(parsed.workspace.sharedPaths, [`${dir}/peer/cache`]);
    // An invalid one: the defaults, and the command reports the problem.
    await Deno.writeTextFile(`${dir}/2nex.yaml`, "repo: [a\n");
    const invalid = await permissionInput(["build", "hello"], dir, "/tmp/x");
    assert.equal(invalid.workspace.repo, `${dir}/.2nex/repo`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("permissions: the launcher knows every option that takes a value, as the commands define it", () => {
  const valued = new Map<string, string | undefined>();
  const flags = new Set<string>();
  for (const options of [GLOBAL_OPTIONS, ...COMMANDS.map((c) => c.options)]) {
    for (const [name, spec] of Object.entries(options)) {
      if (spec.type === "string") valued.set(name, spec.short);
      else flags.add(name);
    }
  }
  const known = new Map<string, string | undefined>(
    Object.entries(VALUE_OPTIONS).map((
      [name, spec],
    ) => [name, "short" in spec ? spec.short : undefined]),
  );
  assert.deepEqual(new Map([...known].sort()), new Map([...valued].sort()));
  // A name that is a flag in one command and takes a value in another would be misread.
  assert.deepEqual([...flags].filter((name) => valued.has(name)), []);
});

Deno.test("permissions: the variables 2nex reads are the ones the worker may read", () => {
  assert.ok((ENV_VARIABLES as readonly string[]).includes(LOAD_THREADS_VARIABLE));
});

Deno.test("permissions: every command says what its positionals are; an unknown one gets nothing", () => {
  assert.deepEqual(Object.keys(POSITIONALS).sort(), COMMANDS.map((c) => c.name).sort());
  const unknown = commandPermissions(input("frobnicate", ["/etc"]));
  assert.deepEqual(unknown, commandPermissions(input(undefined, ["/etc"])));
});

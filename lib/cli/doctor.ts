/**
 * `2nex doctor`: what this host can do for 2nex, what each missing piece
 * disables, and how to fix it — the questions a failed first build raises.
 * @module
 */
import { dirname, join } from "node:path";
import type { Command, CommandContext } from "./command.ts";
import { errorMessage, ExitCode, run } from "../util/mod.ts";
import { BuildCgroup, createSandbox, probe } from "../sandbox/mod.ts";
import { CONFIG_FILE } from "../workspace/mod.ts";

/** ok: works; warn: something optional is missing; fail: builds cannot run. */
export type CheckStatus = "ok" | "warn" | "fail";

export interface Check {
  name: string;
  status: CheckStatus;
  detail: string;
  /** What does not work while this check is not ok. */
  disables?: string;
  fix?: string;
}

/** Below this much free space a GCC-sized build runs out of room. */
const LOW_SPACE_BYTES = 10 * 1024 ** 3;

/** Optional programs: what each enables. */
const OPTIONAL_TOOLS: Array<{ tool: string; enables: string; debian: string }> = [
  {
    tool: "diffoscope",
    enables: "file-by-file diff reports (`2nex diff`, --rounds)",
    debian: "diffoscope-minimal",
  },
  { tool: "faketime", enables: "the `time` variation of --rounds/--check", debian: "faketime" },
  {
    tool: "disorderfs",
    enables: "the `disorder` variation of --rounds/--check",
    debian: "disorderfs fuse3",
  },
  { tool: "setarch", enables: "the `aslr` variation of --rounds/--check", debian: "util-linux" },
];

export const doctorCommand: Command = {
  name: "doctor",
  summary: "check this host: namespaces, sandbox helpers, ostree, cgroups, space, optional tools",
  usage: "2nex doctor",
  help: `Checks what 2nex needs from the host and says, for each missing piece, what it
disables and how to fix it. Exits 1 when builds cannot run at all.

Example:
  2nex doctor
  2nex doctor --json`,
  options: {},
  maxPositionals: 0,
  async run(context) {
    const checks = [
      await userNamespaces(),
      ...(await sandboxHelpers()),
      await ostree(),
      await cgroups(),
      ...(await freeSpace(context)),
      ...(await optionalTools()),
    ];
    if (context.out.options.json) {
      context.out.json({ checks });
    } else {
      const width = Math.max(...checks.map((c) => c.name.length));
      for (const c of checks) {
        context.out.print(`${c.status.padEnd(4)}  ${c.name.padEnd(width)}  ${c.detail}`);
        if (c.status !== "ok" && c.disables) {
          context.out.print(`${" ".repeat(width + 8)}disables: ${c.disables}`);
        }
        if (c.status !== "ok" && c.fix) context.out.print(`${" ".repeat(width + 8)}fix: ${c.fix}`);
      }
    }
    return checks.some((c) => c.status === "fail") ? ExitCode.failure : ExitCode.ok;
  },
};

/** The kernel settings that block unprivileged user namespaces, named in the fix. */
const USERNS_SYSCTLS = "user.max_user_namespaces > 0, kernel.unprivileged_userns_clone=1 and " +
  "kernel.apparmor_restrict_unprivileged_userns=0 (as far as the kernel has them)";

/** Whether this user may create a user namespace (what both helpers build on). */
async function userNamespaces(): Promise<Check> {
  const name = "user namespaces";
  try {
    const result = await run(["unshare", "--user", "--map-root-user", "/bin/true"], {
      check: false,
      timeoutMs: 10_000,
    });
    if (result.code === 0) return { name, status: "ok", detail: "this user can create one" };
    return {
      name,
      status: "fail",
      detail: `unshare --user failed: ${result.stderr.trim().split("\n").pop()}`,
      disables: "every build",
      fix: `sysctl ${USERNS_SYSCTLS}`,
    };
  } catch (error) {
    return {
      name,
      status: "fail",
      detail: errorMessage(error),
      disables: "every build",
      fix: "apt-get install util-linux",
    };
  }
}

async function sandboxHelpers(): Promise<Check[]> {
  const outcomes = await Promise.all(
    (["bwrap", "unshare"] as const).map(async (helper) => ({
      helper,
      failure: await probe(createSandbox(helper)),
    })),
  );
  const anyWorks = outcomes.some((o) => o.failure === undefined);
  return outcomes.map(({ helper, failure }) => {
    const name = `sandbox ${helper}`;
    if (failure === undefined) {
      return { name, status: "ok", detail: "a trivial sandbox ran as uid 0" };
    }
    return {
      name,
      status: anyWorks ? "warn" : "fail",
      detail: failure,
      disables: anyWorks ? `\`sandbox: ${helper}\` (the other helper works)` : "every build",
      fix: helper === "bwrap"
        ? "apt-get install bubblewrap; enable unprivileged user namespaces"
        : "apt-get install util-linux; enable unprivileged user namespaces",
    };
  });
}

/**
 * The ostree program: optional, since 2nex reads and writes its repository
 * itself; only pruning, publishing and pulling from binary caches run it.
 */
async function ostree(): Promise<Check> {
  const name = "ostree";
  const missing = {
    name,
    status: "warn" as const,
    disables: "`gc`, `publish` and binary caches (substituters); builds and checkouts work",
    fix: "apt-get install ostree",
  };
  try {
    const result = await run(["ostree", "--version"], { check: false, timeoutMs: 10_000 });
    const version = /Version:\s*'?([^'\s]+)/.exec(result.stdout)?.[1] ?? "unknown version";
    if (result.code === 0) return { name, status: "ok", detail: `ostree ${version}` };
    return { ...missing, detail: `ostree --version exited ${result.code}` };
  } catch (error) {
    return { ...missing, detail: errorMessage(error) };
  }
}

/** Whether builds get a cgroup for their process limit, tried for real. */
async function cgroups(): Promise<Check> {
  const name = "cgroups";
  const cgroup = await BuildCgroup.create(4096);
  if (cgroup) {
    await cgroup.finish();
    return {
      name,
      status: "ok",
      detail: `builds get a pids cgroup (tried one under ${cgroup.dir.replace(/\/[^/]+$/, "")})`,
    };
  }
  return {
    name,
    status: "warn",
    detail: "no cgroup with the pids controller can be made here; rlimits limit processes instead",
    disables:
      "the process limit for builds run by root (the kernel does not apply RLIMIT_NPROC to root)",
    fix: "delegate a cgroup v2 subtree with the pids controller to 2nex's user " +
      "(systemd-run --user --scope -p Delegate=yes 2nex …), or run it where /sys/fs/cgroup/pids is writable",
  };
}

async function freeSpace(context: CommandContext): Promise<Check[]> {
  /** [label, path shown, path measured] */
  let paths: Array<[string, string, string]>;
  try {
    await Deno.stat(join(context.globals.workspace ?? context.cwd, CONFIG_FILE)).catch(() => {
      if (!context.globals.workspace) throw new Error("no workspace here");
    });
    const ws = await context.workspace();
    paths = [
      ["repository", ws.config.repo, ws.config.repo],
      ["source cache", ws.config.cache, ws.config.cache],
    ];
  } catch {
    // The launcher points TMPDIR at a private directory of this run, on the
    // host's temporary directory's file system: that one is measured, its parent shown.
    const tmp = Deno.env.get("TMPDIR") ?? "/tmp";
    const shown = /\/2nex-run-[^/]+\/?$/.test(tmp) ? dirname(tmp) : tmp;
    paths = [["temporary directory", shown, tmp]];
  }
  // node:fs is imported here, not at the top: it costs every command ~8 ms to load.
  const { statfsSync } = await import("node:fs");
  return paths.map(([label, path, measured]) => {
    const name = `space: ${label}`;
    let dir = measured;
    // The directory may not exist yet: measure the nearest one that does.
    while (true) {
      try {
        Deno.statSync(dir);
        break;
      } catch {
        const parent = join(dir, "..");
        if (parent === dir) break;
        dir = parent;
      }
    }
    try {
      const fs = statfsSync(dir);
      const free = fs.bavail * fs.bsize;
      const gib = (free / 1024 ** 3).toFixed(1);
      if (free >= LOW_SPACE_BYTES) {
        return { name, status: "ok", detail: `${gib} GiB free at ${path}` };
      }
      return {
        name,
        status: "warn",
        detail: `only ${gib} GiB free at ${path}`,
        disables: "large builds (a GCC build needs several GiB)",
        fix: "free space, or point `repo:`/`cache:` in 2nex.yaml at a larger disk",
      };
    } catch (error) {
      return {
        name,
        status: "warn",
        detail: `cannot measure: ${error instanceof Error ? error.message : error}`,
      };
    }
  });
}

async function optionalTools(): Promise<Check[]> {
  const dirs = (Deno.env.get("PATH") ?? "/usr/bin:/bin").split(":").filter(Boolean);
  const found = async (tool: string) => {
    for (const dir of dirs) {
      try {
        if ((await Deno.stat(join(dir, tool))).isFile) return join(dir, tool);
      } catch {
        // Not in this directory.
      }
    }
    return undefined;
  };
  return await Promise.all(OPTIONAL_TOOLS.map(async ({ tool, enables, debian }) => {
    const path = await found(tool);
    return path ? { name: tool, status: "ok" as const, detail: path } : {
      name: tool,
      status: "warn" as const,
      detail: "not on PATH",
      disables: enables,
      fix: `apt-get install ${debian}`,
    };
  }));
}

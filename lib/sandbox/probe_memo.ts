/**
 * Remembers across runs that a sandbox helper passed its probe (select.ts) on
 * this host, so that a build does not start a whole extra sandbox before its
 * first real one (about 40 ms, the largest fixed cost of a trivial rebuild).
 *
 * A remembered success holds only while what decides it is unchanged: the
 * helper programs (path, device, inode, size, mtime of `unshare`, `bwrap`,
 * `setpriv` and `/bin/sh`), the kernel release, the uid, and the user
 * namespace sysctls. Anything that changes one of them changes the key and
 * the next build probes again. Nothing in the file can make a build run
 * unsandboxed (there is no such path): at worst it names a helper that no
 * longer works, whose first failing run then probes it again (select.ts).
 *
 * Deno may not read /proc without --allow-all, so the kernel's facts come from
 * a fixed shell script run by setpriv (which only execs it), as in cgroup.ts.
 * @module
 */
import { run } from "../util/mod.ts";
import { writeFileAtomic } from "../util/mod.ts";
import { HELPER_PATH } from "./runner.ts";
import type { Sandbox } from "./types.ts";

/** Marks the file's layout; a file without it is not ours and is ignored. */
const FORMAT = "2nex-sandbox-probe/1";

/** The helpers a file may name: nothing else is ever taken from it. */
const HELPERS: readonly Sandbox["name"][] = ["bwrap", "unshare"];

/** The programs the two helpers run before any build code (by name on HELPER_PATH, or by path). */
const PROGRAMS = ["unshare", "bwrap", "setpriv", "/bin/sh"];

/**
 * Kernel settings that decide whether an unprivileged user may create user
 * namespaces (Debian, upstream limits, Ubuntu's AppArmor switch); missing ones
 * read as "-".
 */
export const USERNS_SYSCTLS = [
  "/proc/sys/kernel/osrelease",
  "/proc/sys/kernel/unprivileged_userns_clone",
  "/proc/sys/user/max_user_namespaces",
  "/proc/sys/user/max_mnt_namespaces",
  "/proc/sys/user/max_pid_namespaces",
  "/proc/sys/user/max_net_namespaces",
  "/proc/sys/kernel/apparmor_restrict_unprivileged_userns",
];

/**
 * Prints `uid=N` (the real uid, from /proc/self/status: setpriv and sh keep
 * 2nex's) and `FILE=VALUE` for each file argument (its first line, "-" if
 * unreadable). sh's `read` takes a byte per system call: it stops at the Uid line.
 */
const FACTS_SCRIPT = `set -u
while read -r key real rest; do
  if [ "$key" = Uid: ]; then printf 'uid=%s\\n' "$real"; break; fi
done < /proc/self/status
for file in "$@"; do
  value=-
  read -r value < "$file" 2>/dev/null || true
  printf '%s=%s\\n' "$file" "$value"
done
`;

/** The host facts a probe's outcome depends on, as text; undefined when they cannot be read. */
export async function hostKey(): Promise<string | undefined> {
  const [kernel, programs] = await Promise.all([
    kernelFacts(),
    Promise.all(PROGRAMS.map(identity)),
  ]);
  return kernel === undefined ? undefined : `${kernel}\n${programs.join("\n")}`;
}

async function kernelFacts(): Promise<string | undefined> {
  const argv = [
    "setpriv",
    "--",
    "/bin/sh",
    "-c",
    FACTS_SCRIPT,
    "2nex-host-facts",
    ...USERNS_SYSCTLS,
  ];
  const result = await run(argv, { check: false, unguarded: true }).catch(() => undefined);
  if (result === undefined || result.code !== 0 || !/^uid=\d+$/m.test(result.stdout)) {
    return undefined;
  }
  return result.stdout.trim();
}

/** `NAME=PATH DEV:INO:SIZE:MTIME` of the program a helper would run, or `NAME=-`. */
async function identity(name: string): Promise<string> {
  const candidates = name.startsWith("/")
    ? [name]
    : HELPER_PATH.split(":").map((dir) => `${dir}/${name}`);
  for (const path of candidates) {
    try {
      const info = await Deno.stat(path);
      if (!info.isFile) continue;
      return `${name}=${path} ${info.dev}:${info.ino}:${info.size}:${info.mtime?.getTime()}`;
    } catch {
      // Not here (or not readable): the helper would not run it from here either.
    }
  }
  return `${name}=-`;
}

/** What the memo file holds. */
interface MemoFile {
  format: typeof FORMAT;
  key: string;
  works: Sandbox["name"][];
}

/**
 * The memo of one workspace (a file under its cache). `key` computes the host
 * facts; tests pass their own.
 */
export class ProbeMemo {
  #key?: Promise<string | undefined>;

  constructor(
    readonly path: string,
    private readonly key: () => Promise<string | undefined> = hostKey,
  ) {}

  /** Whether `name` passed a probe under the host facts of now. */
  async remembers(name: Sandbox["name"]): Promise<boolean> {
    const key = await this.#currentKey();
    if (key === undefined) return false;
    return (await this.#read(key))?.includes(name) ?? false;
  }

  /** Records that `name` just passed a probe. A memo that cannot be written is no error. */
  async remember(name: Sandbox["name"]): Promise<void> {
    const key = await this.#currentKey();
    if (key === undefined) return;
    const works = new Set(await this.#read(key) ?? []);
    works.add(name);
    const file: MemoFile = { format: FORMAT, key, works: [...works].sort() };
    await writeFileAtomic(this.path, `${JSON.stringify(file)}\n`).catch(() => {});
  }

  /** Drops every remembered success (a remembered helper failed its probe). */
  async forget(): Promise<void> {
    await Deno.remove(this.path).catch(() => {});
  }

  #currentKey(): Promise<string | undefined> {
    return this.#key ??= this.key().catch(() => undefined);
  }

  /** The helpers the file remembers under `key`; undefined for a missing, stale or foreign file. */
  async #read(key: string): Promise<Sandbox["name"][] | undefined> {
    let parsed: unknown;
    try {
      parsed = JSON.parse(await Deno.readTextFile(this.path));
    } catch {
      return undefined;
    }
    if (typeof parsed !== "object" || parsed === null) return undefined;
    const file = parsed as Partial<Record<keyof MemoFile, unknown>>;
    if (file.format !== FORMAT || file.key !== key || !Array.isArray(file.works)) return undefined;
    const works: unknown[] = file.works;
    return works.filter((name): name is Sandbox["name"] =>
      HELPERS.includes(name as Sandbox["name"])
    );
  }
}

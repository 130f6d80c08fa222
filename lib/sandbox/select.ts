/**
 * Picks the sandbox helper. A helper counts as working only after it has run
 * a real (trivial) host-mode sandbox: once per process, or once for as long as
 * a workspace's probe memo (probe_memo.ts) remembers that it did on an
 * unchanged host. A remembered helper whose run fails is probed again, so a
 * stale memo ends in the same error a probe gives; there is no unsandboxed
 * fallback.
 *
 * @example
 * ```ts
 * import type { SandboxRequest } from "./types.ts";
 * declare const request: SandboxRequest;
 * const sandbox = await selectSandbox("auto");
 * const result = await sandbox.run(request);
 * ```
 * @module
 */
import { errorMessage, FailureError } from "../util/mod.ts";
import { BwrapSandbox } from "./bwrap.ts";
import { BASE_PATH, SandboxPaths } from "./env.ts";
import type { ProbeMemo } from "./probe_memo.ts";
import type { Sandbox, SandboxRequest, SandboxResult } from "./types.ts";
import { UnshareSandbox } from "./unshare.ts";

/** The workspace's `sandbox:` setting. */
export type SandboxPreference = "auto" | "bwrap" | "unshare";

/** Outcome of trying a helper: undefined when it works, else why not. */
type ProbeOutcome = string | undefined;

/** Makes the sandbox of a helper; tests pass their own. */
export type SandboxFactory = (name: Sandbox["name"]) => Sandbox;

/** What selectSandbox may use besides the preference. */
export interface SelectOptions {
  /** Skips the probe of a helper it remembers, and remembers each one that passes. */
  memo?: ProbeMemo;
  /** Default: createSandbox. Each factory has its own once-per-process probes. */
  create?: SandboxFactory;
}

/** A fresh instance of the named implementation (no probe). */
export function createSandbox(name: Sandbox["name"]): Sandbox {
  return name === "bwrap" ? new BwrapSandbox() : new UnshareSandbox();
}

const probesByFactory = new WeakMap<SandboxFactory, Map<Sandbox["name"], Promise<ProbeOutcome>>>();

/**
 * The sandbox to use. "auto": bwrap if it works, else unshare. Throws
 * FailureError (exit 1) saying what to install when the preferred helper, or
 * with "auto" both, do not work.
 */
export async function selectSandbox(
  preference: SandboxPreference,
  options: SelectOptions = {},
): Promise<Sandbox> {
  const { memo, create = createSandbox } = options;
  const candidates: Sandbox["name"][] = preference === "auto" ? ["bwrap", "unshare"] : [preference];
  const reasons: string[] = [];
  for (const name of candidates) {
    if (memo && !probed(create, name) && await memo.remembers(name)) {
      return new RememberedSandbox(
        create(name),
        () => confirmRemembered(preference, name, memo, create),
      );
    }
    const sandbox = create(name);
    const failure = await probeOnce(sandbox, create);
    if (failure === undefined) {
      await memo?.remember(name);
      return sandbox;
    }
    reasons.push(`${name}: ${failure}`);
  }
  throw new FailureError(
    `no working build sandbox (tried ${candidates.join(", ")}); 2nex never builds unsandboxed\n${
      reasons.join("\n")
    }`,
    {
      hint: "install bubblewrap (apt-get install bubblewrap) and make sure unprivileged user " +
        "namespaces are enabled (sysctl kernel.unprivileged_userns_clone=1; on Ubuntu also " +
        "kernel.apparmor_restrict_unprivileged_userns=0)",
    },
  );
}

/** Whether this process has probed `name` (made by `create`) already. */
function probed(create: SandboxFactory, name: Sandbox["name"]): boolean {
  return probesByFactory.get(create)?.has(name) ?? false;
}

/** Runs the probe of `sandbox` once per process and factory, and remembers the outcome. */
function probeOnce(sandbox: Sandbox, create: SandboxFactory): Promise<ProbeOutcome> {
  let probes = probesByFactory.get(create);
  if (!probes) probesByFactory.set(create, probes = new Map());
  let outcome = probes.get(sandbox.name);
  if (!outcome) {
    outcome = probe(sandbox);
    probes.set(sandbox.name, outcome);
  }
  return outcome;
}

/**
 * After a remembered helper's run failed: probes it now. Resolves when it
 * works (the build itself failed). Otherwise drops the memo and throws what
 * choosing afresh says: the no-working-sandbox error of a probe, or, when
 * "auto" finds the other helper working, that the next build will use it.
 */
async function confirmRemembered(
  preference: SandboxPreference,
  name: Sandbox["name"],
  memo: ProbeMemo,
  create: SandboxFactory,
): Promise<void> {
  const failure = await probeOnce(create(name), create);
  if (failure === undefined) return;
  await memo.forget();
  const other = await selectSandbox(preference, { memo, create });
  throw new FailureError(
    `the ${name} sandbox stopped working since it was last checked (${failure}); ` +
      `2nex uses ${other.name} from now on`,
    { hint: "run the build again" },
  );
}

/**
 * A helper taken from the probe memo: a run that fails or throws has it
 * probed (once); when that probe fails too, the run throws the probe's error
 * instead of reporting a failed build.
 */
class RememberedSandbox implements Sandbox {
  readonly name: Sandbox["name"];
  #confirmation?: Promise<void>;

  constructor(private readonly inner: Sandbox, private readonly confirm: () => Promise<void>) {
    this.name = inner.name;
  }

  async run(request: SandboxRequest): Promise<SandboxResult> {
    let result: SandboxResult;
    try {
      result = await this.inner.run(request);
    } catch (error) {
      await this.#confirmOnce();
      throw error;
    }
    if (result.code !== 0 && !result.timedOut && !result.aborted) await this.#confirmOnce();
    return result;
  }

  #confirmOnce(): Promise<void> {
    return this.#confirmation ??= this.confirm();
  }
}

/** Runs `true`-like script in a host-mode sandbox; resolves with the reason it failed, if it did. */
export async function probe(sandbox: Sandbox): Promise<ProbeOutcome> {
  const dir = await Deno.makeTempDir({ prefix: "2nex-sandbox-probe-" });
  try {
    for (const sub of ["sources", "work", "out"]) await Deno.mkdir(`${dir}/${sub}`);
    await Deno.writeTextFile(`${dir}/script`, 'echo "2nex-probe $(id -u)" > "$OUT_DIR/probe"\n');
    const result = await sandbox.run({
      mode: "host",
      readOnlyMounts: [],
      writableMounts: [],
      sourcesDir: `${dir}/sources`,
      workDir: `${dir}/work`,
      outDir: `${dir}/out`,
      scriptPath: `${dir}/script`,
      shell: "/bin/bash",
      env: [["PATH", BASE_PATH], ["OUT_DIR", SandboxPaths.out]],
      timeoutMs: 30_000,
      logPath: `${dir}/log`,
    });
    if (result.code !== 0 || result.timedOut) {
      const log = await Deno.readTextFile(`${dir}/log`).catch(() => "");
      const detail = (result.helperMessage ?? log).trim().split("\n").slice(-3).join("; ");
      return `a trivial sandbox exited with code ${result.code}${detail ? `: ${detail}` : ""}`;
    }
    const written = await Deno.readTextFile(`${dir}/out/probe`).catch(() => "");
    if (written.trim() !== "2nex-probe 0") {
      return `a trivial sandbox did not run as uid 0 (wrote "${written.trim()}")`;
    }
    return undefined;
  } catch (error) {
    return errorMessage(error);
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

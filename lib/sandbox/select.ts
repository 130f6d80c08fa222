/**
 * Picks the sandbox helper. A helper counts as working only after it has run
 * a real (trivial) host-mode sandbox, once per process; there is no
 * unsandboxed fallback.
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
import type { Sandbox } from "./types.ts";
import { UnshareSandbox } from "./unshare.ts";

/** The workspace's `sandbox:` setting. */
export type SandboxPreference = "auto" | "bwrap" | "unshare";

/** Outcome of trying a helper: undefined when it works, else why not. */
type ProbeOutcome = string | undefined;

const probes = new Map<Sandbox["name"], Promise<ProbeOutcome>>();

/** A fresh instance of the named implementation (no probe). */
export function createSandbox(name: Sandbox["name"]): Sandbox {
  return name === "bwrap" ? new BwrapSandbox() : new UnshareSandbox();
}

/**
 * The sandbox to use. "auto": bwrap if it works, else unshare. Throws
 * FailureError (exit 1) saying what to install when the preferred helper, or
 * with "auto" both, do not work.
 */
export async function selectSandbox(preference: SandboxPreference): Promise<Sandbox> {
  const candidates: Sandbox["name"][] = preference === "auto" ? ["bwrap", "unshare"] : [preference];
  const reasons: string[] = [];
  for (const name of candidates) {
    const sandbox = createSandbox(name);
    const failure = await probeOnce(sandbox);
    if (failure === undefined) return sandbox;
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

/** Runs the probe of `sandbox` once per process and remembers the outcome. */
function probeOnce(sandbox: Sandbox): Promise<ProbeOutcome> {
  let outcome = probes.get(sandbox.name);
  if (!outcome) {
    outcome = probe(sandbox);
    probes.set(sandbox.name, outcome);
  }
  return outcome;
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

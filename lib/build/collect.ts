/**
 * Stage 3 of a package build: collect the result the script left in the out
 * directory. Splits it into outputs (outputs.ts), refuses a result that lacks
 * a listed path, warns about files in no output and patterns that match
 * nothing, removes what `discard` takes, and hashes what is left.
 * @module
 */
import type { Manifest } from "../manifest/mod.ts";
import { FileChecksums, type Store } from "../store/mod.ts";
import { FailureError } from "../util/mod.ts";
import { originalChecksum, type OriginalMode } from "../original/mod.ts";
import { type OutputPlan, planOutputs, removeDiscarded } from "./outputs.ts";
import { describe } from "./describe.ts";

/** The out directory split into outputs, before anything is removed. */
export interface CollectedResult {
  plan: OutputPlan;
  /** With `semantics: original`: the original builder's checksum of the result as the script left it. */
  originalHash?: string;
}

/** Plans the outputs of the result in `outDir` (nothing is changed yet). */
export async function planResult(
  outDir: string,
  manifest: Manifest,
  original: OriginalMode | undefined,
): Promise<CollectedResult> {
  // The original builder checksummed the output directory as the script left it.
  const originalHash = original ? await originalChecksum(outDir) : undefined;
  const plan = await planOutputs(outDir, manifest.outputs);
  return { plan, originalHash };
}

/** The error for a result that lacks listed output paths; `look` is where to look. */
export function missingOutputsError(
  manifest: Manifest,
  plan: OutputPlan,
  look: string,
): FailureError {
  return new FailureError(
    `build of ${describe(manifest)} lacks listed output paths: ` +
      plan.missing.map((m) => `${m.pattern} (output ${m.output})`).join(", "),
    { hint: `the script must create them under $OUT_DIR; see ${look}` },
  );
}

/** Warnings about files no output takes and glob patterns that match nothing. */
export function planWarnings(manifest: Manifest, plan: OutputPlan): string[] {
  const warnings: string[] = [];
  if (plan.unlisted.length > 0) {
    const shown = plan.unlisted.slice(0, 20).map((p) => `/${p}`).join(", ");
    const more = plan.unlisted.length > 20 ? ` and ${plan.unlisted.length - 20} more` : "";
    warnings.push(`${describe(manifest)}: files in no output: ${shown}${more}`);
  }
  for (const u of plan.unmatched) {
    warnings.push(
      `${describe(manifest)}: pattern ${u.pattern} of output ${u.output} matches nothing`,
    );
  }
  return warnings;
}

/**
 * Removes the discarded paths from `outDir` and returns the output hash of what
 * is left, and its files' checksums for the commit.
 */
export async function discardAndHash(
  outDir: string,
  plan: OutputPlan,
  store: Pick<Store, "hashDirectory">,
): Promise<{ outputHash: string; files: FileChecksums }> {
  await removeDiscarded(outDir, plan);
  const files = new FileChecksums();
  return { outputHash: await store.hashDirectory(outDir, files), files };
}

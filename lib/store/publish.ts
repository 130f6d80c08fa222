/**
 * Publishing results: an `archive`-mode ostree repository (static files any
 * web server can serve) filled from the local `bare-user-only` one, with each
 * published commit and the summary signed with ed25519 in ostree's format.
 *
 * @example
 * ```ts
 * import { readSecretKeyFile } from "./sign.ts";
 * import { Store } from "./repo.ts";
 * const store = await Store.open(".2nex/repo");
 * declare const commit: string;
 * const key = await readSecretKeyFile("cache.key");
 * await publishRefs(store, "/srv/2nex", { "x86_64/m4/1.4.19/main/tree": commit }, key);
 * ```
 * @module
 */
import { FailureError, run } from "../util/mod.ts";
import { objectPath, renameInto, writeTemp } from "./objects.ts";
import { signBytes, type SigningKey, withSignature } from "./sign.ts";
import type { Store } from "./repo.ts";

/** What a publish did. */
export interface PublishResult {
  refs: number;
  commits: number;
  signed: boolean;
}

/** Refs per `ostree pull-local` process, so that argv stays short. */
const REFS_PER_PULL = 200;

/**
 * Copies `refs` (name → commit of `store`) into the archive repository at
 * `dest` (created when missing), signs each of their commits with `key`, and
 * rewrites the summary (signed too). Refs already in `dest` stay.
 */
export async function publishRefs(
  store: Store,
  dest: string,
  refs: Record<string, string>,
  key: SigningKey | undefined,
): Promise<PublishResult> {
  await openArchive(dest);
  const names = Object.keys(refs);
  for (let i = 0; i < names.length; i += REFS_PER_PULL) {
    await run([
      "ostree",
      "pull-local",
      `--repo=${dest}`,
      store.path,
      ...names.slice(i, i + REFS_PER_PULL),
    ]);
  }
  const commits = [...new Set(Object.values(refs))];
  if (key) {
    for (const commit of commits) await signCommit(dest, commit, key);
  }
  await run(["ostree", "summary", `--repo=${dest}`, "--update"]);
  await signSummary(dest, key);
  return { refs: names.length, commits: commits.length, signed: key !== undefined };
}

/** Creates an archive repository at `dest`, or checks that the one there is one. */
async function openArchive(dest: string): Promise<void> {
  let config: string | undefined;
  try {
    config = await Deno.readTextFile(`${dest}/config`);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  if (config === undefined) {
    await Deno.mkdir(dest, { recursive: true });
    await run(["ostree", "init", `--repo=${dest}`, "--mode=archive"]);
    return;
  }
  const mode = /^mode\s*=\s*(\S+)\s*$/m.exec(config)?.[1] ?? "bare";
  if (mode !== "archive" && mode !== "archive-z2") {
    throw new FailureError(`${dest} is an ostree repository of mode ${mode}`, {
      hint:
        "publish into a new directory or an archive-mode repository (the one a web server serves)",
    });
  }
}

/** Adds `key`'s signature of the commit object to its detached metadata in `repo`. */
async function signCommit(repo: string, commit: string, key: SigningKey): Promise<void> {
  const bytes = await Deno.readFile(objectPath(repo, commit, "commit"));
  const metaPath = objectPath(repo, commit, "commitmeta");
  const existing = await Deno.readFile(metaPath).catch((error) => {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  });
  const detached = withSignature(existing, signBytes(key.secret, bytes));
  await renameInto(await writeTemp(repo, detached, true), metaPath);
}

/**
 * Writes `summary.sig` for the current summary; without a key removes it, since
 * a signature of an older summary would make every verifying client refuse.
 */
async function signSummary(repo: string, key: SigningKey | undefined): Promise<void> {
  const sigPath = `${repo}/summary.sig`;
  if (!key) {
    await Deno.remove(sigPath).catch(() => {});
    return;
  }
  const summary = await Deno.readFile(`${repo}/summary`);
  const signed = withSignature(undefined, signBytes(key.secret, summary));
  await renameInto(await writeTemp(repo, signed, true), sigPath);
}

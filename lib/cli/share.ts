/** Sharing results: `key generate FILE` and `publish DEST [PKG…] [--key FILE]`. */
import { resolve } from "node:path";
import type { Command, CommandContext } from "./command.ts";
import { loadSelected } from "./packages.ts";
import { buildOrder, type GraphNode } from "../graph/resolve.ts";
import { ExitCode, FailureError, InvalidInputError } from "../util/errors.ts";
import { INPUT_KEY_PREFIX, inputKeyRef, type Store } from "../store/mod.ts";
import { refsOfPackage } from "../store/refs.ts";
import { openWorkspaceState } from "../build/state.ts";
import { generateSigningKey, readSecretKeyFile } from "../store/sign.ts";
import { publishRefs } from "../store/publish.ts";
import { describe } from "../build/describe.ts";

export const keyCommand: Command = {
  name: "key",
  summary: "write an ed25519 signing key for publish and print its public key",
  usage: "2nex key generate FILE",
  help: `Writes a new ed25519 secret key to FILE (mode 0600, refused when FILE exists),
in the form \`ostree sign --sign-type=ed25519 --keys-file\` reads, and prints its
public key (base64), which the machines that pull list under a substituter's
\`keys:\` in 2nex.yaml, or give to \`ostree remote add --sign-verify=ed25519=inline:KEY\`.

Example:
  2nex key generate ~/.config/2nex/cache.key`,
  options: {},
  maxPositionals: 2,
  minPositionals: 2,
  async run(context, positionals) {
    const [verb, file] = positionals;
    if (verb !== "generate") {
      throw new InvalidInputError(`key: unknown action "${verb}"`, {
        hint: "usage: 2nex key generate FILE",
      });
    }
    const path = resolve(context.cwd, file);
    const key = generateSigningKey();
    try {
      await Deno.writeTextFile(path, `${key.secret}\n`, { createNew: true, mode: 0o600 });
      // The umask may have removed bits but never adds any; make the mode exact anyway.
      await Deno.chmod(path, 0o600);
    } catch (error) {
      if (error instanceof Deno.errors.AlreadyExists) {
        throw new InvalidInputError(`${file} exists; a key is never overwritten`, {
          hint: "choose a new file name",
        });
      }
      throw new FailureError(`cannot write ${file}: ${(error as Error).message}`);
    }
    if (context.out.options.json) context.out.json({ file: path, publicKey: key.publicKey });
    else context.out.print(key.publicKey);
    return ExitCode.ok;
  },
};

export const publishCommand: Command = {
  name: "publish",
  summary: "copy results into a signed archive ostree repository any web server can serve",
  usage: "2nex publish DEST [PKG…] [--key FILE] [--flavor F]",
  help: `Copies the built results of PKG and everything it depends on (of every package
in the repository when none is named) into the archive-mode ostree repository
DEST (created when missing): the package refs and the 2nex/inputs/<key> refs
that substituters look up. With --key, each published commit and the summary
are signed with that ed25519 key (see \`2nex key generate\`). Serve DEST with any
static web server and list it under \`substituters:\` on the other machines.

Options:
      --key FILE   sign with the ed25519 secret key in FILE
      --flavor F   narrow package selectors to flavor F

Example:
  2nex publish /srv/2nex --key ~/.config/2nex/cache.key`,
  options: { key: { type: "string" }, flavor: { type: "string" } },
  maxPositionals: Infinity,
  minPositionals: 1,
  async run(context, positionals, options) {
    const dest = resolve(context.cwd, positionals[0]);
    const keyFile = options.key as string | undefined;
    const key = keyFile ? await readSecretKeyFile(resolve(context.cwd, keyFile)) : undefined;
    const selectors = positionals.slice(1);
    const ws = await context.workspace();
    const state = await openWorkspaceState(ws, context.out);
    try {
      if (resolve(dest) === resolve(ws.config.repo)) {
        throw new InvalidInputError("DEST is the workspace's own repository");
      }
      const refs = selectors.length === 0
        ? await state.store.listRefs()
        : await refsOfSelected(context, state.store, selectors, options.flavor as string);
      if (Object.keys(refs).length === 0) {
        throw new FailureError("nothing to publish: no package is built", {
          hint: "run `2nex build PKG` first",
        });
      }
      const result = await publishRefs(state.store, dest, refs, key);
      if (!key) context.out.warn("published unsigned: substituters refuse unsigned results");
      if (context.out.options.json) context.out.json({ dest, ...result });
      else {
        context.out.info(
          `published ${result.refs} refs (${result.commits} commits${
            result.signed ? ", signed" : ""
          }) to ${dest}`,
        );
      }
      return ExitCode.ok;
    } finally {
      state.release();
    }
  },
};

/** The refs of the selected packages and their dependencies: package refs and input-key refs. */
async function refsOfSelected(
  context: CommandContext,
  store: Store,
  selectors: string[],
  flavor: string | undefined,
): Promise<Record<string, string>> {
  const { loaded, selected } = await loadSelected(context, selectors, flavor);
  return await publishableRefs(store, buildOrder(loaded.graph, selected));
}

/**
 * The refs that publish `nodes`' results: each package's refs and, when it
 * still points at the same build, its `2nex/inputs/<key>` ref.
 */
export async function publishableRefs(
  store: Store,
  nodes: GraphNode[],
): Promise<Record<string, string>> {
  const refs: Record<string, string> = {};
  for (const node of nodes) {
    const tree = refsOfPackage(node.manifest.package).tree;
    const base = tree.slice(0, -"tree".length);
    const own = await store.listRefs(base);
    const commit = own[tree];
    if (!commit) {
      throw new FailureError(`${describe(node.manifest)} is not built`, {
        hint: "build it before publishing",
      });
    }
    Object.assign(refs, own);
    const key = (await store.readMetadata(commit))["2nex.input-key"];
    if (key && await store.resolveRef(inputKeyRef(key)) === commit) {
      refs[INPUT_KEY_PREFIX + key] = commit;
    }
  }
  return refs;
}

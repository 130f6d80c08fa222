/**
 * Substituters: binary caches (signed ostree archive repositories, as
 * `2nex publish` writes them) asked for a package's input key before it is
 * built, like Nix's and Guix's substitutes.
 *
 * Nothing unverified reaches the workspace's repository: a hit is pulled into
 * a private staging repository (ostree checks every object's checksum while
 * pulling), every commit must carry an ed25519 signature by a key trusted for
 * that substituter, record the input key asked for, and the whole result's
 * content checksum must be the manifest's expected hash. Only then are the
 * commits copied into the repository and the refs set. Any failure is a
 * warning naming the substituter and the reason, and the package is built.
 *
 * All network use happens here, through `ostree` processes, during the fetch
 * phase of a build (before 2nex drops its own network permission).
 * @module
 */
import { pathToFileURL } from "node:url";
import type { GraphNode } from "../graph/mod.ts";
import type { SubstituterConfig } from "../workspace/mod.ts";
import { errorMessage, removeTree, run, TwonexError } from "../util/mod.ts";
import {
  decodeCommit,
  inputKeyRef,
  objectPath,
  refsOfPackage,
  trustedSigner,
} from "../store/mod.ts";
import type { BuildServices } from "./types.ts";
import { describe } from "./describe.ts";
import { inputKeyOf } from "./package.ts";
import { cacheLayout } from "./layout.ts";
import type { ResultRecord } from "./results.ts";
import { META } from "./provenance.ts";
import { dependencyResults } from "./node_results.ts";

/** Longest a pull of one package may take (ostree itself gives up on a stalled transfer). */
const PULL_TIMEOUT_MS = 60 * 60 * 1000;

/** A substituter refused a result, or could not be asked. */
export class SubstituteRefused extends Error {}

interface RemoteState {
  config: SubstituterConfig;
  /** The remote's name in the staging repository. */
  name: string;
  /** Its refs, once listed; an error when it could not be asked (not asked again this run). */
  refs?: Set<string> | SubstituteRefused;
}

export interface SubstituteOptions {
  /** Nodes that must be built, not substituted (--rebuild, --check, --rounds). */
  exclude: Set<GraphNode>;
  warn(text: string): void;
  info(text: string): void;
}

/**
 * Tries the substituters for each node of `order` (dependencies first) that is
 * not cached; returns the nodes whose results were substituted.
 */
export async function substitutePlan(
  order: GraphNode[],
  services: BuildServices,
  options: SubstituteOptions,
): Promise<Set<GraphNode>> {
  const substituted = new Set<GraphNode>();
  const configs = services.ws.config.substituters;
  if (configs.length === 0) return substituted;
  const session = new SubstituteSession(services, configs, options);
  try {
    for (const node of order) {
      if (options.exclude.has(node)) continue;
      let inputKey: string;
      try {
        // Throws when a dependency is neither cached nor substituted: it will be built.
        inputKey = inputKeyOf(
          services.ws,
          node.manifest,
          await dependencyResults(node, services),
        );
      } catch (error) {
        if (error instanceof TwonexError) continue;
        throw error;
      }
      if (await services.store.resolveRef(inputKeyRef(inputKey)) !== undefined) continue;
      if (await session.substitute(node, inputKey)) substituted.add(node);
    }
  } finally {
    await session.close();
  }
  return substituted;
}

/** One build's use of the substituters: a staging repository and what each one holds. */
class SubstituteSession {
  readonly #remotes: RemoteState[];
  #staging?: string;

  constructor(
    private readonly services: BuildServices,
    configs: SubstituterConfig[],
    private readonly options: SubstituteOptions,
  ) {
    this.#remotes = configs.map((config, i) => ({ config, name: `substituter${i}` }));
  }

  /** Tries each substituter in turn; true when one provided a verified result. */
  async substitute(node: GraphNode, inputKey: string): Promise<boolean> {
    for (const remote of this.#remotes) {
      try {
        const refs = await this.#refs(remote);
        if (!refs.has(inputKeyRef(inputKey))) continue;
        const record = await this.#fetch(remote, refs, node, inputKey);
        await this.services.index.put(record);
        this.options.info(`substituted ${describe(node.manifest)} from ${remote.config.url}`);
        return true;
      } catch (error) {
        if (!(error instanceof SubstituteRefused)) throw error;
        this.options.warn(
          `substituter ${remote.config.url}: ${error.message}; ${
            describe(node.manifest)
          } will be built locally`,
        );
      }
    }
    return false;
  }

  /** The staging repository, created on first use, with one remote per substituter. */
  async #stagingRepo(): Promise<string> {
    if (this.#staging) return this.#staging;
    const builds = cacheLayout(this.services.ws.config.cache).builds;
    await Deno.mkdir(builds, { recursive: true });
    // Under builds/: a run killed before close() leaves it to the next run's clean-up.
    const staging = await Deno.makeTempDir({ dir: builds, prefix: "substitute-" });
    await run(["ostree", "init", `--repo=${staging}`, "--mode=bare-user-only"]);
    for (const remote of this.#remotes) {
      const url = remote.config.url.startsWith("/")
        ? pathToFileURL(remote.config.url).href
        : remote.config.url;
      // Signatures are checked by 2nex, which does not depend on ostree's ed25519 support.
      await run([
        "ostree",
        "remote",
        "add",
        `--repo=${staging}`,
        "--no-gpg-verify",
        remote.name,
        url,
      ]);
    }
    this.#staging = staging;
    return staging;
  }

  /** The names of the substituter's refs, from its summary; asked once per run. */
  async #refs(remote: RemoteState): Promise<Set<string>> {
    if (remote.refs instanceof SubstituteRefused) throw remote.refs;
    if (remote.refs) return remote.refs;
    const staging = await this.#stagingRepo();
    const result = await run(
      ["ostree", "remote", "refs", `--repo=${staging}`, remote.name],
      { check: false, timeoutMs: remote.config.timeout * 1000 },
    );
    if (result.code !== 0) {
      remote.refs = new SubstituteRefused(
        result.timedOut
          ? `no answer within ${remote.config.timeout} s (timeout)`
          : `unreachable: ${lastLine(result.stderr)}`,
      );
      throw remote.refs;
    }
    const refs = new Set<string>();
    for (const line of result.stdout.split("\n")) {
      // "REMOTE:REF"
      const colon = line.indexOf(":");
      if (colon > 0) refs.add(line.slice(colon + 1).trim());
    }
    remote.refs = refs;
    return refs;
  }

  /** Pulls, verifies and imports the result of `node`; returns its index record. */
  async #fetch(
    remote: RemoteState,
    refs: Set<string>,
    node: GraphNode,
    inputKey: string,
  ): Promise<ResultRecord> {
    const manifest = node.manifest;
    const packageRefs = refsOfPackage(manifest.package);
    const base = packageRefs.tree.slice(0, -"tree".length);
    const partNames = [
      "tree",
      ...Object.keys(manifest.outputs).filter((n) => n !== "discard").map((n) => `outputs/${n}`),
      ...Object.keys(manifest.bundles).map((n) => `bundles/${n}`),
    ];
    for (const part of partNames) {
      if (!refs.has(base + part)) throw new SubstituteRefused(`lacks the ref ${base + part}`);
    }
    const indexRef = inputKeyRef(inputKey);
    const staging = await this.#stagingRepo();
    const pulled = await run(
      [
        "ostree",
        "pull",
        `--repo=${staging}`,
        remote.name,
        indexRef,
        ...partNames.map((part) => base + part),
      ],
      { check: false, timeoutMs: PULL_TIMEOUT_MS },
    );
    if (pulled.code !== 0) {
      throw new SubstituteRefused(
        pulled.timedOut ? "the download timed out" : `download refused: ${lastLine(pulled.stderr)}`,
      );
    }
    const pulledRef = async (ref: string) =>
      (await Deno.readTextFile(`${staging}/refs/remotes/${remote.name}/${ref}`)).trim();
    const tree = await pulledRef(indexRef);
    const parts: Record<string, string> = {};
    const wanted: Record<string, string> = {};
    for (const part of partNames) {
      parts[part] = await pulledRef(base + part);
      wanted[base + part] = parts[part];
    }
    if (parts.tree !== tree) {
      throw new SubstituteRefused(
        `has the result of input key ${inputKey} but not its outputs and bundles ` +
          `(${packageRefs.tree} points at another build)`,
      );
    }
    const commits = [...new Set(Object.values(parts))];
    const { outputHash, checkedHash } = await this.#verify(
      remote,
      staging,
      commits,
      tree,
      inputKey,
      node,
    );
    await run([
      "ostree",
      "pull-local",
      `--repo=${this.services.store.path}`,
      "--untrusted",
      staging,
      ...commits,
    ]).catch((error) => {
      throw new SubstituteRefused(`cannot import the result: ${errorMessage(error)}`);
    });
    await this.services.store.setRefs({ ...wanted, [indexRef]: tree });
    return {
      inputKey,
      outputHash,
      ...(checkedHash !== outputHash && { checkedHash }),
      commit: tree,
      parts,
      manifest: manifest.path,
      durationMs: 0,
    };
  }

  /**
   * Every commit signed by a trusted key and made for this input key; the whole
   * result's content checksum the hash it claims, and the hash the manifest's
   * expected one is compared with (the content checksum, or with `semantics:
   * original` the signed original checksum) equal to it.
   */
  async #verify(
    remote: RemoteState,
    staging: string,
    commits: string[],
    tree: string,
    inputKey: string,
    node: GraphNode,
  ): Promise<{ outputHash: string; checkedHash: string }> {
    let hashes: { outputHash: string; checkedHash: string } | undefined;
    for (const commit of commits) {
      const bytes = await Deno.readFile(objectPath(staging, commit, "commit"));
      const detached = await Deno.readFile(objectPath(staging, commit, "commitmeta")).catch(
        () => undefined,
      );
      if (trustedSigner(bytes, detached, remote.config.keys) === undefined) {
        throw new SubstituteRefused(
          detached === undefined
            ? `commit ${commit} is not signed`
            : `commit ${commit} is not signed by a trusted key (bad signature or unknown key)`,
        );
      }
      const object = decodeCommit(bytes);
      if (object.metadata[META.inputKey] !== inputKey) {
        throw new SubstituteRefused(`commit ${commit} was not built with input key ${inputKey}`);
      }
      if (commit === tree) {
        const outputHash = object.contentChecksum;
        if (object.metadata[META.outputHash] !== outputHash) {
          throw new SubstituteRefused(
            `hash mismatch: commit ${commit} claims output hash ${
              object.metadata[META.outputHash]
            } but its content checksum is ${outputHash}`,
          );
        }
        hashes = { outputHash, checkedHash: object.metadata[META.checkedHash] ?? outputHash };
      }
    }
    if (!hashes) throw new SubstituteRefused(`commit ${tree} was not pulled`);
    const manifest = node.manifest;
    const expected = manifest.package.checksum;
    if (
      expected !== undefined && manifest.package.stableChecksum && hashes.checkedHash !== expected
    ) {
      throw new SubstituteRefused(
        `hash mismatch: the result's ${
          hashes.checkedHash === hashes.outputHash ? "content checksum" : "original checksum"
        } is ${hashes.checkedHash}, the manifest expects ${expected}`,
      );
    }
    return hashes;
  }

  async close(): Promise<void> {
    if (this.#staging) await removeTree(this.#staging);
  }
}

function lastLine(text: string): string {
  return text.trim().split("\n").at(-1)?.replace(/^error:\s*/, "") || "no message";
}

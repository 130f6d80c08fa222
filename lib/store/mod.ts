/**
 * The ostree store: ref names, the repository wrapper and native output hashes.
 *
 * @example
 * ```ts
 * const id = { arch: "x86_64", slug: "m4", version: "1.4.19", flavor: "main" };
 * const store = await Store.open(".2nex/repo", { create: true });
 * const commit = await store.resolveRef(packageRefs(id).tree);
 * ```
 * @module
 */
export {
  INPUT_KEY_PREFIX,
  inputKeyRef,
  isValidRef,
  type PackageRefs,
  packageRefs,
  type ParsedPackageRef,
  parsePackageRef,
  refProblem,
  refsOfPackage,
  validateRef,
} from "./refs.ts";
export {
  type CheckoutOptions,
  type CommitOptions,
  type CommitResult,
  type DirectoryCommitOptions,
  type EntryType,
  parsePrune,
  type PruneSummary,
  Store,
  type StoreOpenOptions,
} from "./repo.ts";
export { type CommitObject, decodeCommit, objectPath } from "./objects.ts";
export { TreeClashError } from "./compose.ts";
export { hashTree, type TreeHash } from "./checksum.ts";
export { FileChecksums } from "./file_checksums.ts";
export { generateSigningKey, isPublicKey, readSecretKeyFile, trustedSigner } from "./sign.ts";
export { publishRefs } from "./publish.ts";
export {
  RACY_MARGIN_MS,
  REF_WRITE_MARKER_PREFIX,
  RefSnapshot,
  removeDeadRefWriteMarkers,
  withRefWriteMarker,
} from "./ref_snapshot.ts";
export { hashThreads, lendHashWorkers, startHashWorkers } from "./parallel_hash.ts";

/**
 * Sources: the content-addressed cache, fetching through mirrors with
 * verification, vendoring, and dropping the network permission afterwards.
 *
 * @module
 */
export { cachedPath, cleanTemp, has, hashFile, isSha256, sourcesDir, tempDir } from "./cache.ts";
export { type FetchEvent, type FetchItem, type FetchOptions, fetchSources } from "./fetch.ts";
export {
  decodeSegment,
  isPathSegment,
  isSafeFileName,
  localFileName,
  MAX_FILE_NAME_BYTES,
  sourceFileName,
  urlFileName,
} from "./file_name.ts";
export { fileCandidates, LocalRoots, localSourceDiagnostics } from "./local.ts";
export { type Mirror, parseMirrors } from "./mirrors.ts";
export { dropNetworkPermission } from "./permissions.ts";
export {
  SUMS_FILE,
  type VendoredFile,
  vendorFileName,
  type VendorResult,
  vendorSources,
} from "./vendor.ts";

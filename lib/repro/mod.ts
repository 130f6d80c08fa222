/**
 * Reproducibility checks: comparing two result trees, reporting the differences, and
 * planning the conditions varied between build rounds.
 * @module
 */
export {
  type Change,
  type CompareOptions,
  compareTrees,
  type Difference,
  type Entry,
  type EntryType,
  hashFile,
  type TreeDiff,
  treesEqual,
} from "./diff.ts";
export {
  describeChange,
  describeEntry,
  type DiffoscopeResult,
  type DiffoscopeStatus,
  type ReportJson,
  type ReportOptions,
  summarize,
  type SummaryOptions,
  writeReport,
  type WrittenReport,
} from "./report.ts";
export {
  awaitRoundStart,
  defaultCapabilities,
  type EnvOrder,
  FAKE_TIME_SHIFT_SECONDS,
  fakeTimeEnv,
  parseVariationFlags,
  planRounds,
  reorderEnv,
  ROUND_START_GAP_MS,
  type RoundCapabilities,
  type RoundPlan,
  type Variation,
  VARIATION_HELP,
  VARIATIONS,
} from "./variations.ts";
export {
  type DetectedTools,
  detectTools,
  libfaketimeCandidates,
  roundCapabilities,
} from "./detect.ts";
export { type DisorderMount, mountDisorder, probeDisorder } from "./disorder.ts";
export { compareBytewise } from "./order.ts";

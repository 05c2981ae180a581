// Watch tunables, set from flags at startup (kube-apiserver's --min-request-timeout and friends).
export const watchSettings = {
  /** A watch without timeoutSeconds lasts between this and twice this (kube: --min-request-timeout 1800s). */
  minRequestTimeoutMs: 1_800_000,
  /** How often a watch that allows bookmarks gets one (kube sends them about once a minute). */
  bookmarkIntervalMs: 60_000,
  /** Unsent bytes a watch may queue before it is cut off as too slow. */
  maxPendingBytes: 16 * 1024 * 1024,
};

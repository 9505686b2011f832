/**
 * The ranked candidates a search returns under MemorySearch.maxBytes (src/stores/contract/memories.ts):
 * each one while those before it take at most maxBytes, and the first two always.
 */
export function withinSearchBytes<T>(ranked: readonly T[], maxBytes: number | undefined, bytesOf: (candidate: T) => number): T[] {
  if (maxBytes === undefined) return [...ranked];
  const kept: T[] = [];
  let before = 0;
  for (const candidate of ranked) {
    if (kept.length >= 2 && before > maxBytes) break;
    kept.push(candidate);
    before += bytesOf(candidate);
  }
  return kept;
}

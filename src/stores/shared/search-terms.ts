/**
 * The words of a free-text query, lower-cased and deduplicated: what the full-text indexes match.
 * Operators and quotes a user types are not query syntax here, only text.
 */
export function searchTerms(text: string, max = 32): string[] {
  const words = text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
  return [...new Set(words)].slice(0, max);
}

/**
 * Add bodies near the per-field bounds (content 15,000 bytes, every other field 16,384 bytes of
 * JSON), in two shapes that stress the two sides of a search page's byte budget: `escaped` content
 * is control characters that grow sixfold as JSON (small stored, large answered), `kept` carries
 * six pass-through fields that are stored but not answered (large stored, smaller answered).
 */
export type BigMemoryShape = 'escaped' | 'kept';

export function bigMemory(i: number, shape: BigMemoryShape, word = 'quarterly'): Record<string, unknown> {
  const head = `${word} report number ${i} `;
  const escaped = shape === 'escaped' ? `${'\u0001'.repeat(12_000)} ` : '';
  const content = head + escaped + 'x'.repeat(14_900 - head.length - escaped.length);
  const kept = shape === 'kept' ? Object.fromEntries(Array.from({ length: 6 }, (_, k) => [`kept_${k}`, { blob: 'k'.repeat(16_300) }])) : {};
  return {
    content,
    metadata: { topics: ['finance'], category: 'facts', customMetadata: { a: 'a'.repeat(4_000), b: 'b'.repeat(4_000), c: 'c'.repeat(4_000) }, notes: 'n'.repeat(3_500) },
    context: [{ role: 'user', content: 'c'.repeat(16_300) }],
    ...kept,
  };
}

/** How full a limit is: amber from 80 %, red from 95 % (and past the limit). */
export type Level = 'ok' | 'warning' | 'critical';

export const WARNING_RATIO = 0.8;
export const CRITICAL_RATIO = 0.95;

export function levelOf(used: number, limit: number): Level {
  if (limit <= 0) return used > 0 || limit === 0 ? 'critical' : 'ok';
  const ratio = used / limit;
  return ratio >= CRITICAL_RATIO ? 'critical' : ratio >= WARNING_RATIO ? 'warning' : 'ok';
}

export const LEVEL_WORDS: Record<Level, string> = { ok: '', warning: 'Near the limit', critical: 'At the limit' };

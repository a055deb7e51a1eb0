import type { TokenCounts } from '../model/events';

/** A number with thousands separators (41,234). */
export const withSeparators = (v: number): string => v.toLocaleString('en-US');

export function formatDuration(ms: number): string {
  if (ms < 1000) {
    return `${Math.round(ms)} ms`;
  }
  if (ms < 60_000) {
    return `${(ms / 1000).toFixed(1)} s`;
  }
  const m = Math.floor(ms / 60_000);
  const s = Math.round((ms % 60_000) / 1000);
  return `${m} min ${s} s`;
}

export function formatUsage(t: TokenCounts, contextWindow?: number): string {
  const parts = [
    `input ${withSeparators(t.input)}${t.cachedInput ? ` (cached ${withSeparators(t.cachedInput)})` : ''}`,
    `output ${withSeparators(t.output)}${t.reasoningOutput ? ` (reasoning ${withSeparators(t.reasoningOutput)})` : ''}`,
    `total ${withSeparators(t.total)}`,
  ];
  if (contextWindow) {
    parts.push(`${Math.round((100 * t.total) / contextWindow)}% of ${withSeparators(contextWindow)} context`);
  }
  return parts.join(' · ');
}

/** A short human form of a token count: 41234 → "41.2k". */
export function formatTokens(n: number): string {
  if (n < 1000) {
    return String(n);
  }
  if (n < 1_000_000) {
    return `${(n / 1000).toFixed(1).replace(/\.0$/, '')}k`;
  }
  return `${(n / 1_000_000).toFixed(1).replace(/\.0$/, '')}M`;
}

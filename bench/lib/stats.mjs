// Percentiles and number formatting shared by the benches.

/**
 * Nearest-rank percentiles of a list of numbers (non-finite values are dropped).
 * Every field is null when there is no value, so the result serializes to JSON as is.
 * @param {Iterable<number>} values
 * @returns {{ p50: number | null, p95: number | null, p99: number | null, max: number | null, count: number }}
 */
export function percentiles(values) {
  const sorted = Float64Array.from([...values].filter((value) => Number.isFinite(value))).sort();
  const count = sorted.length;
  if (count === 0) return { p50: null, p95: null, p99: null, max: null, count: 0 };
  const at = (q) => sorted[Math.min(count - 1, Math.max(0, Math.ceil(q * count) - 1))];
  return { p50: at(0.5), p95: at(0.95), p99: at(0.99), max: sorted[count - 1], count };
}

/**
 * A number as text with `digits` decimals, or '—' when it is not a finite number
 * (null, undefined, NaN): for table rows.
 * @param {number | null | undefined} value
 * @param {number} [digits]
 */
export function fixed(value, digits = 1) {
  return typeof value === 'number' && Number.isFinite(value) ? value.toFixed(digits) : '—';
}

/** A number rounded to `digits` decimals, or null when it is not finite: for figures. */
export function round(value, digits = 2) {
  if (typeof value !== 'number' || !Number.isFinite(value)) return null;
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

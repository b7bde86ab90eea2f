// Wall-clock timing shared by the bench scripts.
import { performance } from 'node:perf_hooks';

/** Median of `xs` (the upper one for an even count). */
export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Run `fn` `n` times; the median and the fastest time, in ms. */
export function time(fn, n) {
  const xs = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    fn();
    xs.push(performance.now() - t0);
  }
  return { median: median(xs), min: Math.min(...xs) };
}

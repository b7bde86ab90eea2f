// A small seeded PRNG (mulberry32) and the helpers the mutators use. Every input gets its
// own generator, derived from (seed, campaign, index), so input N of a campaign is the same
// bytes whatever the concurrency, the time budget or the order inputs ran in.

/** mulberry32: 32-bit state, period 2^32; plenty for picking mutations. */
export function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** FNV-1a of a string: turns (seed, campaign, index) into a 32-bit generator seed. */
export function hash32(text) {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** A generator with helpers. */
export class Rng {
  constructor(seed) {
    this.next = mulberry32(seed);
  }
  static for(seed, campaign, index) {
    return new Rng(hash32(`${seed}:${campaign}:${index}`));
  }
  /** Integer in [0, n). */
  int(n) {
    return Math.floor(this.next() * n);
  }
  /** Integer in [lo, hi]. */
  range(lo, hi) {
    return lo + this.int(hi - lo + 1);
  }
  chance(p) {
    return this.next() < p;
  }
  pick(arr) {
    return arr[this.int(arr.length)];
  }
  /** Pick from [[weight, value], …]. */
  weighted(pairs) {
    const total = pairs.reduce((s, [w]) => s + w, 0);
    let x = this.next() * total;
    for (const [w, v] of pairs) {
      if ((x -= w) < 0) return v;
    }
    return pairs[pairs.length - 1][1];
  }
  /** A size skewed towards small values: mostly 1..8, sometimes up to `max`. */
  small(max = 8) {
    return this.chance(0.8) ? this.range(1, Math.min(8, max)) : this.range(1, max);
  }
}

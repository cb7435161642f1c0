// p-values in log10 form: exact copies give p far below 1e-300, so everything stays in log space.
const LN10 = Math.LN10;

/** log of Gamma via Lanczos (g=7, n=9). */
export function logGamma(x: number): number {
  const c = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  x -= 1;
  let a = c[0];
  const t = x + 7.5;
  for (let i = 1; i < 9; i++) a += c[i] / (x + i);
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
}

function logAddExp(a: number, b: number): number {
  if (a === -Infinity) return b;
  if (b === -Infinity) return a;
  const m = Math.max(a, b);
  return m + Math.log(Math.exp(a - m) + Math.exp(b - m));
}

/** log10 of the upper normal tail P(Z > z). */
export function log10NormalUpper(z: number): number {
  if (z < 5) return Math.log10(0.5 * erfc(z / Math.SQRT2));
  // Asymptotic expansion, accurate to ~1e-4 relative for z >= 5.
  const lnp = -0.5 * z * z - Math.log(z * Math.sqrt(2 * Math.PI)) + Math.log(1 - 1 / (z * z) + 3 / z ** 4);
  return lnp / LN10;
}

/** Complementary error function (Numerical Recipes erfcc; fractional error < 1.2e-7). */
export function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r = t * Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 +
    t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
  return x >= 0 ? r : 2 - r;
}

/** log10 P(X >= k) for X ~ Binomial(n, p). */
export function log10BinomUpper(k: number, n: number, p: number): number {
  if (k <= 0) return 0;
  if (k > n) return -Infinity;
  if (p <= 0) return -Infinity;
  if (p >= 1) return 0;
  const lp = Math.log(p);
  const lq = Math.log1p(-p);
  const lnC = (i: number) => logGamma(n + 1) - logGamma(i + 1) - logGamma(n - i + 1);
  let acc = -Infinity;
  for (let i = k; i <= n; i++) {
    const term = lnC(i) + i * lp + (n - i) * lq;
    acc = logAddExp(acc, term);
    if (term < acc - 40) break; // terms decrease once i > np; the rest is negligible
  }
  return Math.min(0, acc / LN10);
}

/** Fisher's method: log10 P(chi2 with 2m dof > -2 sum ln p_i), from log10 p-values. */
export function log10Fisher(log10ps: number[]): number {
  const m = log10ps.length;
  if (!m) return 0;
  const x = -2 * LN10 * log10ps.reduce((a, b) => a + b, 0); // chi-square statistic
  // Survival of chi2 with even dof 2m: e^{-x/2} sum_{k<m} (x/2)^k / k!
  const h = x / 2;
  let acc = -Infinity;
  for (let k = 0; k < m; k++) acc = logAddExp(acc, k * Math.log(Math.max(h, 1e-300)) - logGamma(k + 1));
  return Math.min(0, (acc - h) / LN10);
}

/** log10 P(X >= k) for the overlap of two random k-subsets... of sizes a and b drawn from N (hypergeometric). */
export function log10HypergeomUpper(k: number, N: number, a: number, b: number): number {
  const lnC = (n: number, r: number) => logGamma(n + 1) - logGamma(r + 1) - logGamma(n - r + 1);
  let acc = -Infinity;
  for (let i = k; i <= Math.min(a, b); i++) acc = logAddExp(acc, lnC(a, i) + lnC(N - a, b - i) - lnC(N, b));
  return Math.min(0, acc / LN10);
}

/** Bonferroni in log space, capped at p = 1. */
export function log10Bonferroni(log10p: number, m: number): number {
  return Math.min(0, log10p + Math.log10(Math.max(1, m)));
}

export function formatP(log10p: number): string {
  if (log10p >= -3) return (10 ** log10p).toPrecision(2);
  if (!Number.isFinite(log10p)) return '<1e-300';
  const e = Math.floor(log10p);
  const m = 10 ** (log10p - e);
  return `${m.toFixed(1)}e${e}`;
}

/** `n` rounded to `digits` decimals, for figures that are printed. */
export const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;

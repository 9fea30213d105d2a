/** W1 by hand: `range(start, end).map(x => x * 2).filter(x => x % 3 === 0).count()` as a loop. */
export function countNarrow(start: number, end: number): number {
  let count = 0;
  for (let x = start; x < end; x++) {
    const doubled = x * 2;
    if (doubled % 3 === 0) count++;
  }
  return count;
}

/** The known answer for range(0, n): 2x is a multiple of 3 exactly when x is. */
export function expectedNarrow(n: number): number {
  return Math.ceil(n / 3);
}

/** Plain-text tables for the terminal: a header, a rule, and padded columns. */

/** One column: its header, and which side its cells line up on (numbers read best on the right). */
export interface Column {
  readonly header: string;
  /** @default 'left' */
  readonly align?: 'left' | 'right';
}

/** The gap between two columns. */
const GAP = '  ';

/**
 * Renders `rows` under `columns` as lines of text, each column as wide as its widest cell, with a
 * rule of dashes under the header. No trailing spaces; a row with fewer cells leaves the rest empty.
 */
export function renderTable(
  columns: readonly Column[],
  rows: readonly (readonly string[])[],
): string {
  const widths = columns.map((column, index) =>
    Math.max(column.header.length, ...rows.map((row) => (row[index] ?? '').length)),
  );
  const line = (cells: readonly string[]) =>
    columns
      .map((column, index) => {
        const cell = cells[index] ?? '';
        const width = widths[index] ?? 0;
        return column.align === 'right' ? cell.padStart(width) : cell.padEnd(width);
      })
      .join(GAP)
      .trimEnd();
  const rule = widths.map((width) => '-'.repeat(width)).join(GAP);
  return [line(columns.map((column) => column.header)), rule, ...rows.map(line)].join('\n');
}

/** `20000000` as `20,000,000`. */
export function formatCount(value: number): string {
  return value.toLocaleString('en-US');
}

/** A duration: `850 ms` below ten seconds, `12.3 s` from there. */
export function formatDuration(ms: number): string {
  return ms < 10_000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

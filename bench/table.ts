/** Renders a workload's rows for the console and as a markdown table for RESULTS.md. */

export interface Row {
  implementation: string;
  time: string;
  ratio: string;
  result: string;
}

export interface WorkloadReport {
  id: string;
  title: string;
  timeLabel: string;
  rows: Row[];
  notes: string[];
  failed: boolean;
}

const HEADERS = ['implementation', 'time', 'Flint/this', 'result'] as const;

function cells(row: Row): string[] {
  return [row.implementation, row.time, row.ratio, row.result];
}

export function consoleTable(report: WorkloadReport): string {
  const lines = [[...HEADERS], ...report.rows.map(cells)];
  const widths = HEADERS.map((_, col) =>
    Math.max(...lines.map((line) => (line[col] ?? '').length)),
  );
  const render = (line: string[]): string =>
    line
      .map((cell, col) => cell.padEnd(widths[col] ?? 0))
      .join('  ')
      .trimEnd();
  const out = [`${report.id} ${report.title} (time: ${report.timeLabel})`];
  out.push(render(lines[0] ?? []), widths.map((w) => '-'.repeat(w)).join('  '));
  for (const line of lines.slice(1)) out.push(render(line));
  for (const note of report.notes) out.push(`  ${note}`);
  return out.join('\n');
}

function escapePipes(cell: string): string {
  return cell.replaceAll('|', '\\|');
}

/** A markdown table padded the way Biome formats one, so RESULTS.md passes `biome check`. */
export function markdownTable(report: WorkloadReport): string {
  const lines = [[...HEADERS], ...report.rows.map((row) => cells(row).map(escapePipes))];
  const widths = HEADERS.map((_, col) =>
    Math.max(3, ...lines.map((line) => (line[col] ?? '').length)),
  );
  const render = (line: string[]): string =>
    `| ${line.map((cell, col) => cell.padEnd(widths[col] ?? 0)).join(' | ')} |`;
  const out = [`### ${report.id} ${report.title}`, '', `Time: ${report.timeLabel}.`, ''];
  out.push(render(lines[0] ?? []), render(widths.map((w) => '-'.repeat(w))));
  for (const line of lines.slice(1)) out.push(render(line));
  if (report.notes.length > 0) out.push('', ...report.notes.map((note) => `- ${note}`));
  return out.join('\n');
}

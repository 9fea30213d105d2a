/**
 * How numbers read on the pages: durations, sizes and times, short and stable (no locale, so the
 * text is the same on every machine and in tests).
 */

/** `850 ms`, `1.2 s`, `3.4 min`, `2.1 h`; an en dash when unknown. */
export function formatDuration(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '–';
  const value = Math.max(0, ms);
  if (value < 1000) return `${Math.round(value)} ms`;
  if (value < 60_000) return `${trim(value / 1000)} s`;
  if (value < 3_600_000) return `${trim(value / 60_000)} min`;
  return `${trim(value / 3_600_000)} h`;
}

/** `512 B`, `1.5 KiB`, `20 MiB`, `1.1 GiB`. */
export function formatBytes(bytes: number | undefined): string {
  if (bytes === undefined || !Number.isFinite(bytes)) return '–';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = Math.max(0, bytes);
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${value} B` : `${trim(value)} ${units[unit]}`;
}

/** `12,345` with a thin grouping comma, independent of locale. */
export function formatCount(count: number): string {
  return String(Math.round(count)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** `2025-01-31 14:05:09` in the driver's local time zone. */
export function formatTime(epochMs: number | undefined): string {
  if (epochMs === undefined) return '–';
  const d = new Date(epochMs);
  const date = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
  return `${date} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** `14:05:09`, or `14:05:09.120` with milliseconds, for tables where the date is known. */
export function formatClock(epochMs: number | undefined, withMs = false): string {
  if (epochMs === undefined) return '–';
  const d = new Date(epochMs);
  const clock = `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  return withMs ? `${clock}.${String(d.getMilliseconds()).padStart(3, '0')}` : clock;
}

/** The machine-readable form of a time, for `<time datetime>`. */
export function isoTime(epochMs: number): string {
  return new Date(epochMs).toISOString();
}

function trim(value: number): string {
  return value >= 100 ? String(Math.round(value)) : String(Math.round(value * 10) / 10);
}

function pad(value: number): string {
  return String(value).padStart(2, '0');
}

/** The work one baseline thread can be given, and what it sends back for each kind. */
import type { ByteRange } from '../lineRanges.js';

export type ThreadTask =
  | { type: 'narrow'; start: number; end: number }
  | { type: 'wordCount'; path: string; range: ByteRange }
  | { type: 'sumByKey'; start: number; end: number };

export type ThreadResult<T extends ThreadTask> = T extends { type: 'narrow' }
  ? number
  : T extends { type: 'wordCount' }
    ? Map<string, number>
    : Map<number, number>;

/** Thread to main: ready once loaded, then one reply per task. */
export type ThreadReply =
  | { type: 'ready' }
  | { type: 'done'; result: unknown }
  | { type: 'failed'; message: string };

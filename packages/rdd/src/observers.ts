/**
 * What lets users see a context work, started with it and stopped with it: the web UI, the console
 * progress bar and the event log. All three only listen to the scheduler's events.
 */
import { randomBytes } from 'node:crypto';
import { basename } from 'node:path';
import {
  ConsoleProgressBar,
  DEFAULT_UI_PORT,
  EventLogWriter,
  type ListenerBus,
  startWebUi,
  type WebUi,
} from '@flint/scheduler';
import type { ContextOptions } from './options.js';

/** The running observers of one context. */
export interface Observers {
  readonly appId: string;
  readonly uiUrl: string | undefined;
  close(): Promise<void>;
}

/** Starts the UI, progress bar and event log the options ask for, and announces the application. */
export async function startObservers(
  bus: ListenerBus,
  options: ContextOptions,
  secret: string,
  onKillJob: (jobId: number) => void,
): Promise<Observers> {
  const appId = `app-${new Date()
    .toISOString()
    .replace(/[-:.TZ]/g, '')
    .slice(0, 14)}-${randomBytes(3).toString('hex')}`;
  const appName = basename(process.argv[1] ?? 'flint');
  const eventLog =
    options.eventLog === undefined ? undefined : await EventLogWriter.open(options.eventLog, appId);
  if (eventLog) bus.addListener(eventLog.listener);
  for (const listener of options.listeners ?? []) bus.addListener(listener);
  const ui =
    options.ui === false
      ? undefined
      : await startUi(bus, options.ui ?? {}, appName, secret, onKillJob);
  const progress = options.progress ?? Boolean(process.stderr.isTTY);
  const bar = progress
    ? new ConsoleProgressBar(process.stderr, { force: options.progress === true })
    : undefined;
  if (bar) bus.addListener(bar.listener);
  if (ui && process.stderr.isTTY) process.stderr.write(`Flint web UI: ${ui.url}\n`);
  bus.post({ type: 'applicationStart', time: Date.now(), appId, appName });
  return {
    appId,
    uiUrl: ui?.url,
    async close() {
      bus.post({ type: 'applicationEnd', time: Date.now() });
      bar?.close();
      await ui?.close();
      await eventLog?.close();
    },
  };
}

async function startUi(
  bus: ListenerBus,
  where: { readonly port?: number; readonly host?: string },
  appName: string,
  secret: string,
  onKillJob: (jobId: number) => void,
): Promise<WebUi> {
  const base = { bus, appName, secret, onKillJob, ...(where.host ? { host: where.host } : {}) };
  try {
    return await startWebUi({ ...base, port: where.port ?? DEFAULT_UI_PORT });
  } catch (error) {
    // Many contexts on one machine (tests, several applications): past the default range of
    // ports, any free port will do, unless the user asked for a specific one.
    if (where.port !== undefined) throw error;
    return startWebUi({ ...base, port: 0 });
  }
}

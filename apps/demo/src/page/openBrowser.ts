/**
 * Opening the demo page in the user's browser, only where there is a screen to show it on: on a
 * server, in CI or over SSH without X forwarding, the URL is printed and nothing is started.
 */
import { spawn } from 'node:child_process';

/** Whether a browser could show a window here: macOS and Windows, or a Unix with a display. */
export function hasDisplay(
  platform: NodeJS.Platform = process.platform,
  env: NodeJS.ProcessEnv = process.env,
): boolean {
  if (platform === 'darwin' || platform === 'win32') return true;
  return Boolean(env.DISPLAY || env.WAYLAND_DISPLAY);
}

/**
 * Asks the system to open `url` in the default browser, without waiting for it. Calls
 * `onFailure` with the reason when no opener could be started.
 */
export function openBrowser(url: string, onFailure: (reason: string) => void): void {
  const [command, args] =
    process.platform === 'darwin'
      ? ['open', [url]]
      : process.platform === 'win32'
        ? ['cmd', ['/c', 'start', '""', url]]
        : ['xdg-open', [url]];
  const opener = spawn(command, args, { detached: true, stdio: 'ignore' });
  opener.once('error', (error) => onFailure(`${command}: ${error.message}`));
  opener.unref();
}

import { execFileSync } from 'node:child_process';
import { isProcessAlive } from './net';

/**
 * Calls `onGone` once when a process that launched this one has exited. Needed because `npm start` runs the script
 * through `sh -c`, and Debian's sh does not pass on the SIGTERM that npm forwards: without this, stopping npm with
 * SIGTERM (an IDE's stop button, a process manager) would leave this process and its Java child running.
 * Watches the chain of ancestors up to the nearest `npm` (only the parent when not started by npm); Unix only.
 */
export function watchLauncher(onGone: () => void, intervalMs = 1_000): () => void {
  const watched = launcherChain();
  if (watched.length === 0) return () => {};
  const timer = setInterval(() => {
    if (watched.some((pid) => !isProcessAlive(pid))) {
      clearInterval(timer);
      onGone();
    }
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}

function launcherChain(): number[] {
  if (process.platform === 'win32') return [];
  const chain: number[] = [];
  let pid = process.ppid;
  try {
    for (let depth = 0; depth < 6 && pid > 1; depth++) {
      chain.push(pid);
      const [parent = '0', ...command] = execFileSync('ps', ['-o', 'ppid=', '-o', 'args=', '-p', String(pid)], {
        encoding: 'utf8',
      })
        .trim()
        .split(/\s+/);
      if (/(^|\/)npm(-cli\.js)?$/.test(command[0] ?? '') || command.some((part) => /npm-cli\.js$/.test(part))) {
        return chain;
      }
      pid = Number(parent);
    }
  } catch {
    // No `ps`: fall back to watching the parent alone.
  }
  return [process.ppid];
}

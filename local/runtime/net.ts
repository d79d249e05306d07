import { createServer, Socket } from 'node:net';

/** A TCP port that was free a moment ago (the OS picks it). Whoever binds it next may still race another process. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('could not find a free port'))));
    });
  });
}

/** Whether something accepts TCP connections at the host and port of `url`, within `timeoutMs`. */
export function canConnect(url: string, timeoutMs = 500): Promise<boolean> {
  const { hostname, port, protocol } = new URL(url);
  const portNumber = Number(port || (protocol === 'https:' ? 443 : 80));
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('error', () => done(false));
    socket.connect(portNumber, hostname.replace(/^\[|\]$/g, ''), () => done(true));
  });
}

/** Whether a process with this pid exists (signal 0 checks without sending anything). */
export { isProcessAlive } from '../../cli/local-state';

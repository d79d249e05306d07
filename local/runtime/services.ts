/**
 * One piece of the local mode (fauxqs, DynamoDB Local, the table, the HTTP receiver, the alerts; see stack.ts).
 * `start` resolves when the piece is usable and may print what the user needs; `stop` undoes it and must be safe to
 * call after a failed or partial start.
 */
export interface LocalService {
  readonly name: string;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** Starts services in order; if one fails, stops it and the ones already started (newest first) and rethrows. */
export async function startServices(services: readonly LocalService[]): Promise<LocalService[]> {
  const started: LocalService[] = [];
  for (const service of services) {
    try {
      await service.start();
    } catch (error) {
      await stopServices([...started, service]);
      throw error;
    }
    started.push(service);
  }
  return started;
}

/** Stops services newest first; a failing stop is reported and does not keep the others running. */
export async function stopServices(
  started: readonly LocalService[],
  report: (message: string) => void = (message) => process.stderr.write(`${message}\n`),
): Promise<void> {
  for (const service of [...started].reverse()) {
    try {
      await service.stop();
    } catch (error) {
      report(`could not stop ${service.name}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}

// `nerva serve <model>`: load (safe loader), warm up, print the URL and the routes, then serve until
// SIGTERM or SIGINT, when it stops accepting, answers what is in flight and exits 0.

import type { ServeArgs } from '../cli/args.js';
import { PortInUseError, serve } from './server.js';

export async function runServe(o: ServeArgs, log: (s: string) => void = (s) => process.stdout.write(s + '\n')): Promise<number> {
  let handle;
  try {
    handle = await serve(o.model, {
      name: o.name,
      port: o.port,
      host: o.host,
      workers: o.workers,
      maxBatchSize: o.maxBatchSize,
      batchTimeoutMs: o.batchTimeoutMs,
      maxQueue: o.maxQueue,
      timeoutMs: o.timeoutMs,
      maxBodyBytes: o.maxBodyBytes,
      log: (line) => process.stderr.write(`nerva serve: ${line}\n`),
    });
  } catch (e) {
    if (e instanceof PortInUseError) {
      process.stderr.write(`nerva serve: ${e.message} (--port)\n`);
      return 1;
    }
    throw e;
  }
  const spec = handle.handler.model;
  const base = handle.url.replace(/\/$/, '');
  log(`nerva serve: model "${spec.name}" from ${o.model}: input [${spec.inputShape.join(', ')}] -> output [${spec.outputShape.join(', ')}]`);
  const routes = handle.handler.routes();
  const width = Math.max(...routes.map((r) => r.path.length));
  for (const r of routes) log(`  ${r.method.padEnd(4)} ${base}${r.path.padEnd(width)}  ${r.what}`);
  log(`Serving "${spec.name}" at ${handle.url} (Ctrl-C to stop)`);

  const signal = await new Promise<string>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  // A second signal means: stop now.
  const force = (s: string) => {
    process.stderr.write(`nerva serve: ${s} again, stopping without waiting\n`);
    process.exit(1);
  };
  process.once('SIGINT', force);
  process.once('SIGTERM', force);
  log(`${signal}: no longer accepting connections; finishing the requests in flight`);
  await handle.close({ timeoutMs: o.timeoutMs ?? 30_000 });
  log('stopped');
  process.off('SIGINT', force);
  process.off('SIGTERM', force);
  return 0;
}

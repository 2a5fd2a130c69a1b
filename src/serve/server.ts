// serve(): the model handler on its own node:http server, with the server-level protections a
// handler inside someone else's app cannot set itself: slow-header and whole-request timeouts,
// keep-alive limits, and a graceful close (stop accepting, finish what is in flight, then exit).

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { basename, dirname } from 'node:path';
import { statSync } from 'node:fs';
import type { Sequential } from '../models/sequential.js';
import { loadModel } from '../io/model-io.js';
import { ArgumentError } from '../errors.js';
import { makeHandler, type HandlerOptions, type ModelHandler } from './handler.js';

export interface ServeOptions extends HandlerOptions {
  /** TCP port (default 8501, TF Serving's REST port; 0 picks a free one). */
  port?: number;
  /** Interface to bind (default '127.0.0.1': only this machine; '0.0.0.0' for every interface). */
  host?: string;
  /** A client that has not sent its request headers within this many ms is disconnected (default 10000). */
  headersTimeoutMs?: number;
  /** Idle keep-alive connections are closed after this many ms (default 5000). */
  keepAliveTimeoutMs?: number;
}

/** A running server. */
export interface ServeHandle {
  /** `http://127.0.0.1:8501/` */
  readonly url: string;
  readonly port: number;
  readonly host: string;
  /** The model's name in the URLs. */
  readonly name: string;
  /** The request handler (the same a user mounts in their own app). */
  readonly handler: ModelHandler;
  readonly server: Server;
  /**
   * Stops accepting connections, lets requests in flight finish (up to `timeoutMs`, default 30000,
   * after which their connections are cut), then stops the inference workers.
   */
  close(opts?: { timeoutMs?: number }): Promise<void>;
}

/** Error for a port that is taken, so the CLI can print one line. */
export class PortInUseError extends Error {}

/** The default name for a model loaded from a path: its folder's name. */
function nameFromPath(path: string): string {
  let dir = path;
  try {
    if (!statSync(path).isDirectory()) dir = dirname(path);
  } catch {
    // loadModel reports a missing path with its own message.
  }
  return basename(dir.replace(/[/\\]+$/, '')) || 'model';
}

/**
 * Serves a model over HTTP: TF Serving REST (`/v1/models/{name}...`), the Open Inference Protocol
 * (`/v2/...`), a drawing page at `/` and Prometheus `/metrics`. `model` is a Sequential (served as
 * a snapshot of its current weights) or the path of a saved model (loaded with the safe loader).
 * Resolves once the model is loaded, warmed up and the port is listening.
 * @example
 * const server = await serve(model, { name: 'mnist', port: 8501 });
 * console.log(server.url);   // http://127.0.0.1:8501/
 * await server.close();
 */
export async function serve(model: Sequential | string, options: ServeOptions = {}): Promise<ServeHandle> {
  const port = options.port ?? 8501;
  const host = options.host ?? '127.0.0.1';
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ArgumentError(`serve: port must be an integer from 0 to 65535, got ${String(port)}`);
  if (typeof host !== 'string' || host === '') throw new ArgumentError(`serve: host must be a non-empty string, got ${JSON.stringify(host)}`);
  let m: Sequential;
  let name = options.name;
  if (typeof model === 'string') {
    name ??= nameFromPath(model);
    m = await loadModel(model);
  } else m = model;
  // The server is the handler's alone: nothing else reads the bodies, so their chunks can be moved
  // to the workers (pool.ts, run).
  const handler = makeHandler(m, { ...options, name: name ?? m.name }, true);
  await handler.ready;

  const headersTimeout = options.headersTimeoutMs ?? 10_000;
  const bodyTimeout = options.bodyTimeoutMs ?? 10_000;
  const server = createServer(
    {
      headersTimeout,
      // Node's own limit on receiving a whole request: a backstop behind the handler's body timeout.
      requestTimeout: headersTimeout + bodyTimeout + 1000,
      keepAliveTimeout: options.keepAliveTimeoutMs ?? 5000,
      // How often Node checks the two timeouts above (default 30 s, too coarse for them).
      connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.floor(headersTimeout / 4))),
    },
    handler,
  );
  // Request smuggling and header floods: Node's defaults (16 KiB headers, strict parsing) stand.
  try {
    await new Promise<void>((resolve, reject) => {
      const onError = (e: NodeJS.ErrnoException) => {
        server.off('listening', onListening);
        if (e.code === 'EADDRINUSE') reject(new PortInUseError(`port ${port} on ${host} is already in use; choose another port`));
        else if (e.code === 'EACCES') reject(new PortInUseError(`no permission to listen on port ${port} on ${host}; choose a port above 1023`));
        else if (e.code === 'EADDRNOTAVAIL' || e.code === 'ENOTFOUND') reject(new PortInUseError(`cannot listen on host ${host}: it is not an address of this machine`));
        else reject(e);
      };
      const onListening = () => {
        server.off('error', onError);
        resolve();
      };
      server.once('error', onError);
      server.once('listening', onListening);
      server.listen(port, host);
    });
  } catch (e) {
    await handler.close({ timeoutMs: 0 });
    throw e;
  }
  const addr = server.address() as AddressInfo;
  const shownHost = addr.family === 'IPv6' || host.includes(':') ? `[${addr.address}]` : host;
  const url = `http://${shownHost}:${addr.port}/`;
  let closing: Promise<void> | null = null;
  return {
    url,
    port: addr.port,
    host,
    name: handler.name,
    handler,
    server,
    close(opts: { timeoutMs?: number } = {}) {
      closing ??= (async () => {
        const limit = opts.timeoutMs ?? 30_000;
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        // Idle keep-alive connections would otherwise hold close() open until they time out.
        server.closeIdleConnections();
        await handler.close({ timeoutMs: limit });
        // Whatever is still connected has had its chance.
        server.closeAllConnections();
        await stopped;
      })();
      return closing;
    },
  };
}

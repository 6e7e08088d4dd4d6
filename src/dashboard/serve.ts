// `serveDashboard`: the dashboard on its own HTTP server, loopback by default.
import { createServer } from 'node:http';
import { isIP } from 'node:net';
import type { Longhaul } from '../client/longhaul.js';
import { ConfigError } from '../core/errors.js';
import { buildDashboard, dashboardDefaults } from './handler.js';
import { isLoopbackHostname } from './security.js';

/** Options of {@link serveDashboard}. */
export interface ServeDashboardOptions {
  readonly longhaul: Longhaul;
  /**
   * The interface to listen on. Default `127.0.0.1`. Anything but a loopback address (`127.0.0.1`,
   * `::1`, `localhost`) requires `token`.
   */
  readonly host?: string;
  /** The port to listen on; 0 picks a free one. Default 8080. */
  readonly port?: number;
  /** Requires every request to present it (see `createDashboardHandler`). At least 16 characters. */
  readonly token?: string;
  /** Where server errors are reported. Default: stderr. */
  readonly log?: (line: string) => void;
}

/** A running dashboard server. */
export interface DashboardServer {
  /** Where it listens, e.g. `http://127.0.0.1:8080/` (without the token). */
  readonly url: string;
  /** Ends live-update streams and open connections, and stops listening. */
  close(): Promise<void>;
}

/**
 * Serves the dashboard on its own HTTP server. Listens on loopback unless told otherwise, and refuses
 * any other interface without a `token`.
 *
 * @example
 * import { serveDashboard } from 'longhaul/dashboard';
 * const dashboard = await serveDashboard({ longhaul, port: 8080 });
 * console.log(`Dashboard at ${dashboard.url}`);
 * process.once('SIGINT', () => void dashboard.close());
 */
export async function serveDashboard(options: ServeDashboardOptions): Promise<DashboardServer> {
  const host = options.host ?? dashboardDefaults.host;
  const port = options.port ?? dashboardDefaults.port;
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new ConfigError(`Expected \`port\` to be an integer from 0 to 65535, got \`${port}\``);
  }
  if (typeof host !== 'string' || host.trim() === '') {
    throw new ConfigError(`Expected \`host\` to be an interface name or address, got \`${String(host)}\``);
  }
  if (!isLoopbackHostname(host) && options.token === undefined) {
    throw new ConfigError(
      `Refusing to serve the dashboard on ${JSON.stringify(host)} without a token: anyone who can reach it could cancel and redrive jobs. Pass \`token\` (e.g. \`openssl rand -hex 24\`), or listen on 127.0.0.1.`,
    );
  }
  const { handler, live } = buildDashboard({
    longhaul: options.longhaul,
    ...(options.token !== undefined ? { token: options.token } : {}),
    ...(options.log ? { log: options.log } : {}),
  });
  const server = createServer((req, res) => handler(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const boundPort = typeof address === 'object' && address ? address.port : port;
  const shown = isIP(host) === 6 ? `[${host}]` : host;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${shown}:${boundPort}/`,
    close() {
      closing ??= new Promise<void>((resolve, reject) => {
        live.closeAll();
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

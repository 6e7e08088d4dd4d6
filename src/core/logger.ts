/** Where the worker reports what happens to it. Fields never carry job arguments or results. */
export interface Logger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/**
 * Writes one JSON line per message: info (job events) on stdout, warnings and errors on stderr. Lambda and
 * ECS send both to CloudWatch Logs, which parses the fields.
 */
export const jsonLogger: Logger = {
  info(message, fields) {
    console.log(JSON.stringify({ level: 'info', message, ...fields }));
  },
  warn(message, fields) {
    console.error(JSON.stringify({ level: 'warn', message, ...fields }));
  },
  error(message, fields) {
    console.error(JSON.stringify({ level: 'error', message, ...fields }));
  },
};

/** Drops everything: for tests and the demo, which show jobs their own way. */
export const silentLogger: Logger = { info() {}, warn() {}, error() {} };

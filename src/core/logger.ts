/** Where the worker reports what happens to it. Fields never carry job arguments or results. */
export interface Logger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** Writes one JSON line per warning or error to stderr (CloudWatch parses them); info is dropped. */
export const jsonLogger: Logger = {
  info() {},
  warn(message, fields) {
    console.error(JSON.stringify({ level: 'warn', message, ...fields }));
  },
  error(message, fields) {
    console.error(JSON.stringify({ level: 'error', message, ...fields }));
  },
};

/** Drops everything: for tests and the demo, which show jobs their own way. */
export const silentLogger: Logger = { info() {}, warn() {}, error() {} };

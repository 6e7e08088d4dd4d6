import type { RequestCounter } from '../../core/request-counter.js';

/** The part of an SDK v3 client this needs: its middleware stack. */
interface ClientWithMiddleware {
  middlewareStack: {
    add(middleware: unknown, options: { step: 'initialize'; name: string; override?: boolean }): void;
  };
}

let counters = 0;

/**
 * Adds a middleware that records every request the client sends under `service` and the operation's
 * name (`SendMessageBatch`, `UpdateItem`), so cost per job can be measured on any endpoint.
 */
export function countRequests(client: ClientWithMiddleware, service: string, counter: RequestCounter): void {
  counters++;
  client.middlewareStack.add(
    (next: (args: unknown) => Promise<unknown>, context: { commandName?: string }) => (args: unknown) => {
      counter.record(service, operationName(context.commandName));
      return next(args);
    },
    { step: 'initialize', name: `longhaulRequestCounter${counters}` },
  );
}

/** Operation names by command name, worked out once per command (every request passes here). */
const operationNames = new Map<string | undefined, string>();

/** `SendMessageCommand` → `SendMessage`; the document client's `PutCommand` → `PutItem`. */
function operationName(commandName: string | undefined): string {
  let operation = operationNames.get(commandName);
  if (operation === undefined) {
    const name = (commandName ?? 'Unknown').replace(/Command$/, '');
    operation = documentCommands[name] ?? name;
    operationNames.set(commandName, operation);
  }
  return operation;
}

const documentCommands: Record<string, string> = {
  Put: 'PutItem',
  Get: 'GetItem',
  Update: 'UpdateItem',
  Delete: 'DeleteItem',
  Query: 'Query',
  Scan: 'Scan',
  BatchGet: 'BatchGetItem',
  BatchWrite: 'BatchWriteItem',
  TransactGet: 'TransactGetItems',
  TransactWrite: 'TransactWriteItems',
};

/**
 * The options of `createHttpHandler`, every default in one place, checked all at once at construction
 * with messages that name the field, the rule and the value given.
 */
import type { Longhaul } from '../client/longhaul.js';
import { ConfigError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { Schedule } from '../core/schedule.js';
import { type AnyTask, checkTask } from '../core/task.js';
import { type AllowedSchedules, allowedSchedules } from './allowed-schedules.js';
import { type JobTokenSecret, secretKey } from './job-token.js';

/** One allowed task, with what the routes may do with its jobs. */
export interface HttpTaskAccess {
  readonly task: AnyTask;
  /** Allow `POST /jobs/:id/cancel` (with a token that allows `cancel`). Default false. */
  readonly cancel?: boolean;
  /** Show the job's arguments in its view. Default false: arguments often hold what a page must not see. */
  readonly includeArgs?: boolean;
}

/** How often a watched job is read while events streams are open on it. */
export interface HttpPollOptions {
  /** While the job runs. Default 500. */
  readonly runningIntervalMs?: number;
  /** While it waits (scheduled, queued, retrying): the first interval, doubled after each unchanged read. Default 250. */
  readonly waitingIntervalMs?: number;
  /** The longest interval while it waits. Default 2 000. */
  readonly waitingMaxIntervalMs?: number;
}

/** The options of {@link createHttpHandler}. */
export interface HttpHandlerOptions {
  /** The client the routes enqueue, read and cancel with. */
  readonly longhaul: Longhaul;
  /** The path the routes live under, such as `/api/longhaul`. Default `''`. */
  readonly prefix?: string;
  /**
   * The allow-list: only these tasks can be enqueued, and only their jobs read. An array allows each
   * task with the defaults; a record maps each task's name to the task or to its access.
   */
  readonly tasks: Readonly<Record<string, AnyTask | HttpTaskAccess>> | readonly AnyTask[];
  /** The HMAC key job tokens are signed with, at least 32 bytes. Keep it out of the browser. */
  readonly secret: JobTokenSecret;
  /**
   * Decides whether this request may enqueue a job of `task` (its session cookie, its API key...).
   * Default: everyone may. Reads and cancels are decided by the job's token.
   */
  readonly authorize?: (request: Request, task: AnyTask) => boolean | Promise<boolean>;
  /** How long a token minted on enqueue lives. Default 3 600. */
  readonly tokenTtlSeconds?: number;
  /** Cross-origin access, off by default: the origins (`https://app.example.com`) pages may call from. */
  readonly cors?: { readonly origins: readonly string[]; readonly maxAgeSeconds?: number };
  /**
   * The schedules whose latest result may be read without a token (the `schedules/:name/latest` route):
   * their definitions (`defineSchedule`), which also let the answer be cached until the next firing,
   * or their names (cached for 10 s).
   */
  readonly schedules?: readonly (Schedule | string)[];
  readonly poll?: HttpPollOptions;
  /** A comment line on idle event streams keeps proxies from closing them. Default 15 000. */
  readonly heartbeatIntervalMs?: number;
  /** The reconnection delay the event stream suggests to `EventSource`. Default 2 000. */
  readonly retryMs?: number;
  /** Larger request bodies are refused with 413. Default 262 144 (256 KiB). */
  readonly maxBodyBytes?: number;
  /** Where unexpected failures (a store that cannot be read) are reported. Default: JSON lines on stderr. */
  readonly logger?: Logger;
}

/** A task's access with its defaults applied. */
export type ResolvedTaskAccess = Required<HttpTaskAccess>;

/** The options with every default applied. */
export interface ResolvedHttpOptions {
  readonly longhaul: Longhaul;
  readonly prefix: string;
  readonly tasks: ReadonlyMap<string, ResolvedTaskAccess>;
  readonly secret: Buffer;
  readonly authorize: (request: Request, task: AnyTask) => boolean | Promise<boolean>;
  readonly tokenTtlSeconds: number;
  readonly cors: { readonly origins: ReadonlySet<string>; readonly maxAgeSeconds: number } | undefined;
  readonly schedules: AllowedSchedules;
  readonly poll: Required<HttpPollOptions>;
  readonly heartbeatIntervalMs: number;
  readonly retryMs: number;
  readonly maxBodyBytes: number;
  readonly logger: Logger | undefined;
}

export const httpDefaults = {
  prefix: '',
  tokenTtlSeconds: 3_600,
  corsMaxAgeSeconds: 600,
  poll: { runningIntervalMs: 500, waitingIntervalMs: 250, waitingMaxIntervalMs: 2_000 },
  heartbeatIntervalMs: 15_000,
  retryMs: 2_000,
  maxBodyBytes: 256 * 1024,
} as const;

/** Checks every option, reporting all the problems in one {@link ConfigError}. */
export function resolveHttpOptions(options: HttpHandlerOptions): ResolvedHttpOptions {
  const problems: string[] = [];
  const wholeNumber = (field: string, value: number | undefined, min: number, fallback: number) => {
    if (value === undefined) return fallback;
    if (!Number.isInteger(value) || value < min) {
      problems.push(`Expected \`${field}\` to be a whole number from ${min} up, got ${value}`);
    }
    return value;
  };

  if (!options?.longhaul || typeof options.longhaul.enqueue !== 'function') {
    problems.push('Expected `longhaul` to be a Longhaul client');
  }
  const prefix = (options.prefix ?? httpDefaults.prefix).replace(/\/+$/, '');
  if (prefix !== '' && !/^\/[A-Za-z0-9._~!$&'()*+,;=:@%/-]*$/.test(prefix)) {
    problems.push(
      `Expected \`prefix\` to be a path beginning with "/", got ${JSON.stringify(options.prefix)}`,
    );
  }
  const tasks = resolveTasks(options.tasks, problems);
  let secret: Buffer = Buffer.alloc(0);
  try {
    secret = secretKey(options.secret);
  } catch (error) {
    problems.push((error as Error).message);
  }
  if (options.authorize !== undefined && typeof options.authorize !== 'function') {
    problems.push('Expected `authorize` to be a function (request, task) => boolean');
  }
  const tokenTtlSeconds = wholeNumber(
    'tokenTtlSeconds',
    options.tokenTtlSeconds,
    1,
    httpDefaults.tokenTtlSeconds,
  );
  let cors: ResolvedHttpOptions['cors'];
  if (options.cors !== undefined) {
    const origins = options.cors.origins;
    if (!Array.isArray(origins) || origins.length === 0) {
      problems.push('Expected `cors.origins` to list at least one origin, such as "https://app.example.com"');
    } else {
      for (const origin of origins) {
        if (origin !== '*' && !isOrigin(origin)) {
          problems.push(
            `Expected each of \`cors.origins\` to be "*" or an origin such as "https://app.example.com" (no path), got ${JSON.stringify(origin)}`,
          );
        }
      }
    }
    cors = {
      origins: new Set(origins ?? []),
      maxAgeSeconds: wholeNumber(
        'cors.maxAgeSeconds',
        options.cors.maxAgeSeconds,
        0,
        httpDefaults.corsMaxAgeSeconds,
      ),
    };
  }
  if (
    options.schedules !== undefined &&
    (!Array.isArray(options.schedules) ||
      !options.schedules.every((s) => typeof s === 'string' || typeof s?.name === 'string'))
  ) {
    problems.push('Expected `schedules` to be an array of schedules (`defineSchedule`) or schedule names');
  }
  const poll = {
    runningIntervalMs: wholeNumber(
      'poll.runningIntervalMs',
      options.poll?.runningIntervalMs,
      50,
      httpDefaults.poll.runningIntervalMs,
    ),
    waitingIntervalMs: wholeNumber(
      'poll.waitingIntervalMs',
      options.poll?.waitingIntervalMs,
      50,
      httpDefaults.poll.waitingIntervalMs,
    ),
    waitingMaxIntervalMs: wholeNumber(
      'poll.waitingMaxIntervalMs',
      options.poll?.waitingMaxIntervalMs,
      50,
      httpDefaults.poll.waitingMaxIntervalMs,
    ),
  };
  if (poll.waitingMaxIntervalMs < poll.waitingIntervalMs) {
    problems.push(
      `Expected \`poll.waitingMaxIntervalMs\` (${poll.waitingMaxIntervalMs}) to be at least \`poll.waitingIntervalMs\` (${poll.waitingIntervalMs})`,
    );
  }
  const result: ResolvedHttpOptions = {
    longhaul: options.longhaul,
    prefix,
    tasks,
    secret,
    authorize: options.authorize ?? (() => true),
    tokenTtlSeconds,
    cors,
    schedules: Array.isArray(options.schedules) ? allowedSchedules(options.schedules) : new Map(),
    poll,
    heartbeatIntervalMs: wholeNumber(
      'heartbeatIntervalMs',
      options.heartbeatIntervalMs,
      100,
      httpDefaults.heartbeatIntervalMs,
    ),
    retryMs: wholeNumber('retryMs', options.retryMs, 0, httpDefaults.retryMs),
    maxBodyBytes: wholeNumber('maxBodyBytes', options.maxBodyBytes, 1, httpDefaults.maxBodyBytes),
    logger: options.logger,
  };
  if (problems.length > 0) {
    throw new ConfigError(`Invalid createHttpHandler options:\n- ${problems.join('\n- ')}`);
  }
  return result;
}

function isOrigin(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  try {
    return new URL(value).origin === value;
  } catch {
    return false;
  }
}

function resolveTasks(
  given: HttpHandlerOptions['tasks'],
  problems: string[],
): Map<string, ResolvedTaskAccess> {
  const tasks = new Map<string, ResolvedTaskAccess>();
  const entries: [string | undefined, unknown][] = Array.isArray(given)
    ? given.map((task) => [undefined, task])
    : typeof given === 'object' && given !== null
      ? Object.entries(given)
      : [];
  if (entries.length === 0) {
    problems.push('Expected `tasks` to allow at least one task (an array of tasks, or a record by name)');
  }
  for (const [name, value] of entries) {
    const access = (
      typeof value === 'object' && value !== null && 'task' in value ? value : { task: value }
    ) as HttpTaskAccess;
    try {
      checkTask(access.task);
    } catch (error) {
      problems.push(`\`tasks${name === undefined ? '' : `.${name}`}\`: ${(error as Error).message}`);
      continue;
    }
    if (name !== undefined && name !== access.task.name) {
      problems.push(
        `Expected \`tasks.${name}\` to be the task named "${name}", got the task "${access.task.name}"`,
      );
      continue;
    }
    if (tasks.has(access.task.name)) {
      problems.push(`\`tasks\` names the task "${access.task.name}" twice`);
    }
    tasks.set(access.task.name, {
      task: access.task,
      cancel: access.cancel === true,
      includeArgs: access.includeArgs === true,
    });
  }
  return tasks;
}

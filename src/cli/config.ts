/**
 * Where the CLI finds its backend and tasks: flags first, then environment variables, then a config file
 * (`--config FILE`, or `longhaul.config.json` in the working directory when there is one).
 */
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { env } from '../core/names.js';
import { CliError, ExitCode } from './exit-codes.js';

/**
 * The environment variables the CLI reads besides the library's (`LONGHAUL_QUEUE_URL`, `LONGHAUL_DLQ_URL`,
 * `LONGHAUL_TABLE_NAME`, `AWS_ENDPOINT_URL`).
 */
export const cliEnv = {
  backend: env.backend,
  tasks: env.tasks,
  dashboardToken: env.dashboardToken,
  region: 'AWS_REGION',
} as const;

/** The config file looked for in the working directory when `--config` is not given. */
export const defaultConfigFile = 'longhaul.config.json';

/** Which backend the CLI talks to. */
export const BackendKind = { aws: 'aws', memory: 'memory' } as const;
export type BackendKind = (typeof BackendKind)[keyof typeof BackendKind];

/** The configuration flags, as commander parses them. */
export interface ConfigFlags {
  readonly backend?: string;
  readonly queueUrl?: string;
  readonly dlqUrl?: string;
  readonly table?: string;
  readonly endpoint?: string;
  readonly region?: string;
  readonly tasks?: string;
  readonly config?: string;
  readonly payloadBucket?: string;
}

/** The settings a config file may hold, and the flag and variable that override each. */
const settings = {
  backend: { flag: 'backend', variable: cliEnv.backend },
  queueUrl: { flag: 'queueUrl', variable: env.queueUrl },
  deadLetterQueueUrl: { flag: 'dlqUrl', variable: env.deadLetterQueueUrl },
  tableName: { flag: 'table', variable: env.tableName },
  endpoint: { flag: 'endpoint', variable: env.endpointUrl },
  region: { flag: 'region', variable: cliEnv.region },
  tasks: { flag: 'tasks', variable: cliEnv.tasks },
  payloadBucket: { flag: 'payloadBucket', variable: env.payloadBucket },
} as const satisfies Record<string, { flag: keyof ConfigFlags; variable: string }>;
type Setting = keyof typeof settings;

/** How each flag is spelled on the command line, for messages. */
export const flagNames: Readonly<Record<Setting, string>> = {
  backend: '--backend',
  queueUrl: '--queue-url',
  deadLetterQueueUrl: '--dlq-url',
  tableName: '--table',
  endpoint: '--endpoint',
  region: '--region',
  tasks: '--tasks',
  payloadBucket: '--payload-bucket',
};

/** The resolved configuration. `tasks` is an absolute path. */
export interface CliConfig {
  readonly backend: BackendKind;
  readonly queueUrl?: string;
  readonly deadLetterQueueUrl?: string;
  readonly tableName?: string;
  readonly endpoint?: string;
  readonly region?: string;
  readonly tasks?: string;
  /** The bucket of offloaded payloads, to read large arguments and results and to enqueue them. */
  readonly payloadBucket?: string;
  /** The config file read, if any. */
  readonly configFile?: string;
}

/** How to set a setting, for messages: "pass --queue-url, set LONGHAUL_QUEUE_URL, or add queueUrl to ...". */
export function howToSet(setting: Setting): string {
  return `pass ${flagNames[setting]}, set ${settings[setting].variable}, or add "${setting}" to ${defaultConfigFile}`;
}

/** Reads and validates a config file; every problem is reported at once, naming its field. */
async function readConfigFile(path: string): Promise<Partial<Record<Setting, string>>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new CliError(
      ExitCode.usage,
      'invalid_config',
      `Cannot read the config file ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new CliError(
      ExitCode.usage,
      'invalid_config',
      `The config file ${path} is not valid JSON: ${(error as Error).message}`,
    );
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new CliError(ExitCode.usage, 'invalid_config', `The config file ${path} must hold a JSON object`);
  }
  const problems: string[] = [];
  const result: Partial<Record<Setting, string>> = {};
  for (const [key, value] of Object.entries(parsed)) {
    if (!(key in settings)) {
      problems.push(`unknown field "${key}" (expected ${Object.keys(settings).join(', ')})`);
    } else if (typeof value !== 'string' || value.length === 0) {
      problems.push(`"${key}" must be a non-empty string, got ${JSON.stringify(value)}`);
    } else {
      result[key as Setting] = value;
    }
  }
  if (problems.length) {
    throw new CliError(
      ExitCode.usage,
      'invalid_config',
      `Invalid config file ${path}: ${problems.join('; ')}`,
    );
  }
  return result;
}

async function exists(path: string): Promise<boolean> {
  try {
    await readFile(path);
    return true;
  } catch {
    return false;
  }
}

/** Resolves the configuration, highest precedence first: flags, environment variables, config file. */
export async function resolveConfig(
  flags: ConfigFlags,
  environment: Readonly<Record<string, string | undefined>>,
  cwd: string,
): Promise<CliConfig> {
  const variable = (setting: Setting) => environment[settings[setting].variable] || undefined;
  const explicitFile = flags.config ?? undefined;
  const fallbackFile = resolve(cwd, defaultConfigFile);
  const configFile = explicitFile
    ? resolve(cwd, explicitFile)
    : (await exists(fallbackFile))
      ? fallbackFile
      : undefined;
  const file = configFile ? await readConfigFile(configFile) : {};

  const values: Partial<Record<Setting, string>> = {};
  for (const setting of Object.keys(settings) as Setting[]) {
    const value = flags[settings[setting].flag] || variable(setting) || file[setting];
    if (value !== undefined) values[setting] = value;
  }
  const backend = values.backend ?? BackendKind.aws;
  if (backend !== BackendKind.aws && backend !== BackendKind.memory) {
    const from = flags.backend
      ? '--backend'
      : variable('backend')
        ? cliEnv.backend
        : `"backend" in ${configFile}`;
    throw new CliError(
      ExitCode.usage,
      'invalid_config',
      `Expected ${from} to be aws or memory, got ${JSON.stringify(backend)}`,
    );
  }
  // A tasks path from the config file is relative to the file; from a flag or variable, to the cwd.
  const tasksFromFile = !flags.tasks && !variable('tasks') && file.tasks !== undefined && configFile;
  const tasks = values.tasks && resolve(tasksFromFile ? dirname(configFile) : cwd, values.tasks);
  return {
    backend,
    ...(values.queueUrl ? { queueUrl: values.queueUrl } : {}),
    ...(values.deadLetterQueueUrl ? { deadLetterQueueUrl: values.deadLetterQueueUrl } : {}),
    ...(values.tableName ? { tableName: values.tableName } : {}),
    ...(values.endpoint ? { endpoint: values.endpoint } : {}),
    ...(values.region ? { region: values.region } : {}),
    ...(tasks ? { tasks } : {}),
    ...(configFile ? { configFile } : {}),
    ...(values.payloadBucket ? { payloadBucket: values.payloadBucket } : {}),
  };
}

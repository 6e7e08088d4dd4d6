// Helpers of the infra tests: small stacks built from factories, and readers for the parts of a
// template the assertions look at (a role's policy statements, a rule's rendered input).
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { App, Stack } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import { defineTask } from '../../src/core/task.js';

/** The stand-in for functions/lambda.ts: small, so bundling it at synth is quick. */
export const fixtureEntry = fileURLToPath(new URL('./fixtures/lambda-handler.ts', import.meta.url));

/** A task with the given attempts and timeout. */
export function task(name: string, options: { retries?: number; timeoutMs?: number } = {}) {
  return defineTask({ name, run: async () => null, ...options });
}

/** A fresh stack in a fresh app. */
export function newStack(): Stack {
  return new Stack(new App(), 'Test');
}

type Json = Record<string, unknown>;

/** The resources of one type, by logical id. */
export function resourcesOfType(template: Template, type: string): Record<string, Json> {
  return template.findResources(type) as Record<string, Json>;
}

/** The `Properties` of the only resource of `type`; fails when there is not exactly one. */
export function onlyResource(template: Template, type: string): Json {
  const found = Object.values(resourcesOfType(template, type));
  if (found.length !== 1) throw new Error(`Expected one ${type}, found ${found.length}`);
  return (found[0] as { Properties: Json }).Properties;
}

export interface Statement {
  readonly Effect: string;
  readonly Action: string | string[];
  readonly Resource: unknown;
  readonly Principal?: unknown;
  readonly Condition?: unknown;
}

/** Every statement of the IAM policies attached to the role with logical id `roleId`. */
export function roleStatements(template: Template, roleId: string): Statement[] {
  return Object.values(resourcesOfType(template, 'AWS::IAM::Policy'))
    .map(
      (resource) =>
        (resource as { Properties: { Roles: unknown[]; PolicyDocument: { Statement: Statement[] } } })
          .Properties,
    )
    .filter((props) => props.Roles.some((role) => JSON.stringify(role) === JSON.stringify({ Ref: roleId })))
    .flatMap((props) => props.PolicyDocument.Statement);
}

/** A statement as `{ actions, resources }` with both sides sorted, for order-free comparison. */
export function normalize(statement: Statement): { actions: string[]; resources: unknown[] } {
  const actions = (Array.isArray(statement.Action) ? statement.Action : [statement.Action]).slice().sort();
  const resources = (Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource])
    .slice()
    .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
  return { actions, resources };
}

/** `{ 'Fn::GetAtt': [id, 'Arn'] }` */
export const arnOf = (logicalId: string) => ({ 'Fn::GetAtt': [logicalId, 'Arn'] });

/** The ARN of index `name` of the table with logical id `tableId`, as the construct writes it. */
export const indexArn = (tableId: string, name: string) => ({
  'Fn::Join': ['', [arnOf(tableId), `/index/${name}`]],
});

/** The logical id of the only resource of `type` whose id starts with `prefix` (CDK appends a hash). */
export function logicalId(template: Template, type: string, prefix: string): string {
  const ids = Object.keys(resourcesOfType(template, type)).filter((id) => id.startsWith(prefix));
  if (ids.length !== 1)
    throw new Error(`Expected one ${type} named ${prefix}*, found ${ids.join(', ') || 'none'}`);
  return ids[0] as string;
}

/**
 * Lints a synthesized template file with cfn-lint and returns what it printed ('' when clean). Ignored:
 * W3005, since NodejsFunction declares DependsOn its role as well as the GetAtt of it (redundant, harmless).
 */
export async function cfnLint(
  templatePath: string,
): Promise<{ code: number | string | undefined; output: string }> {
  const result = await promisify(execFile)('cfn-lint', ['--ignore-checks', 'W3005', '--', templatePath]).then(
    () => ({ code: 0, output: '' }),
    (error: { code?: number | string; stdout?: string; stderr?: string }) => ({
      code: error.code,
      output: `${error.stdout ?? ''}${error.stderr ?? ''}`,
    }),
  );
  if (result.code === 'ENOENT') throw new Error('cfn-lint is not installed: pip install cfn-lint');
  return result;
}

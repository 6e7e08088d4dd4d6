/**
 * `longhaul migrate-indexes`: moves the job items of a table made by an earlier 0.x release to the
 * current indexes (docs/upgrading.md). Only the DynamoDB store has indexes to migrate.
 */
import { DynamoJobStore } from '../../backends/aws/index.js';
import type { Register } from '../command.js';
import { CliError, ExitCode } from '../exit-codes.js';

interface MigrateFlags {
  readonly json?: boolean;
}

export const registerMigrateIndexes: Register = (program, act) => {
  program
    .command('migrate-indexes')
    .description('move the job table of an earlier 0.x release to the current indexes (docs/upgrading.md)')
    .option('--json', 'print { scanned, updated, changedMeanwhile }')
    .action(
      act<MigrateFlags>(async (ctx) => {
        const { backend } = await ctx.backend('shared');
        if (!(backend.store instanceof DynamoJobStore)) {
          throw new CliError(
            ExitCode.usage,
            'not_dynamodb',
            'Only a DynamoDB job table has indexes to migrate.',
            'Point the CLI at the table (--table, --endpoint, or LONGHAUL_TABLE_NAME).',
          );
        }
        const result = await backend.store.migrateIndexes();
        const { out } = ctx;
        if (out.json) out.value(result);
        else {
          out.line(
            `Scanned ${result.scanned} jobs, updated ${result.updated}, ${result.changedMeanwhile} changed meanwhile.`,
          );
          if (result.changedMeanwhile > 0)
            out.line('Run it again to migrate the jobs that changed meanwhile.');
        }
        return ExitCode.ok;
      }),
    );
};

/** `workflow <id>`: a chain's or group's status, with each step's or member's job. */
import type { WorkflowJobState, WorkflowState } from '../../core/workflow.js';
import type { Register } from '../command.js';
import { ExitCode } from '../exit-codes.js';
import { formatTime, paintStatus } from '../format.js';
import type { Output } from '../output.js';

/** The lines `workflow` prints for a human. */
export function formatWorkflow(state: WorkflowState, paint: Output['paint']): string[] {
  const status = (s: WorkflowJobState['status'] | WorkflowState['status']) =>
    s === 'pending' ? paint.dim(s) : paintStatus(s, paint);
  const lines = [
    `Workflow  ${state.id}`,
    `Kind      ${state.kind}`,
    `Status    ${status(state.status)}`,
    `Done      ${state.done}/${state.total}`,
    `Created   ${formatTime(state.createdAt)}`,
    '',
    state.kind === 'chain' ? 'Steps' : 'Members',
  ];
  state.steps.forEach((step, index) => {
    lines.push(`  ${String(index).padStart(3)}  ${step.task}  ${status(step.status)}  ${step.jobId}`);
  });
  if (state.callback) {
    lines.push(
      '',
      'Callback',
      `       ${state.callback.task}  ${status(state.callback.status)}  ${state.callback.jobId}`,
    );
  }
  return lines;
}

export const registerWorkflow: Register = (program, act) => {
  program
    .command('workflow')
    .description('show a workflow (chain or group): its status and each step’s or member’s job')
    .argument('<id>', 'the workflow id')
    .option('--json', 'print the workflow state as JSON')
    .action(
      act<{ json?: boolean }>(async (ctx, [id]) => {
        const state = await (await ctx.client()).getWorkflow(id as string);
        if (ctx.out.json) ctx.out.value(state);
        else for (const line of formatWorkflow(state, ctx.out.paint)) ctx.out.line(line);
        return ExitCode.ok;
      }),
    );
};

// The operator's actions (cancel, retry, requeue, redrive): run one, say how it went, then refresh.
import { flash } from './flash.js';
import { state } from './state.js';

/** What views may ask of the live connection. */
export interface Controls {
  /** Reads the stats and the current view once. */
  refresh(): void;
  /** Reconnects live updates for the current view (after the list's page changed). */
  connect(): void;
}

/**
 * Runs an action: live updates wait meanwhile, then the outcome is flashed and the view read again.
 */
export function act<T>(
  controls: Controls,
  action: Promise<T>,
  success: (result: T) => string,
): Promise<void> {
  state.busy = true;
  return action
    .then(
      (result) => {
        flash(success(result), false);
      },
      (error: Error) => {
        flash(error.message, true);
      },
    )
    .then(() => {
      state.busy = false;
      controls.refresh();
    });
}

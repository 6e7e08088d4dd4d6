// The message line under the top bar: what an action did, or what went wrong.
import { byId } from './dom.js';

let flashTimer = 0;

/** Shows `message` for a few seconds (errors longer). */
export function flash(message: string, isError: boolean): void {
  const el = byId('flash');
  el.textContent = message;
  el.className = `flash${isError ? ' error' : ''}`;
  el.hidden = false;
  clearTimeout(flashTimer);
  flashTimer = window.setTimeout(
    () => {
      el.hidden = true;
    },
    isError ? 10000 : 5000,
  );
}

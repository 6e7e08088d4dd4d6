// Types for scripts/ensure-chromium.mjs (plain Node ESM, the first step of `npm test`), so the browser
// test and the script's own test can import it under `tsc --noEmit`.

/** Where Debian's `chromium` package puts the browser. */
export declare const debianChromiumPath: string;

/** The command the README and the missing-browser line give for installing the browser. */
export declare const installCommand: string;

/** The Chromium binary the browser tests launch: `CHROMIUM_PATH` when set, else Debian's path. */
export declare function chromiumPath(env?: NodeJS.ProcessEnv): string;

/** The facts `chromiumPlan` decides from. */
export interface ChromiumFacts {
  path: string;
  executable: boolean;
  isRoot: boolean;
  hasAptGet: boolean;
  hasSudo: boolean;
}

/** What to do about the browser. */
export type ChromiumPlan =
  | { action: 'present' }
  | { action: 'install'; asRoot: string[] }
  | { action: 'missing'; message: string };

/** Decides from facts only: present, install with apt-get (behind `asRoot`), or missing with one line. */
export declare function chromiumPlan(facts: ChromiumFacts): ChromiumPlan;

/** Checks, installs when it can, and returns the process exit code. */
export declare function ensureChromium(env?: NodeJS.ProcessEnv): number;

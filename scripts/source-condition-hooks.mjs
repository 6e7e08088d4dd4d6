// Node.js module hooks that add the `source` export condition, as `node --conditions=source` does, for a
// process that is already running: bin/longhaul.mjs registers them in a clone, where `longhaul`'s
// exports must resolve to src/*.ts because dist/ may not exist.

/** @type {import('node:module').ResolveHook} */
export async function resolve(specifier, context, nextResolve) {
  const conditions = context.conditions.includes('source')
    ? context.conditions
    : [...context.conditions, 'source'];
  return nextResolve(specifier, { ...context, conditions });
}

// Preloaded with `node -r`: makes `@opentelemetry/api` unresolvable, as for an app that never installed
// the optional peer dependency. Longhaul loads it with `createRequire`, which resolves through here.
const Module = require('node:module');
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  if (request === '@opentelemetry/api' || request.startsWith('@opentelemetry/api/')) {
    const error = new Error(`Cannot find module '${request}'`);
    error.code = 'MODULE_NOT_FOUND';
    throw error;
  }
  return resolve.call(this, request, ...rest);
};

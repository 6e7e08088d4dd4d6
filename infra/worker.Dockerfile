# The long-running Longhaul worker (functions/worker.ts) for the Fargate service of infra/app.ts.
# Build context: the repository root. The CDK asset sends only what worker.Dockerfile.dockerignore lets
# through, and so does `docker build -f infra/worker.Dockerfile .` with BuildKit.
#
# Stage 1 bundles the entrypoint with the same esbuild settings as the Lambda function (infra/bundling.ts):
# one ES module with the AWS SDK inside, so the image needs no node_modules at all.
FROM node:22-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
# No install scripts: esbuild's binary comes from its platform package, and nothing else needs one.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
COPY functions ./functions
COPY examples ./examples
COPY infra/bundling.ts infra/bundle-worker.ts ./infra/
# tsx through its own path: node_modules/.bin holds the `node` dev dependency's shim, left uninstalled.
RUN node node_modules/tsx/dist/cli.mjs infra/bundle-worker.ts functions/worker.ts /out/worker.mjs \
 && cp -R examples/docs /out/docs

# Stage 2: the bundle (and the demo's corpus, which the word-count task reads beside it) on a slim Node.
FROM node:22-slim
ENV NODE_ENV=production NODE_OPTIONS=--enable-source-maps
WORKDIR /app
COPY --from=build /out/ ./
# The image's `node` user (uid 1000): the worker needs no root and writes no files.
USER node
# exec form: node is PID 1 and gets ECS's SIGTERM, which starts the worker's graceful shutdown.
CMD ["node", "worker.mjs"]

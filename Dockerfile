# syntax=docker/dockerfile:1
# One image for every role; ROLES picks what a container runs (see docker-compose.yml). Node 24 LTS.
# Built and checked by `docker build .`; on machines without a Docker engine, test/compose.unit.test.ts
# checks this file's shape and infra/telemetry/register.int.test.ts runs its entry command.

# --- production dependencies only (no dev tools in the image) -----------------------------------
FROM node:24-slim AS deps
WORKDIR /app
ENV SCARF_ANALYTICS=false
COPY package.json package-lock.json ./
COPY patches ./patches
# Install scripts stay off: on Node 24 argon2's and esbuild's prebuilt linux-x64 binaries load (argon2's is
# built from source only on Debian's Node 20, where its prebuilt one crashes; see docs/architecture.md).
# With scripts off, the postinstall that applies patches/ does not run: it is run here.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npx patch-package --error-on-fail

# --- full install: type-check and unit tests must pass before an image is produced --------------
FROM node:24-slim AS check
WORKDIR /app
ENV SCARF_ANALYTICS=false
COPY package.json package-lock.json ./
COPY patches ./patches
RUN npm ci --ignore-scripts --no-audit --no-fund && npx patch-package --error-on-fail
COPY . .
RUN npm run typecheck && npx vitest run --project unit

# --- runtime ------------------------------------------------------------------------------------
FROM node:24-slim AS runtime
WORKDIR /app
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    NODE_OPTIONS=--enable-source-maps
COPY --from=deps /app/node_modules ./node_modules
COPY --from=check /app/package.json /app/package-lock.json /app/tsconfig.json ./
COPY --from=check /app/domain ./domain
COPY --from=check /app/application ./application
COPY --from=check /app/infra ./infra
COPY --from=check /app/command-api ./command-api
COPY --from=check /app/query-api ./query-api
COPY --from=check /app/projections ./projections
COPY --from=check /app/process-manager ./process-manager
COPY --from=check /app/bin ./bin
USER node
EXPOSE 3001 3002 3003
# OpenTelemetry starts before any other module (infra/telemetry/register.ts); tsx runs the TypeScript.
CMD ["node", "--import", "tsx", "--import", "./infra/telemetry/register.ts", "bin/start.ts"]

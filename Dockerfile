# syntax=docker/dockerfile:1
# The trailmark GitHub App (Probot), as `npm start` runs it. Build and run: docs/deploy.md.
#
#   docker build -t trailmark .
#   docker run -d --init --name trailmark -p 3000:3000 -v trailmark-data:/var/lib/trailmark \
#     -v "$PWD/app-key.pem:/run/secrets/app-key.pem:ro" -e PRIVATE_KEY_PATH=/run/secrets/app-key.pem \
#     -e APP_ID -e WEBHOOK_SECRET -e TRAILMARK_SIGNING_KEY trailmark
#
# The base image is pinned to an exact Node 24 release (the Action's runtime too); pin its
# digest as well where your registry policy asks for it: FROM node:24.22.3-bookworm-slim@sha256:…
# (tree-sitter 0.21 ships prebuilt native bindings for linux/amd64 only: build for that platform.)

FROM node:24.22.3-bookworm-slim AS build
WORKDIR /src
# Scripts are skipped: `prepare` would build before the sources are copied; tsc needs none.
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY app ./app
COPY action ./action
COPY cli ./cli
COPY detectors ./detectors
RUN npm run build

FROM node:24.22.3-bookworm-slim AS runtime
LABEL org.opencontainers.image.title="trailmark" \
      org.opencontainers.image.description="trailmark GitHub App: unattested AI-generated changes as non-blocking checks, in a signed ledger" \
      org.opencontainers.image.licenses="Apache-2.0"
# NODE_ENV=production: JSON logs, and Probot refuses to start without APP_ID and a private key
# instead of serving its unauthenticated setup pages. HOST: Probot listens on localhost otherwise.
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    TRAILMARK_DATA_DIR=/var/lib/trailmark
WORKDIR /app
# Production dependencies only; install scripts skipped (the native tree-sitter bindings load
# their prebuilt binaries at run time; `prepare` needs the devDependencies).
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY --from=build /src/dist/lib ./dist/lib
# bin/: the CLI, to verify the ledgers in place (`docker exec trailmark node bin/trailmark.js verify …`).
COPY bin ./bin
COPY app.yml LICENSE ./
# The code stays root-owned and read-only to the App; only the data directory is writable.
RUN mkdir -p /var/lib/trailmark && chown 1000:1000 /var/lib/trailmark
USER 1000:1000
VOLUME /var/lib/trailmark
EXPOSE 3000
# The slim image has no curl: Node's fetch asks the App's health route (app/app.ts HEALTH_PATH).
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/trailmark/healthz', { signal: AbortSignal.timeout(4000) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "dist/lib/app/start.js"]

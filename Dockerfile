# syntax=docker/dockerfile:1.7
# recado's images. docker-compose.yml builds them; by hand:
#
#   docker build -t recado-app .
#   docker build --target livekit-test-server -t recado-livekit-test-server .
#
# The build generates types from Meta's OpenAPI spec (vendor/meta/); the same file is read at run
# time by the webhook validators and the WhatsApp simulator.

ARG NODE_VERSION=20
ARG GO_VERSION=1.26
ARG LIVEKIT_VERSION=v1.13.5

# ---- LiveKit's Twirp API mock (cmd/test-server): serves the Connector (WhatsApp) API locally.
FROM golang:${GO_VERSION}-bookworm AS livekit-test-server-build
ARG LIVEKIT_VERSION
RUN GOBIN=/out go install "github.com/livekit/livekit-server/cmd/test-server@${LIVEKIT_VERSION}"

FROM debian:bookworm-slim AS livekit-test-server
COPY --from=livekit-test-server-build /out/test-server /usr/local/bin/livekit-test-server
USER nobody
EXPOSE 7890
ENTRYPOINT ["livekit-test-server"]
CMD ["--ports", "7890", "--bind", "0.0.0.0"]

# ---- the app: dependencies, build, then a pruned runtime image.
FROM node:${NODE_VERSION}-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund

FROM deps AS build
COPY . .
RUN npm run build && npm prune --omit=dev

FROM node:${NODE_VERSION}-bookworm-slim AS app
ENV NODE_ENV=production \
    API_HOST=0.0.0.0 \
    API_PORT=3000
WORKDIR /app
COPY --from=build /app/vendor/meta ./vendor/meta
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# Read at run time: SQL migrations (dist/src/db/migrate.js) and Temporal setup (temporal/setup.mjs).
COPY --from=build /app/src/db/migrations ./src/db/migrations
COPY --from=build /app/temporal ./temporal
USER node
EXPOSE 3000
# One image, several roles (api, worker, migrate, whatsapp-simulator, temporal-setup): the
# healthchecks are per service in docker-compose.yml.
CMD ["node", "dist/src/main.js"]

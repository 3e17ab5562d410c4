# careloop in a container: the embedded default (PGlite + chDB in /data). For scale-out, set
# DATABASE_URL, CLICKHOUSE_URL and KAFKA_BROKERS (docs/deployment.md).
# Build: docker build -t careloop .   Run: docker run -p 8080:8080 -v careloop-data:/data careloop
FROM node:20-bookworm-slim
WORKDIR /app
# MALLOC_ARENA_MAX: fewer glibc malloc arenas, less resident memory (docs/performance.md, "Memory").
ENV NODE_ENV=production PORT=8080 HOST=0.0.0.0 CARELOOP_DATA_DIR=/data MALLOC_ARENA_MAX=2
COPY package.json package-lock.json tsconfig.json ./
RUN npm install --omit=dev --no-audit --no-fund && npm cache clean --force
COPY bin ./bin
COPY src ./src
COPY dashboards ./dashboards
COPY deploy/healthcheck.js ./deploy/healthcheck.js
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME /data
EXPOSE 8080
# Liveness; orchestrators should also probe GET /readyz for readiness (stores reachable, pipeline moving).
HEALTHCHECK --interval=15s --timeout=6s --start-period=60s CMD ["node", "deploy/healthcheck.js", "healthz"]
# Stores' schemas are migrated at start; SIGTERM finishes the batch and exits (allow 30 s).
STOPSIGNAL SIGTERM
CMD ["node", "bin/careloop.js", "start"]

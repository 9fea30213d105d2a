# The `flint` image: one image for the master, the workers and applications.
#   docker build -t flint .
#   docker run --rm -e FLINT_SECRET=... flint master --host 0.0.0.0
# See docs/deploy.md.

FROM node:20-bookworm-slim AS build
WORKDIR /src
# pnpm through npx, as in the README (no corepack: it cannot verify signatures everywhere).
ENV PNPM="npx -y pnpm@10"
COPY package.json pnpm-lock.yaml pnpm-workspace.yaml tsconfig*.json ./
COPY packages ./packages
COPY apps ./apps
COPY test/package.json ./test/package.json
RUN $PNPM install --frozen-lockfile \
 && $PNPM --filter ./packages/** build \
 && $PNPM --filter @flint/scheduler deploy --prod --legacy /app

FROM node:20-bookworm-slim
WORKDIR /app
COPY --from=build /app ./
# Executors run user code: never as root.
USER node
ENV NODE_ENV=production
# 7077: the master; 8080: its status page. Workers' executors listen on ports they pick.
EXPOSE 7077 8080
ENTRYPOINT ["node", "/app/dist/cli.js"]
CMD ["--help"]

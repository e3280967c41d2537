# cairn: build with the full toolchain (native addons: lmdb, highwayhash, reed-solomon),
# run on a slim image with only the production dependencies.
FROM node:20-bookworm AS build
WORKDIR /src
COPY package.json package-lock.json ./
# --ignore-scripts: the prepare step (tsc) needs the sources, copied next.
# patch-lmdb compiles lmdb with a fix for failed writes (see scripts/patch-lmdb.mjs).
COPY scripts/patch-lmdb.mjs ./scripts/
RUN npm ci --ignore-scripts && npm rebuild && node scripts/patch-lmdb.mjs
COPY tsconfig.json tsconfig.build.json nest-cli.json ./
COPY src ./src
COPY migrations ./migrations
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
WORKDIR /opt/cairn
ENV NODE_ENV=production
COPY --from=build /src/package.json ./package.json
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY bin ./bin
RUN ln -s /opt/cairn/bin/cairn /usr/local/bin/cairn
VOLUME ["/data"]
EXPOSE 9000
ENTRYPOINT ["cairn"]
CMD ["server", "/data"]

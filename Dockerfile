# gate's container image: `docker build -t gate .`
#
# Two stages: a Debian 12 build stage that compiles gate and runs its unit
# tests (a failing test fails the build), and a slim Debian 12 runtime stage
# with the shared libraries gate links and nothing else.  BASE and
# RUNTIME_BASE exist so that tests/container/build.sh can build this file
# without a Docker daemon, on a base it makes itself with debootstrap.
ARG BASE=debian:bookworm
ARG RUNTIME_BASE=debian:bookworm-slim

FROM ${BASE} AS build
# The sanitizer and fuzzing toolchain (clang) is not needed here: only the
# normal build and its unit tests run in this stage (python3-yaml, man-db
# and groff-base for the docs.* unit tests).
COPY tests/apt-packages.txt /tmp/apt-packages.txt
RUN apt-get update \
 && sed -e 's/#.*//' -e '/^clang$/d' -e '/^libclang-rt-/d' /tmp/apt-packages.txt \
    | xargs env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        libre2-dev g++ python3-yaml python3-jsonschema man-db groff-base mandoc \
 && rm -rf /var/lib/apt/lists/*
COPY . /src
WORKDIR /src
ARG JOBS=2
RUN cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo \
 && cmake --build build -j"${JOBS}" \
 && ctest --test-dir build -L unit --output-on-failure -j"${JOBS}" \
 && install -D -s -m 0755 build/gate /out/usr/local/bin/gate \
 && if [ -d rules ]; then mkdir -p /out/usr/share/gate && cp -R rules /out/usr/share/gate/rules; fi

FROM ${RUNTIME_BASE}
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        ca-certificates libssl3 libjansson4 libcurl4 libyaml-0-2 zlib1g libzstd1 \
        libisal2 libre2-9 libstdc++6 \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin \
 && useradd --system --user-group --uid 10001 --create-home --home-dir /home/gate \
        --shell /usr/sbin/nologin gate \
 && install -d -m 0700 -o gate -g gate /cache \
 && install -d -m 0755 /work
COPY --from=build /out/ /

# gate refuses a cache directory that is not its user's or that others may
# write to: /cache is created above, mode 0700, before it becomes a volume,
# so a fresh named volume starts with that owner and mode.
ENV XDG_CACHE_HOME=/cache
VOLUME /cache
USER gate
WORKDIR /work
ENTRYPOINT ["gate"]
CMD ["--help"]

ARG VERSION=0.1.0
ARG SOURCE=
ARG REVISION=
LABEL org.opencontainers.image.title="gate" \
      org.opencontainers.image.description="Checks that the dm-verity layer root hashes in the CCE policies of Azure confidential container templates match the images their registries serve" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.source="${SOURCE}" \
      org.opencontainers.image.revision="${REVISION}"

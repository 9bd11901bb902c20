# FoodCount: one image that holds the executables: consumer, datafeed and api, and the operator's foodcount.
#
#   docker build -t foodcount .
#   docker run --rm foodcount consumer --help      # the command picks the executable
#
# docker-compose.yml builds this image once and runs each service from it; see docs/deployment.md.
# The development machines have no Docker engine. scripts/test-image (run by CI) proves the runtime stage
# without one: it assembles the same root filesystem with debootstrap, adds the binaries and librdkafka
# the way this file does, and runs the three programs in it with chroot.

# ---------------------------------------------------------------------------------------------
# Build stage
# ---------------------------------------------------------------------------------------------
# Swift 6.3 on Debian 12, the toolchain the project is developed and tested with. It cannot be
# older than 6.2: the current releases of hummingbird, swift-log and swift-service-lifecycle
# (the minimum versions Package.swift asks for) declare swift-tools-version 6.2.
FROM swift:6.3-bookworm AS build

# What the C libraries need to build: SQLite's headers (GRDB), and what our librdkafka build needs (Debian 12's
# own librdkafka, 2.0.2, is too old: docs/deployment.md).
RUN export DEBIAN_FRONTEND=noninteractive DEBCONF_NONINTERACTIVE_SEEN=true \
    && apt-get -q update \
    && apt-get -q install -y --no-install-recommends build-essential patch pkg-config dpkg-dev ca-certificates \
        libsqlite3-dev libssl-dev zlib1g-dev libzstd-dev liblz4-dev \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /build

# librdkafka 2.8.0 with our patches, TLS and SASL, built the one way the tests build it too
# (scripts/build-librdkafka, which scripts/bootstrap runs), into /usr/local, where the CRdKafka system
# library target finds it through pkg-config `rdkafka`.
COPY scripts/build-librdkafka ./scripts/
COPY scripts/lib ./scripts/lib
COPY scripts/patches ./scripts/patches
RUN scripts/build-librdkafka /usr/local && rm -rf /var/lib/apt/lists/*

# Dependencies first, in a layer of their own, so that a change to the sources does not fetch
# them again. Package.resolved is not in git; when the build context has one it is used.
COPY Package.* ./
COPY Plugins ./Plugins
RUN swift package resolve

# Tests/ is needed too: Package.swift declares the TestSupport target at Tests/TestSupport, and
# SwiftPM refuses a manifest whose target folders are missing (the tests are not built).
COPY Sources ./Sources
COPY Tests ./Tests

# The build context has no .git: the commit `--version` and foodcount_build_info report comes from this
# argument (`docker build --build-arg FOODCOUNT_COMMIT=$(git rev-parse --short=12 HEAD) .`), else `unknown`.
ARG FOODCOUNT_COMMIT=unknown
# The Swift runtime and Foundation are linked statically, so the runtime stage needs no Swift.
RUN swift build -c release --static-swift-stdlib --product consumer \
    && swift build -c release --static-swift-stdlib --product datafeed \
    && swift build -c release --static-swift-stdlib --product api \
    && swift build -c release --static-swift-stdlib --product foodcount

# Stage the binaries, and the crash backtracer that statically linked Swift programs use (see
# SWIFT_BACKTRACE below).
WORKDIR /staging
RUN bin="$(swift build --package-path /build -c release --static-swift-stdlib --show-bin-path)" \
    && cp "$bin/consumer" "$bin/datafeed" "$bin/api" "$bin/foodcount" ./ \
    && cp /usr/libexec/swift/linux/swift-backtrace-static ./ \
    && mkdir lib && cp -P /usr/local/lib/librdkafka.so* lib/

# ---------------------------------------------------------------------------------------------
# Runtime stage
# ---------------------------------------------------------------------------------------------
FROM debian:bookworm-slim

# Only what the binaries load at run time, listed in deploy/image/runtime-packages (which
# scripts/test-image installs into the same Debian release to prove the image without a Docker engine):
# what our librdkafka needs (libssl3, libzstd1, liblz4-1, zlib1g), SQLite, and libstdc++ (the static
# Swift runtime and Foundation's ICU need it). Foundation's networking and XML parts are not used, so
# neither libcurl nor libxml2 is needed. CA certificates (TLS to Kafka) and time zones.
COPY deploy/image/runtime-packages /tmp/runtime-packages
RUN export DEBIAN_FRONTEND=noninteractive DEBCONF_NONINTERACTIVE_SEEN=true \
    && apt-get -q update \
    && grep -v '^#' /tmp/runtime-packages | xargs apt-get -q install -y --no-install-recommends \
    && rm -rf /var/lib/apt/lists/* /tmp/runtime-packages

# Our librdkafka, the same build as the tests': never Debian 12's librdkafka1 (2.0.2), which the
# programs refuse at start.
COPY --from=build /staging/lib/ /usr/local/lib/
RUN ldconfig

# An unprivileged user with a fixed uid/gid, 10001, so that a bind-mounted data folder can be
# given to it (docker-compose.yml does that in its data-init service).
RUN groupadd --system --gid 10001 foodcount \
    && useradd --system --uid 10001 --gid 10001 --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin foodcount \
    && mkdir -p /app/data \
    && chown -R foodcount:foodcount /app

COPY --from=build /staging/consumer /staging/datafeed /staging/api /staging/foodcount /usr/local/bin/
COPY --from=build /staging/swift-backtrace-static /usr/local/libexec/swift/swift-backtrace-static

# Print a symbolicated backtrace of every thread if a program crashes.
ENV SWIFT_BACKTRACE=enable=yes,sanitize=yes,threads=all,images=all,interactive=no,swift-backtrace=/usr/local/libexec/swift/swift-backtrace-static

# The relative default DATABASE_PATH, data/foodcount.db, is /app/data/foodcount.db here.
WORKDIR /app
USER 10001:10001

# api's default PORT, and the consumer's METRICS_PORT (/metrics, /livez, /readyz).
EXPOSE 8080 8081

# The default command is the consumer, so the image's health check asks it: `consumer probe` sends
# GET /readyz to 127.0.0.1 on METRICS_PORT (8081) and exits 0 on 2xx, 1 otherwise (no curl or wget in this
# image; docs/deployment.md, "Health checks"). Run as the api, override it (`--health-cmd "api probe"`, or
# compose's `healthcheck:`); docker-compose.yml does, and disables it for the datafeed and one-shot services.
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 CMD ["consumer", "probe"]

# No ENTRYPOINT: the command names the executable (consumer, datafeed or api) and its flags.
CMD ["consumer"]

# What librdkafka FoodCount builds (scripts/build-librdkafka). Source it.

# The version built.
librdkafka_version() { echo "2.8.0"; }

# The configure flags of that build: TLS and SASL (PLAIN, SCRAM) in, GSSAPI (Kerberos) and curl out.
librdkafka_configure_flags() { echo "--disable-gssapi --disable-curl"; }

# The programs a build installs beside the library, in PREFIX/bin.
librdkafka_programs() { echo "rdkafka_performance"; }

# What identifies a build: the version, the flags, the programs and the patches. A build recorded with another
# id is outdated.
librdkafka_build_id() {
  local here
  here="$(dirname "${BASH_SOURCE[0]}")"
  { librdkafka_version; librdkafka_configure_flags; librdkafka_programs; cat "$here"/../patches/librdkafka-*.patch 2>/dev/null; } \
    | sha256sum | cut -d' ' -f1
}

#!/bin/sh
# Makes PostgreSQL server binaries available to the tests, which start their own throwaway server
# (tests/ProfileGrid.Testing.Postgres). Idempotent. Installs, but never starts, a server.
#
#   .ci/install-postgres.sh          # as root, or as a user with sudo
#
# Debian/Ubuntu: installs the distribution's `postgresql` package when no
# /usr/lib/postgresql/*/bin/initdb exists, and makes sure the `postgres` OS user exists (the tests
# run the server as that user when they run as root, since initdb refuses root).
set -eu

if [ "$(id -u)" -eq 0 ]; then
    as_root() { "$@"; }
elif command -v sudo >/dev/null 2>&1; then
    as_root() { sudo "$@"; }
else
    as_root() { echo "install-postgres: this step needs root (or sudo): $*" >&2; exit 1; }
fi

has_server_binaries() {
    for initdb in /usr/lib/postgresql/*/bin/initdb; do
        [ -x "$initdb" ] && return 0
    done
    return 1
}

if has_server_binaries; then
    echo "install-postgres: found $(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)"
else
    if ! command -v apt-get >/dev/null 2>&1; then
        echo "install-postgres: no PostgreSQL under /usr/lib/postgresql and no apt-get to install it." >&2
        echo "install-postgres: install PostgreSQL server binaries, or set PROFILEGRID_TEST_POSTGRES_BIN or PROFILEGRID_TEST_POSTGRES." >&2
        exit 1
    fi

    # Keep the package from creating and starting a cluster of its own: no main cluster, and
    # policy-rc.d answers 101 ("action not allowed") to service starts during the install.
    as_root mkdir -p /etc/postgresql-common
    if [ ! -e /etc/postgresql-common/createcluster.conf ]; then
        echo "create_main_cluster = false" | as_root tee /etc/postgresql-common/createcluster.conf >/dev/null
    fi
    policy=/usr/sbin/policy-rc.d
    saved_policy=""
    if [ -e "$policy" ]; then
        saved_policy=$(mktemp)
        as_root cp -p "$policy" "$saved_policy"
    fi
    restore_policy() {
        if [ -n "$saved_policy" ]; then
            as_root cp -p "$saved_policy" "$policy"
            as_root rm -f "$saved_policy"
        else
            as_root rm -f "$policy"
        fi
    }
    trap restore_policy EXIT
    printf '#!/bin/sh\nexit 101\n' | as_root tee "$policy" >/dev/null
    as_root chmod 755 "$policy"

    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends postgresql

    restore_policy
    trap - EXIT

    if ! has_server_binaries; then
        echo "install-postgres: the postgresql package did not provide /usr/lib/postgresql/*/bin/initdb." >&2
        exit 1
    fi
    echo "install-postgres: installed $(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)"
fi

if ! id -u postgres >/dev/null 2>&1; then
    as_root useradd --system --user-group --home-dir /var/lib/postgresql --shell /bin/sh postgres
    echo "install-postgres: created the postgres OS user"
fi

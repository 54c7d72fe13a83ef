# A throw-away PostgreSQL for the suites that need one, sourced after lib.sh: a real server from
# Debian's `postgresql` package, made with initdb and run with pg_ctl in the suite's directory, as
# an unprivileged user (PostgreSQL refuses to run as root), on a free loopback port, reachable
# only over TLS with a certificate of a test CA made here with openssl, and stopped when the suite
# ends. Under CI=true a missing binary fails the suite (lib.sh `require`); elsewhere it skips.
#
#   pg_start          starts the cluster; then these are set:
#     PG_BINDIR       the server's binaries (PG_BINDIR may be given to choose a version)
#     PG_DATA         the data directory
#     PG_PORT         its loopback port
#     PG_CA           the test CA's certificate, for sslrootcert
#     PG_SUPERUSER    a superuser that logs in with a password (in $HOME/.pgpass, mode 0600)
#     PG_URL          postgresql://PG_SUPERUSER@localhost:PG_PORT/postgres?sslmode=verify-full&...
#   pg_stop           stops it (run at exit too)
#   pg_psql ARGS...   psql as PG_SUPERUSER over TLS, verify-full, no ~/.psqlrc

if [ -z "${PG_BINDIR:-}" ]; then
  PG_BINDIR=$(find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -name bin -type d 2>/dev/null | sort -V | tail -n 1)
fi
PATH="${PG_BINDIR:+$PG_BINDIR:}$PATH"
require initdb
require pg_ctl
require psql
require openssl

PG_DIR="$SUITE_DIR/pg"
PG_DATA="$PG_DIR/data"
PG_SUPERUSER=velocity_admin
PG_RUNNING=0

# Runs a command as the user that owns the cluster: the current one, or (as root) `postgres`,
# Debian's account for the server, else nobody.
pg_as_owner() {
  if [ "$(id -u)" -ne 0 ]; then
    "$@"
  else
    setpriv --reuid="$PG_OWNER" --regid="$(id -g "$PG_OWNER")" --clear-groups -- "$@"
  fi
}

# The test CA and a server certificate it signs for localhost and 127.0.0.1.
pg_make_certificates() {
  local tls="$PG_DIR/tls"
  mkdir -p "$tls"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
    -subj "/CN=velocity test CA" -keyout "$tls/ca.key" -out "$tls/ca.crt" 2>"$tls/openssl.err" &&
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=localhost" \
      -keyout "$tls/server.key" -out "$tls/server.csr" 2>>"$tls/openssl.err" &&
    printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' >"$tls/ext.cnf" &&
    openssl x509 -req -in "$tls/server.csr" -CA "$tls/ca.crt" -CAkey "$tls/ca.key" \
      -CAcreateserial -days 2 -extfile "$tls/ext.cnf" -out "$tls/server.crt" 2>>"$tls/openssl.err" ||
    {
      fail "cannot make the test certificates: $(cat "$tls/openssl.err")"
      return 1
    }
  PG_CA="$tls/ca.crt"
}

pg_start() {
  if [ "$(id -u)" -eq 0 ]; then
    require setpriv
    PG_OWNER=postgres
    id "$PG_OWNER" >/dev/null 2>&1 || PG_OWNER=nobody
    # The owner walks through the suite's directory to its own, and reads nothing else there.
    chmod 711 "$SUITE_DIR"
  else
    PG_OWNER=$(id -un)
  fi
  mkdir -p "$PG_DIR"
  pg_make_certificates || return 1
  local password
  password=$(openssl rand -hex 24)
  printf '%s\n' "$password" >"$PG_DIR/pwfile"
  chmod 600 "$PG_DIR/tls/server.key" "$PG_DIR/pwfile"
  [ "$(id -u)" -eq 0 ] && chown -R "$PG_OWNER" "$PG_DIR"
  chmod 700 "$PG_DIR"
  if ! pg_as_owner initdb --pgdata="$PG_DATA" --username="$PG_SUPERUSER" --pwfile="$PG_DIR/pwfile" \
    --auth-host=scram-sha-256 --auth-local=reject --encoding=UTF8 --locale=C.UTF-8 \
    >"$PG_DIR/initdb.log" 2>&1; then
    fail "initdb failed: $(cat "$PG_DIR/initdb.log")"
    return 1
  fi
  rm -f "$PG_DIR/pwfile"
  # TLS only: no pg_hba.conf line takes a connection without it.
  printf 'hostssl all all 127.0.0.1/32 scram-sha-256\nhostssl all all ::1/128 scram-sha-256\n' \
    >"$PG_DATA/pg_hba.conf"
  PG_PORT=$(free_port)
  cat >>"$PG_DATA/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$PG_DIR'
ssl = on
ssl_cert_file = '$PG_DIR/tls/server.crt'
ssl_key_file = '$PG_DIR/tls/server.key'
ssl_min_protocol_version = 'TLSv1.2'
fsync = off
EOF
  if ! pg_as_owner pg_ctl --pgdata="$PG_DATA" --log="$PG_DIR/server.log" --wait --timeout=60 \
    start >"$PG_DIR/pg_ctl.log" 2>&1; then
    fail "the PostgreSQL server did not start: $(cat "$PG_DIR/pg_ctl.log" "$PG_DIR/server.log" 2>/dev/null)"
    return 1
  fi
  PG_RUNNING=1
  trap 'pg_stop; suite_cleanup' EXIT
  printf 'localhost:%s:*:%s:%s\n127.0.0.1:%s:*:%s:%s\n' "$PG_PORT" "$PG_SUPERUSER" "$password" \
    "$PG_PORT" "$PG_SUPERUSER" "$password" >"$HOME/.pgpass"
  chmod 600 "$HOME/.pgpass"
  PG_URL="postgresql://$PG_SUPERUSER@localhost:$PG_PORT/postgres?sslmode=verify-full&sslrootcert=$PG_CA"
  export PG_BINDIR PG_DATA PG_PORT PG_CA PG_SUPERUSER PG_URL
}

pg_stop() {
  if [ "$PG_RUNNING" -eq 1 ]; then
    pg_as_owner pg_ctl --pgdata="$PG_DATA" --mode=fast --wait stop >>"$PG_DIR/pg_ctl.log" 2>&1
    PG_RUNNING=0
  fi
}

pg_psql() {
  PSQLRC=/dev/null psql --no-psqlrc --quiet --no-align --tuples-only "$PG_URL" "$@"
}

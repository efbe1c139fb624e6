# Shared steps of scripts/up, scripts/test and .ci/run: install what is missing, start what is not running.
# Every step checks first, so running them again changes nothing.

say() { printf '[rxgate] %s\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    say "need root for: $*"; return 1; fi
}

APT_UPDATED=""
apt_install() {
  if [ -z "$APT_UPDATED" ]; then as_root apt-get update -qq >&2; APT_UPDATED=1; fi
  say "installing $* from Debian's packages"
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "$@" >&2
}

ensure_node_modules() {
  # npm ci when node_modules is missing or older than the lock file.
  if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    say "installing node packages (npm ci)"
    npm ci --no-audit --no-fund >&2
  fi
}

ensure_nats_server_binary() {
  command -v nats-server >/dev/null || [ -x /usr/sbin/nats-server ] || apt_install nats-server
  # Debian puts it in /usr/sbin, which is not on every user's PATH.
  command -v nats-server >/dev/null || export PATH="$PATH:/usr/sbin"
}

port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

wait_for_port() {
  for _ in $(seq 1 100); do port_open "$1" "$2" && return 0; sleep 0.1; done
  say "nothing answers on $1:$2"; return 1
}

ensure_nats_running() {
  port_open 127.0.0.1 4222 && return 0
  ensure_nats_server_binary
  say "starting nats-server with JetStream on 127.0.0.1:4222"
  as_root mkdir -p /var/lib/nats-server
  as_root start-stop-daemon --start --oknodo --background --exec "$(command -v nats-server)" -- \
    -a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server -l /var/log/nats-server.log
  wait_for_port 127.0.0.1 4222
}

ensure_postgres_running() {
  if ! command -v pg_ctlcluster >/dev/null; then apt_install postgresql postgresql-client; fi
  if ! pg_isready -q -h 127.0.0.1 -p 5432; then
    local version
    version=$(ls /etc/postgresql | sort -V | tail -n 1)
    say "starting PostgreSQL $version on 127.0.0.1:5432"
    as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start
    for _ in $(seq 1 100); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 0.1; done
  fi
  if ! psql -h 127.0.0.1 -U postgres -d postgres -tAc 'select 1' >/dev/null 2>&1; then
    # A fresh Debian cluster asks for passwords on TCP; the test cluster trusts loopback.
    local hba
    hba=$(as_root su postgres -c "psql -tAc 'show hba_file'")
    say "allowing trust authentication on loopback in $hba (test machines only)"
    as_root sed -i -e '1i host all all 127.0.0.1/32 trust' -e '1i host all all ::1/128 trust' "$hba"
    as_root su postgres -c "psql -tAc 'select pg_reload_conf()'" >/dev/null
  fi
  if ! psql -h 127.0.0.1 -U postgres -d postgres -tAc "select 1 from pg_database where datname='test'" | grep -q 1; then
    psql -h 127.0.0.1 -U postgres -d postgres -qc 'create database test' >&2
  fi
}

ensure_openssl() {
  # The MLLP TLS and mutual-TLS tests make their certificates with openssl.
  command -v openssl >/dev/null || apt_install openssl
}

ensure_python_hl7() {
  # python3-hl7's mllp_send: an independent, non-JavaScript MLLP sender for the HL7 interoperability test.
  [ -x /usr/bin/mllp_send ] || apt_install python3-hl7
}

ensure_tshark() {
  # Wireshark's HL7 dissector reads the MLLP traffic of adapters/hl7v2/wire.int.test.ts: an independent decoder.
  [ -x /usr/bin/tshark ] || apt_install tshark
}

ensure_java() {
  # The MLLP TLS tests run a peer on Java's own TLS stack (adapters/hl7v2/mllp/testkit/JsseMllpPeer.java), from
  # source: that needs the JDK's compiler, not only a runtime.
  command -v javac >/dev/null || apt_install default-jdk-headless
}

ensure_chromium() {
  # The web UI's browser test (gateway/ui/ui.int.test.ts) drives Debian's chromium through playwright-core;
  # playwright's own browser download cannot run here.
  [ -x /usr/bin/chromium ] || apt_install chromium
}

#!/usr/bin/env bash
# Starts a throwaway Icecast server on a loopback port, for trying icecastsink.
#
# The configuration, the log directory and (with --tls) a self-signed
# certificate are generated in a temporary directory.  The server runs in the
# foreground until Ctrl-C (or SIGTERM); then it is stopped and the directory
# is removed.  Needs the Debian package icecast2 (and openssl for --tls).
set -euo pipefail

usage() {
  cat <<USAGE
Usage: $0 [options]

  -p, --port PORT          port for plain HTTP (default: 8000, or the next
                           free port above it)
      --tls                also listen with TLS on the next free port, with a
                           self-signed certificate for localhost and 127.0.0.1
      --source-password PW password of the user "source" (default: hackme)
      --admin-password PW  password of the user "admin" (default: adminpw)
  -h, --help               this text

The server binds 127.0.0.1 only.  Its log goes to this terminal.
USAGE
}

port=
tls=no
source_password=hackme
admin_password=adminpw

while [ $# -gt 0 ]; do
  case "$1" in
    -p|--port) port=${2:?--port needs a value}; shift 2 ;;
    --tls) tls=yes; shift ;;
    --source-password) source_password=${2:?--source-password needs a value}; shift 2 ;;
    --admin-password) admin_password=${2:?--admin-password needs a value}; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "$0: unknown option $1" >&2; usage >&2; exit 2 ;;
  esac
done

icecast=$(command -v icecast2 || true)
if [ -z "$icecast" ]; then
  echo "icecast2 is not installed: apt-get install icecast2" >&2
  exit 1
fi
if [ "$tls" = yes ] && ! command -v openssl >/dev/null; then
  echo "--tls needs openssl: apt-get install openssl" >&2
  exit 1
fi

# A port is taken when something accepts a connection on it.
port_in_use() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

next_free_port() {
  local p=$1
  while port_in_use "$p"; do
    p=$((p + 1))
    if [ "$p" -gt 65535 ]; then
      echo "no free port above $1" >&2
      exit 1
    fi
  done
  echo "$p"
}

if [ -n "$port" ]; then
  if port_in_use "$port"; then
    echo "port $port is already in use" >&2
    exit 1
  fi
else
  port=$(next_free_port 8000)
fi
tls_port=
if [ "$tls" = yes ]; then
  tls_port=$(next_free_port $((port + 1)))
fi

# Values go into XML.
xml_escape() {
  local s=$1
  s=${s//&/&amp;}
  s=${s//</&lt;}
  s=${s//>/&gt;}
  printf '%s' "$s"
}

# As root the server runs as nobody, who must be able to reach the
# directory: a private $TMPDIR would not do.
if [ "$(id -u)" -eq 0 ]; then
  dir=$(mktemp -d /tmp/icecast-local.XXXXXX)
else
  dir=$(mktemp -d "${TMPDIR:-/tmp}/icecast-local.XXXXXX")
fi
pid=

cleanup() {
  trap - EXIT INT TERM
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 50); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
  rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# The server may run as nobody: everything it reads must be readable by all.
chmod 755 "$dir"

ssl_xml=
tls_socket_xml=
if [ "$tls" = yes ]; then
  openssl req -x509 -newkey rsa:2048 -nodes -days 7 -subj /CN=localhost \
    -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
    -keyout "$dir/key.pem" -out "$dir/cert.pem" 2>/dev/null
  cat "$dir/cert.pem" "$dir/key.pem" > "$dir/icecast.pem"
  rm -f "$dir/key.pem"
  chmod 644 "$dir/cert.pem" "$dir/icecast.pem"
  ssl_xml="    <ssl-certificate>$dir/icecast.pem</ssl-certificate>"
  tls_socket_xml="  <listen-socket>
    <port>$tls_port</port>
    <bind-address>127.0.0.1</bind-address>
    <ssl>1</ssl>
  </listen-socket>"
fi

cat > "$dir/icecast.xml" <<XML
<icecast>
  <location>local test server</location>
  <admin>nobody@localhost</admin>
  <hostname>127.0.0.1</hostname>
  <limits>
    <clients>100</clients>
    <sources>10</sources>
  </limits>
  <authentication>
    <source-password>$(xml_escape "$source_password")</source-password>
    <admin-user>admin</admin-user>
    <admin-password>$(xml_escape "$admin_password")</admin-password>
  </authentication>
  <listen-socket>
    <port>$port</port>
    <bind-address>127.0.0.1</bind-address>
  </listen-socket>
$tls_socket_xml
  <!-- Titles on this mount stay UTF-8; on the others Icecast converts them
       to Latin-1. -->
  <mount type="normal">
    <mount-name>/utf8.mp3</mount-name>
    <charset>UTF-8</charset>
  </mount>
  <paths>
    <logdir>$dir</logdir>
    <webroot>/usr/share/icecast2/web</webroot>
    <adminroot>/usr/share/icecast2/admin</adminroot>
$ssl_xml
  </paths>
  <logging>
    <accesslog>-</accesslog>
    <errorlog>-</errorlog>
    <loglevel>3</loglevel>
  </logging>
</icecast>
XML
chmod 644 "$dir/icecast.xml"

# icecast2 refuses to run as root.
run_as=()
if [ "$(id -u)" -eq 0 ]; then
  run_as=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
fi
(cd "$dir" && exec "${run_as[@]}" "$icecast" -c "$dir/icecast.xml") &
pid=$!

status_page_answers() {
  (
    exec 3<>"/dev/tcp/127.0.0.1/$port" || exit 1
    printf 'GET /status-json.xsl HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' >&3
    IFS= read -r -t 2 line <&3 || exit 1
    [[ $line == HTTP/1.?" 200 "* ]]
  ) 2>/dev/null
}

for _ in $(seq 150); do
  if ! kill -0 "$pid" 2>/dev/null; then
    wait "$pid" || true
    pid=
    echo "icecast2 exited during start-up (see its messages above)" >&2
    exit 1
  fi
  status_page_answers && break
  sleep 0.1
done
if ! status_page_answers; then
  echo "icecast2 did not answer on 127.0.0.1:$port within 15 s" >&2
  exit 1
fi

cat <<INFO

icecast2 is running on 127.0.0.1:$port (pid $pid, files in $dir)
  source user / password: source / $source_password
  admin user / password:  admin / $admin_password
  status:                 http://127.0.0.1:$port/status-json.xsl
  mount with UTF-8 titles: /utf8.mp3
INFO
if [ "$tls" = yes ]; then
  cat <<INFO
  TLS:                    127.0.0.1:$tls_port, self-signed certificate $dir/cert.pem
INFO
fi
cat <<INFO

Stream to it:
  gst-launch-1.0 audiotestsrc is-live=true ! audioconvert ! lamemp3enc ! mpegaudioparse ! \\
      icecastsink location=icecast://source:$source_password@127.0.0.1:$port/live.mp3
Listen:
  gst-play-1.0 http://127.0.0.1:$port/live.mp3

Ctrl-C stops the server and removes $dir.

INFO

status=0
wait "$pid" || status=$?
pid=
echo "icecast2 ended with status $status" >&2
exit 1

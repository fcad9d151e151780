#!/usr/bin/env bash
# A throwaway SFTP store for tests: OpenSSH's sshd on 127.0.0.1 (a free
# high port), Ed25519 keys made here, public-key login only, for the user
# who runs this script (root in CI), SFTP served by internal-sftp.
# Everything lives in DIR; nothing is installed, and nothing is left
# running after "stop".
#
#   sshd-server.sh start DIR   prints shell-sourceable SFTP_* lines (also
#                              written to DIR/env); exit 0 once a real
#                              curl SFTP login has worked
#   sshd-server.sh stop DIR    stops the sshd started from DIR (and the
#                              session processes it forked); safe to run
#                              twice, or after a failed start
#
# DIR gets: host_ed25519_key(.pub), client_ed25519(.pub), authorized_keys,
# sshd_config, root/ (the SFTP data directory, empty), sshd.log, sshd.pid,
# env.
#
# Why it looks like this (see docs/object-stores.md, "SFTP / SCP"):
# - Ed25519 keys only: libssh2 1.10 signs RSA only with SHA-1 "ssh-rsa",
#   which OpenSSH 9.2 refuses.
# - As root, sshd needs /run/sshd (privilege separation) and, with
#   UsePAM no, refuses accounts whose shadow password starts with '!'.
#   If root is locked that way (and has no real password hash behind the
#   '!'), its password field is set to '*' (still no password login),
#   with a note on stderr.
# - StrictModes no, because DIR is typically under /tmp.
# - Started under setsid, so that a `timeout` or Ctrl-C around the caller
#   does not take the server down with the caller's process group.
set -eu

SSHD=/usr/sbin/sshd
PROG=${0##*/}

usage() {
        echo "usage: $PROG start DIR | stop DIR" >&2
        exit 2
}

[ $# -eq 2 ] || usage
cmd=$1 dir=$2
[ -n "$dir" ] || usage

# Print the command line of process $1 as one line (NULs -> spaces).
proc_cmdline() {
        tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null | sed 's/ $//'
}

# Is $1 the listening sshd started from $dir (guards against pid reuse)?
is_our_sshd() {
        local pid=$1 line
        [ -n "$pid" ] && [ -d "/proc/$pid" ] || return 1
        line=$(proc_cmdline "$pid") || return 1
        # sshd rewrites its title once listening: "sshd: ARGV [listener] ..."
        case $line in
        "$SSHD -D -e -f $dir/sshd_config" | "sshd: $SSHD -D -e -f $dir/sshd_config [listener]"*) return 0 ;;
        esac
        return 1
}

# Is process $1 still running (a zombie awaiting its reaper counts as gone)?
running() {
        local state
        state=$(sed -n 's/^[0-9]* (.*) \([A-Za-z]\).*/\1/p' "/proc/$1/stat" 2>/dev/null) || return 1
        [ -n "$state" ] && [ "$state" != Z ] && [ "$state" != X ]
}

# Print $1 and all its descendants (pids), parents first.
descendants() {
        local pid=$1 child
        echo "$pid"
        for child in $(ps -o pid= --ppid "$pid" 2>/dev/null); do
                descendants "$child"
        done
}

# Stop the sshd from $dir: the pid in sshd.pid, $started_pid (if set) and
# any process whose command line is exactly that of our listener (in case
# the pid file was never written), each only if it really is
# "$SSHD -D -e -f $dir/sshd_config"; plus the session processes under it.
stop_server() {
        local pids="" pid p alive
        for pid in "$(cat "$dir/sshd.pid" 2>/dev/null || true)" "${started_pid:-}" \
                $(grep -lF -- "-f $dir/sshd_config" /proc/[0-9]*/cmdline 2>/dev/null | cut -d/ -f3); do
                is_our_sshd "$pid" || continue
                pids="$pids $(descendants "$pid")"
        done
        # shellcheck disable=SC2086 # word splitting wanted
        pids=$(printf "%s\n" $pids | tr ' ' '\n' | sort -un | tr '\n' ' ')
        if [ -n "${pids// /}" ]; then
                # shellcheck disable=SC2086
                kill -TERM $pids 2>/dev/null || true
                for _ in $(seq 50); do
                        alive=
                        for p in $pids; do
                                running "$p" && alive="$alive $p"
                        done
                        [ -z "$alive" ] && break
                        sleep 0.1
                done
                if [ -n "$alive" ]; then
                        # shellcheck disable=SC2086
                        kill -KILL $alive 2>/dev/null || true
                        for _ in $(seq 20); do
                                alive=
                                for p in $pids; do
                                        running "$p" && alive="$alive $p"
                                done
                                [ -z "$alive" ] && break
                                sleep 0.1
                        done
                fi
                if [ -n "$alive" ]; then
                        echo "$PROG: processes still alive after SIGKILL:$alive" >&2
                        return 1
                fi
        fi
        rm -f "$dir/sshd.pid"
        return 0
}

# A port on 127.0.0.1 that nothing listens on right now. sshd may still
# lose a race for it; start retries with another port then.
pick_port() {
        local port used
        used=$(ss -Htln 2>/dev/null | awk '{print $4}' | sed 's/.*://' | tr '\n' ' ' || true)
        for _ in $(seq 100); do
                port=$((20000 + RANDOM % 40000))
                case " $used " in *" $port "*) continue ;; esac
                if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then continue; fi
                echo "$port"
                return 0
        done
        return 1
}

# Percent-encode a path for a URL (keeps / and unreserved characters).
urlpath() {
        local s=$1 out="" c i
        for ((i = 0; i < ${#s}; i++)); do
                c=${s:i:1}
                case $c in
                [A-Za-z0-9/._~-]) out+=$c ;;
                *) out+=$(printf '%%%02X' "'$c") ;;
                esac
        done
        printf '%s' "$out"
}

# Does the SSH banner come back from 127.0.0.1:$1?
port_answers() {
        local banner
        # shellcheck disable=SC2016 # $1 is for the inner bash
        banner=$(timeout 2 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1" && head -c 4 <&3' _ "$1" 2>/dev/null) || return 1
        [ "$banner" = "SSH-" ]
}

on_start_exit() {
        local rc=$?
        trap - EXIT
        [ $rc -eq 0 ] || start_failed "unexpected error (exit $rc)"
}

start_failed() {
        trap - EXIT
        echo "$PROG: start failed: $*" >&2
        if [ -s "$dir/sshd.log" ]; then
                echo "$PROG: last lines of $dir/sshd.log:" >&2
                tail -n 25 "$dir/sshd.log" | tr -d '\r' | sed 's/^/    /' >&2
        fi
        stop_server || true
        exit 1
}

case $cmd in
start)
        umask 022
        mkdir -p "$dir"
        dir=$(cd "$dir" && pwd -P)
        case $dir in
        *[[:space:]\"%]*) echo "$PROG: DIR must not contain whitespace, '\"' or '%': $dir" >&2; exit 2 ;;
        esac
        [ -x "$SSHD" ] || { echo "$PROG: $SSHD not found (apt-get install openssh-server)" >&2; exit 1; }
        for tool in ssh-keygen curl openssl base64; do
                command -v "$tool" >/dev/null || { echo "$PROG: $tool not found" >&2; exit 1; }
        done
        if is_our_sshd "$(cat "$dir/sshd.pid" 2>/dev/null || true)"; then
                echo "$PROG: an sshd from $dir is already running (pid $(cat "$dir/sshd.pid")); stop it first" >&2
                exit 1
        fi
        if [ -d "$dir/root" ] && [ -n "$(ls -A "$dir/root")" ]; then
                echo "$PROG: $dir/root is not empty; use a fresh DIR" >&2
                exit 1
        fi
        mkdir -p "$dir/root"
        chmod 755 "$dir/root"
        user=$(id -un)
        uid=$(id -u)
        started_pid=

        # From here on, any unexpected failure stops what was started.
        trap on_start_exit EXIT

        if [ "$uid" -eq 0 ]; then
                getent passwd sshd >/dev/null ||
                        start_failed "privilege separation user 'sshd' does not exist (reinstall openssh-server)"
                mkdir -p /run/sshd
                chmod 755 /run/sshd
                # With UsePAM no, sshd refuses an account whose password
                # field starts with '!' ("User root not allowed because
                # account is locked"). '*' means the same for passwords.
                pwfield=$(getent shadow "$user" | cut -d: -f2)
                case $pwfield in
                '!'*)
                        rest=${pwfield##'!'}
                        while [ "${rest#'!'}" != "$rest" ]; do rest=${rest#'!'}; done
                        case $rest in
                        '$'*) start_failed "account $user is locked ('!' before a real password hash); sshd with UsePAM no refuses it. Not touching it: unlock it yourself (usermod -U $user) or use a container whose $user password field is '*'" ;;
                        esac
                        echo "$PROG: note: account $user is locked ('$pwfield'), which sshd with UsePAM no refuses; setting its password field to '*' (still no password login): usermod -p '*' $user" >&2
                        usermod -p '*' "$user" || start_failed "usermod -p '*' $user failed"
                        ;;
                esac
        fi

        rm -f "$dir/host_ed25519_key" "$dir/host_ed25519_key.pub" \
                "$dir/client_ed25519" "$dir/client_ed25519.pub" \
                "$dir/authorized_keys" "$dir/sshd_config" "$dir/sshd.log" \
                "$dir/sshd.pid" "$dir/env"
        ssh-keygen -q -t ed25519 -N '' -C vmcored-test-host -f "$dir/host_ed25519_key" </dev/null
        ssh-keygen -q -t ed25519 -N '' -C vmcored-test-client -f "$dir/client_ed25519" </dev/null
        cp "$dir/client_ed25519.pub" "$dir/authorized_keys"
        chmod 600 "$dir/authorized_keys"
        : >"$dir/sshd.log"

        # The host key pin, twice: as ssh-keygen prints it, and computed
        # here the way libcurl does (base64 of SHA-256 of the key blob,
        # '=' padding removed).
        fingerprint=$(ssh-keygen -l -E sha256 -f "$dir/host_ed25519_key.pub" | awk '{print $2}')
        hostsha=$(awk '{print $2}' "$dir/host_ed25519_key.pub" | base64 -d |
                openssl dgst -sha256 -binary | base64 | tr -d '=\n')
        [ "$fingerprint" = "SHA256:$hostsha" ] ||
                start_failed "host key fingerprints disagree: ssh-keygen '$fingerprint', computed '$hostsha'"

        t0=$(date +%s%N)
        port=
        for attempt in 1 2 3 4 5; do
                port=$(pick_port) || start_failed "no free port found on 127.0.0.1"
                {
                        echo "# written by $PROG; test server only"
                        echo "ListenAddress 127.0.0.1:$port"
                        echo "HostKey $dir/host_ed25519_key"
                        echo "PidFile $dir/sshd.pid"
                        echo "AuthorizedKeysFile $dir/authorized_keys"
                        echo "PubkeyAuthentication yes"
                        echo "PasswordAuthentication no"
                        echo "KbdInteractiveAuthentication no"
                        echo "HostbasedAuthentication no"
                        echo "UsePAM no"
                        echo "StrictModes no"
                        [ "$uid" -eq 0 ] && echo "PermitRootLogin prohibit-password"
                        echo "AllowUsers $user"
                        echo "UseDNS no"
                        echo "PrintMotd no"
                        echo "DisableForwarding yes"
                        echo "PermitTTY no"
                        echo "LogLevel VERBOSE"
                        echo "Subsystem sftp internal-sftp"
                } >"$dir/sshd_config"
                "$SSHD" -t -f "$dir/sshd_config" >>"$dir/sshd.log" 2>&1 ||
                        start_failed "sshd -t rejected $dir/sshd_config"
                echo "=== $PROG: starting sshd on 127.0.0.1:$port (attempt $attempt) ===" >>"$dir/sshd.log"
                # No job control here, so the background job keeps our
                # process group; setsid gives sshd its own session.
                setsid "$SSHD" -D -e -f "$dir/sshd_config" </dev/null >>"$dir/sshd.log" 2>&1 &
                started_pid=$!
                ready=
                for _ in $(seq 100); do # ~10 s
                        if ! kill -0 "$started_pid" 2>/dev/null; then
                                break
                        fi
                        # The log line, not just the port: another server may
                        # have taken the port between pick_port and our bind.
                        # (sshd -e ends its log lines with CRLF.)
                        if grep -qF "Server listening on 127.0.0.1 port $port." "$dir/sshd.log" &&
                                port_answers "$port"; then
                                ready=1
                                break
                        fi
                        sleep 0.1
                done
                [ -n "$ready" ] && break
                if kill -0 "$started_pid" 2>/dev/null; then
                        start_failed "sshd (pid $started_pid) did not answer on 127.0.0.1:$port within 10 s"
                fi
                wait "$started_pid" 2>/dev/null || true
                started_pid=
                if tail -n 5 "$dir/sshd.log" | grep -qE 'Address already in use|Cannot bind any address'; then
                        continue # lost a race for the port: try another
                fi
                start_failed "sshd exited at once"
        done
        [ -n "$ready" ] || start_failed "could not bind a port after 5 attempts"
        # sshd writes the pid file after binding; normally it is there now.
        for _ in $(seq 20); do
                [ -s "$dir/sshd.pid" ] && break
                sleep 0.05
        done
        [ -s "$dir/sshd.pid" ] || echo "$started_pid" >"$dir/sshd.pid"
        [ "$(cat "$dir/sshd.pid")" = "$started_pid" ] ||
                start_failed "$dir/sshd.pid says $(cat "$dir/sshd.pid"), but the started sshd is $started_pid"

        # A real login: upload a probe file with curl (pinned host key,
        # the client key), check it arrived, delete it again.
        probe=$dir/probe.$$
        echo "sshd-server.sh probe $(date +%s)" >"$probe"
        url="sftp://127.0.0.1:$port$(urlpath "$dir/root/probe")"
        curl_err=$(curl -sS --fail --connect-timeout 5 --max-time 20 \
                -u "$user:" --key "$dir/client_ed25519" --pubkey "$dir/client_ed25519.pub" \
                --hostpubsha256 "$hostsha" -T "$probe" "$url" 2>&1) ||
                start_failed "probe upload with curl failed: $curl_err"
        cmp -s "$probe" "$dir/root/probe" ||
                start_failed "probe upload did not arrive as $dir/root/probe"
        curl_err=$(curl -sS --fail --connect-timeout 5 --max-time 20 -o /dev/null \
                -u "$user:" --key "$dir/client_ed25519" --pubkey "$dir/client_ed25519.pub" \
                --hostpubsha256 "$hostsha" -Q "rm \"$dir/root/probe\"" \
                "sftp://127.0.0.1:$port$(urlpath "$dir/root")/" 2>&1) ||
                start_failed "probe delete with curl failed: $curl_err"
        [ ! -e "$dir/root/probe" ] || start_failed "probe file was not deleted"
        rm -f "$probe"
        t1=$(date +%s%N)

        {
                echo "SFTP_HOST=127.0.0.1"
                echo "SFTP_PORT=$port"
                printf 'SFTP_USER=%q\n' "$user"
                printf 'SFTP_ROOT=%q\n' "$dir/root"
                printf 'SFTP_KEY=%q\n' "$dir/client_ed25519"
                echo "SFTP_HOST_KEY_SHA256=$hostsha"
                echo "SFTP_HOST_KEY_FINGERPRINT=$fingerprint"
        } >"$dir/env"
        chmod 644 "$dir/env"
        cat "$dir/env"
        echo "=== $PROG: ready in $(((t1 - t0) / 1000000)) ms (pid $started_pid) ===" >>"$dir/sshd.log"
        trap - EXIT
        ;;
stop)
        [ -d "$dir" ] || exit 0
        dir=$(cd "$dir" && pwd -P)
        started_pid=
        stop_server
        ;;
*)
        usage
        ;;
esac

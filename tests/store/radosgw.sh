#!/usr/bin/env bash
# A throwaway S3 store for tests: a single-node Ceph cluster (one mon, one
# memstore OSD, no mgr) with radosgw on 127.0.0.1, plus one rgw user and one
# bucket. Everything (conf, keys, mon data, logs, pid files) lives in DIR;
# nothing under /etc/ceph, /var/lib/ceph or /var/run/ceph is used.
#   radosgw.sh start DIR   prints S3_* lines (also written to DIR/env):
#                          S3_ENDPOINT (http), S3_TLS_ENDPOINT (https, with a
#                          certificate from a CA of its own, S3_CA_FILE)
#   radosgw.sh stop DIR    stops the daemons of DIR; safe to repeat
#   radosgw.sh rgw-stop DIR / rgw-start DIR
#                          stops / starts radosgw alone (the store goes away
#                          and comes back on the same port, its data kept)
# Needs root and the Debian packages ceph-mon ceph-osd radosgw ceph-common.
set -euo pipefail

readonly BUCKET=vmcored-test
readonly REGION=us-east-1       # rgw takes the region from the signature's scope
readonly START_BUDGET=60        # seconds for the whole start, daemons included
readonly STOP_BUDGET=10         # seconds to wait for each daemon to exit
readonly DAEMONS="mon.a osd.0 client.rgw.a"

usage() {
        echo "usage: $0 start|stop|rgw-stop|rgw-start DIR" >&2
        exit 2
}

log() {
        echo "radosgw.sh: $*" >&2
}

# pid of a daemon of this DIR, from the pid file the daemon itself writes;
# the command line must name our conf, so a recycled pid is never killed.
daemon_pid() {
        local pid
        pid=$(cat "$dir/run/$1.pid" 2>/dev/null) || return 1
        [[ $pid =~ ^[0-9]+$ ]] || return 1
        tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$dir/ceph.conf" || return 1
        echo "$pid"
}

running_daemons() {
        local name
        for name in $DAEMONS; do
                daemon_pid "$name" >/dev/null && echo "$name"
        done
        return 0
}

# A zombie counts as gone: in a container nobody may reap it.
alive() {
        local state
        state=$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null) && [[ $state != Z ]]
}

# TERM one daemon and wait for it to exit; KILL it after STOP_BUDGET.
stop_daemon() {
        local name=$1 pid deadline
        if pid=$(daemon_pid "$name"); then
                kill -TERM "$pid" 2>/dev/null || true
                deadline=$((SECONDS + STOP_BUDGET))
                while alive "$pid"; do
                        if ((SECONDS >= deadline)); then
                                log "$name (pid $pid) did not exit after SIGTERM, killing it"
                                kill -KILL "$pid" 2>/dev/null || true
                                sleep 0.2
                                break
                        fi
                        sleep 0.1
                done
        fi
        # a killed daemon leaves its pid file behind
        rm -f "$dir/run/$name.pid"
}

# One at a time, clients first: radosgw hangs in its shutdown when the OSD
# is gone, and a stopping OSD waits 5 s for the mon's acknowledgement.
stop_cluster() {
        stop_daemon client.rgw.a
        stop_daemon osd.0
        stop_daemon mon.a
}

# The EXIT trap of start: a start that fails part-way stops what it began.
stop_if_failed() {
        local rc=$?
        ((rc == 0)) || stop_cluster
        exit "$rc"
}

# Print why start failed, with the end of the log that explains it, and
# exit; stop_if_failed then stops the daemons.
die() {
        local msg=$1 logfile=${2:-}
        log "start failed: $msg"
        if [[ -n $logfile && -s $logfile ]]; then
                log "last lines of $logfile:"
                tail -n 25 "$logfile" >&2
        fi
        # ceph-mon exits 28 (ENOSPC) when its file system is (nearly) full,
        # even with mon_data_avail_crit = 0: say how much is free.
        log "free space where the cluster lives: $(df -h --output=avail,pcent "$dir" 2>/dev/null | tail -1)"
        exit 1
}

# A port nothing uses on this host, below the kernel's ephemeral range (so
# no outgoing connection takes it meanwhile) and above Ceph's 6800-7300.
# Python would do a bind(0) check, but its start-up costs ~0.5 s here.
free_port() {
        local port used
        used=$(ss -Htan | awk '{ sub(/.*:/, "", $4); print $4 }')
        for _ in {1..100}; do
                port=$((20000 + RANDOM % 10000))
                grep -qx "$port" <<<"$used" || [[ $port == "${1:-}" ]] || { echo "$port"; return; }
        done
        die "no free port found"
}

random_hex() {  # $1 bytes from /dev/urandom, as upper-case hex
        od -An -tx1 -N"$1" /dev/urandom | tr -d ' \n' | tr a-f A-F
}

remaining() {
        local left=$((deadline - SECONDS))
        ((left > 1)) && echo "$left" || echo 1
}

# Run a ceph tool with our conf and admin key, output to the CLI log. Each
# call is bounded so that a cluster that never forms cannot hang the start.
admin() {
        local tool=$1
        shift
        timeout "$(remaining)" "$tool" -c "$dir/ceph.conf" -n client.admin --keyring "$dir/keyring" "$@" \
                >>"$dir/log/cli.log" 2>&1
}

# Signed S3 request; prints the HTTP status (000 when nothing answered).
s3() {
        local method=$1 path=$2
        shift 2
        curl -sS -o /dev/null -w '%{http_code}' --max-time 10 \
                --aws-sigv4 "aws:amz:$REGION:s3" --user "$access_key:$secret_key" \
                -H 'x-amz-content-sha256: UNSIGNED-PAYLOAD' \
                -X "$method" "$@" "$endpoint/$path" 2>>"$dir/log/cli.log" || true
}

write_conf() {
        local fsid=$1
        # msgr2 only (no v1 port); every daemon binds to loopback: without
        # cluster_addr the OSD's cluster and heartbeat ports bind to 0.0.0.0.
        # The OSD picks its own free ports in ms_bind_port_min..max (6800-7300).
        cat >"$dir/ceph.conf" <<CONF
[global]
fsid = $fsid
mon_host = [v2:127.0.0.1:$mon_port]
public_addr = 127.0.0.1
cluster_addr = 127.0.0.1
ms_bind_msgr1 = false
ms_bind_ipv6 = false
auth_cluster_required = cephx
auth_service_required = cephx
auth_client_required = cephx
keyring = $dir/keyring
run_dir = $dir/run
pid_file = $dir/run/\$name.pid
admin_socket = $dir/run/\$name.asok
log_file = $dir/log/\$name.log
mon_cluster_log_file = $dir/log/cluster.log
crash_dir = $dir/crash
# one OSD holds every replica
osd_pool_default_size = 1
osd_pool_default_min_size = 1
osd_pool_default_pg_num = 8
osd_pool_default_pgp_num = 8
osd_pool_default_pg_autoscale_mode = off
osd_crush_chooseleaf_type = 0
mon_allow_pool_size_one = true
mon_allow_pool_delete = true
# with the default 1 s, rgw's first start spends ~9 s creating its pools
paxos_propose_interval = 0.05

[mon]
mon_data = $dir/mon/\$id
# the mon would shut itself down below 5 % free disk on the host
mon_data_avail_crit = 0
mon_data_avail_warn = 0

[osd]
osd_data = $dir/osd/\$id
osd_objectstore = memstore
# memstore keeps objects in the OSD's RAM: test objects must stay small
memstore_device_bytes = ${RGW_MEMSTORE_BYTES:-3221225472}

[client.rgw.a]
rgw_data = $dir/rgw
rgw_frontends = beast endpoint=127.0.0.1:$rgw_port ssl_endpoint=127.0.0.1:$rgw_tls_port ssl_certificate=$dir/tls/server.crt ssl_private_key=$dir/tls/server.key
CONF
}

# All cephx keys in one keyring: ceph-mon --mkfs imports every entity in it,
# so the OSD and rgw need no "ceph auth add" afterwards.
write_keyring() {
        local k=$dir/keyring
        ceph-authtool --create-keyring "$k" --gen-key -n mon. --cap mon 'allow *' >/dev/null
        ceph-authtool "$k" --gen-key -n client.admin \
                --cap mon 'allow *' --cap osd 'allow *' --cap mgr 'allow *' >/dev/null
        ceph-authtool "$k" --gen-key -n osd.0 \
                --cap mon 'allow profile osd' --cap osd 'allow *' --cap mgr 'allow profile osd' >/dev/null
        ceph-authtool "$k" --gen-key -n client.rgw.a \
                --cap mon 'allow rw' --cap osd 'allow rwx' --cap mgr 'allow rw' >/dev/null
        chmod 600 "$k"
}

# The daemons fork into the background themselves and write their pid file;
# wait for it so that stop can find them.
start_daemon() {
        local name=$1
        shift
        "$@" -c "$dir/ceph.conf" >>"$dir/log/$name.out" 2>&1 </dev/null ||
                die "$* exited with status $?" "$dir/log/$name.log"
        until daemon_pid "$name" >/dev/null; do
                ((SECONDS < deadline)) || die "$name wrote no pid file" "$dir/log/$name.log"
                sleep 0.1
        done
}

# radosgw listens only once it has created its pools and default zone.
wait_for_rgw() {
        until [[ $(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$endpoint/" || true) != 000 ]]; do
                daemon_pid client.rgw.a >/dev/null || die "radosgw exited" "$dir/log/client.rgw.a.log"
                ((SECONDS < deadline)) || die "radosgw did not answer on $endpoint" "$dir/log/client.rgw.a.log"
                sleep 0.2
        done
}

create_user_and_bucket() {
        local code
        # retried: a create that timed out may still have happened
        until admin radosgw-admin user create --uid=vmcored-test --display-name="vmcored tests" \
                --access-key="$access_key" --secret-key="$secret_key"; do
                admin radosgw-admin user info --uid=vmcored-test && break
                ((SECONDS < deadline)) || die "radosgw-admin user create failed" "$dir/log/cli.log"
                sleep 0.5
        done
        until code=$(s3 PUT "$BUCKET") && [[ $code == 200 ]]; do
                ((SECONDS < deadline)) || die "creating bucket $BUCKET: HTTP $code" "$dir/log/client.rgw.a.log"
                sleep 0.2
        done
}

# The store is ready when a signed PUT and GET of a tiny object succeed.
probe_put_get() {
        local probe=$dir/probe put get
        echo "radosgw.sh probe $$" >"$probe"
        while :; do
                put=$(s3 PUT "$BUCKET/.radosgw-sh-probe" -T "$probe")
                get=$(curl -sS --max-time 10 --aws-sigv4 "aws:amz:$REGION:s3" \
                        --user "$access_key:$secret_key" -H 'x-amz-content-sha256: UNSIGNED-PAYLOAD' \
                        "$endpoint/$BUCKET/.radosgw-sh-probe" 2>>"$dir/log/cli.log" || true)
                [[ $put == 200 && $get == "$(cat "$probe")" ]] && break
                ((SECONDS < deadline)) || die "probe object: PUT HTTP $put, GET did not match" "$dir/log/client.rgw.a.log"
                sleep 0.2
        done
        # leave the bucket empty for the tests
        s3 DELETE "$BUCKET/.radosgw-sh-probe" >/dev/null
        rm -f "$probe"
}

cmd_start() {
        [[ $(id -u) == 0 ]] || { log "must run as root"; exit 1; }
        local name running
        for name in ceph-authtool monmaptool ceph-mon ceph-osd radosgw radosgw-admin ceph curl ss uuidgen; do
                command -v "$name" >/dev/null || { log "$name is not installed"; exit 1; }
        done
        mkdir -p "$dir"
        dir=$(cd "$dir" && pwd)
        running=$(running_daemons | paste -sd ' ')
        if [[ -n $running ]]; then
                log "a cluster is already running in $dir ($running); run \"$0 stop $dir\" first"
                exit 1
        fi

        # From here on, any failure stops what was started, and so does being
        # interrupted: the daemons are in sessions of their own and would
        # outlive a signal to our process group.
        trap stop_if_failed EXIT
        trap 'exit 130' INT
        trap 'exit 143' TERM HUP
        deadline=$((SECONDS + START_BUDGET))

        # Fresh state each time: memstore data is gone with the OSD anyway.
        rm -rf "$dir/mon" "$dir/osd" "$dir/rgw" "$dir/run" "$dir/crash" "$dir/log" \
                "$dir/ceph.conf" "$dir/keyring" "$dir/monmap" "$dir/env"
        mkdir -p "$dir/mon/a" "$dir/osd/0" "$dir/rgw" "$dir/run" "$dir/crash" "$dir/log"

        mon_port=$(free_port)
        rgw_port=$(free_port "$mon_port")
        rgw_tls_port=$(free_port "$rgw_port")
        [[ $rgw_tls_port != "$mon_port" ]] || rgw_tls_port=$(free_port "$rgw_port")
        endpoint=http://127.0.0.1:$rgw_port
        make_certificate
        access_key=$(random_hex 10)
        secret_key=$(random_hex 20)

        local fsid osd_uuid
        fsid=$(uuidgen)
        osd_uuid=$(uuidgen)
        write_conf "$fsid"
        write_keyring

        monmaptool --create --fsid "$fsid" --addv a "[v2:127.0.0.1:$mon_port]" "$dir/monmap" \
                >>"$dir/log/cli.log" 2>&1 || die "monmaptool failed" "$dir/log/cli.log"
        ceph-mon --mkfs -i a -c "$dir/ceph.conf" --monmap "$dir/monmap" --keyring "$dir/keyring" \
                >>"$dir/log/mon.a.out" 2>&1 || die "ceph-mon --mkfs failed" "$dir/log/mon.a.log"
        start_daemon mon.a ceph-mon -i a

        # Register the OSD (its key is already in the mon) and make its store.
        admin ceph --connect-timeout "$(remaining)" osd new "$osd_uuid" 0 ||
                die "ceph osd new failed (mon not reachable?)" "$dir/log/cli.log"
        ceph-osd --mkfs -i 0 -c "$dir/ceph.conf" --osd-uuid "$osd_uuid" \
                >>"$dir/log/osd.0.out" 2>&1 || die "ceph-osd --mkfs failed" "$dir/log/osd.0.log"
        start_daemon osd.0 ceph-osd -i 0

        start_daemon client.rgw.a radosgw -n client.rgw.a
        wait_for_rgw
        create_user_and_bucket
        probe_put_get

        cat >"$dir/env" <<ENV
S3_ENDPOINT=$endpoint
S3_TLS_ENDPOINT=https://127.0.0.1:$rgw_tls_port
S3_CA_FILE=$dir/tls/ca.crt
S3_ACCESS_KEY=$access_key
S3_SECRET_KEY=$secret_key
S3_REGION=$REGION
S3_BUCKET=$BUCKET
ENV
        cat "$dir/env"
}

# A CA of our own and a certificate for 127.0.0.1 signed by it: the store
# tests check that TLS is verified (trusted with S3_CA_FILE, refused
# without).
make_certificate() {
        mkdir -p "$dir/tls"
        openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=vmcored-test-s3-ca \
                -keyout "$dir/tls/ca.key" -out "$dir/tls/ca.crt" 2>>"$dir/log/cli.log" &&
                openssl req -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 \
                        -keyout "$dir/tls/server.key" -out "$dir/tls/server.csr" 2>>"$dir/log/cli.log" &&
                printf 'subjectAltName=IP:127.0.0.1\n' >"$dir/tls/san.ext" &&
                openssl x509 -req -in "$dir/tls/server.csr" -CA "$dir/tls/ca.crt" -CAkey "$dir/tls/ca.key" \
                        -CAcreateserial -days 2 -extfile "$dir/tls/san.ext" -out "$dir/tls/server.crt" \
                        2>>"$dir/log/cli.log" || die "making the TLS certificate failed" "$dir/log/cli.log"
}

cmd_stop() {
        [[ -d $dir ]] || return 0
        dir=$(cd "$dir" && pwd)
        stop_cluster
}

cmd_rgw_stop() {
        dir=$(cd "$dir" && pwd)
        stop_daemon client.rgw.a
}

cmd_rgw_start() {
        dir=$(cd "$dir" && pwd)
        endpoint=$(sed -n 's/^S3_ENDPOINT=//p' "$dir/env")
        deadline=$((SECONDS + START_BUDGET))
        start_daemon client.rgw.a radosgw -n client.rgw.a
        wait_for_rgw
}

(($# == 2)) || usage
dir=$2
case $1 in
start) cmd_start ;;
stop) cmd_stop ;;
rgw-stop) cmd_rgw_stop ;;
rgw-start) cmd_rgw_start ;;
*) usage ;;
esac

#!/usr/bin/env bash
# What `vmcored top` costs with and without the index, on a file store and on
# S3 (Ceph radosgw on 127.0.0.1), for stores of N synthetic crash records
# (populate.py: 500 fingerprints, 30 days). Prints, per store and size: wall
# time (median of RUNS), peak RSS and requests to the store, for
#   top --no-index     every record under v1/fingerprints/
#   top (inbox)        all records still in the inbox, no index yet
#   index              the first compaction of the whole inbox (once); on S3
#                      above 20,000 records the store is filled without the
#                      inbox and this is index --rebuild (both cost a GET per
#                      record; the rebuild also lists each fingerprint)
#   top (index)        the index, empty inbox
#   top (index+tail)   the index and 1,000 new records in the inbox
#   top --since 7d     the index, the last 8 days' segments
# Usage: bench-fleet.sh VMCORED [--sizes 10000,100000] [--backends file,s3] [--runs 5] [--work DIR]
set -eu
vmcored=$(realpath "$1"); shift
sizes=10000,100000 backends=file,s3 runs=5 work=/tmp/bench-fleet
while [ $# -gt 0 ]; do
        case $1 in
        --sizes) sizes=$2; shift 2 ;;
        --backends) backends=$2; shift 2 ;;
        --runs) runs=$2; shift 2 ;;
        --work) work=$2; shift 2 ;;
        *) echo "usage: $0 VMCORED [--sizes N,N] [--backends file,s3] [--runs R] [--work DIR]" >&2; exit 2 ;;
        esac
done
here=$(cd "$(dirname "$0")" && pwd)
populate=$here/../fleet/populate.py
stores=$here/../store
. "$stores/lib.sh"
rm -rf "$work" && mkdir -p "$work"
cleanup() { [ -d "$work/rgw" ] && bash "$stores/radosgw.sh" stop "$work/rgw" >/dev/null 2>&1 || true; }
trap cleanup EXIT
end=$(date -u +%Y-%m-%d)

# measure LABEL RUNS ARGS...: median wall, peak RSS, requests of vmcored ARGS.
measure() {
        local label=$1 n=$2; shift 2
        local walls=() rss=0 req=0
        for _ in $(seq "$n"); do
                local extra=
                [ "$1" = top ] && extra=--stats
                /usr/bin/time -f '%e %M' -o "$work/time" "$vmcored" "$@" $extra >"$work/out" 2>"$work/err" ||
                        { echo "failed: vmcored $*" >&2; sed 's/^/    /' "$work/err" >&2; return 1; }
                read -r w m <"$work/time"
                walls+=("$w")
                [ "$m" -gt "$rss" ] && rss=$m
                req=$(cat "$work/out" "$work/err" | sed -n 's/.* \([0-9][0-9]*\) requests in .*/\1/p' | tail -1)
        done
        printf '  %-20s %8.2f s  %7.1f MiB  %8s requests\n' "$label" \
                "$(printf '%s\n' "${walls[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')" \
                "$(echo "$rss / 1024" | bc -l)" "$req"
}

for backend in ${backends//,/ }; do
        if [ "$backend" = s3 ] && [ ! -d "$work/rgw" ]; then
                bash "$stores/radosgw.sh" start "$work/rgw" >/dev/null
                . "$work/rgw/env"
                export AWS_ACCESS_KEY_ID=$S3_ACCESS_KEY AWS_SECRET_ACCESS_KEY=$S3_SECRET_KEY
                printf 'access_key = %s\nsecret_key = %s\n' "$S3_ACCESS_KEY" "$S3_SECRET_KEY" >"$work/s3.cred"
                chmod 0600 "$work/s3.cred"
        fi
        for n in ${sizes//,/ }; do
                case $backend in
                file) url=file://$work/file-$n ;;
                s3) url=$(store "bench-$n") ;;
                esac
                conf=$work/$backend-$n.conf
                printf '[store]\nurl = %s\n' "$url" >"$conf"
                [ "$backend" = s3 ] && printf 'credentials = %s\nallow_http = yes\n' "$work/s3.cred" >>"$conf"
                # A whole inbox costs as --no-index (a GET per record): on S3
                # above 20,000 records the store is filled without it and the
                # first index is a rebuild from v1/fingerprints/.
                big=false
                [ "$backend" = s3 ] && [ "$n" -gt 20000 ] && big=true
                t0=$(date +%s.%N)
                python3 "$populate" --store "$url" --crashes "$n" --fingerprints 500 --days 30 --end "$end" \
                        --seed 1 --jobs 8 $($big && echo --no-inbox) >/dev/null
                printf '%s, %d crash records (populated in %.0f s)\n' "$backend" "$n" \
                        "$(echo "$(date +%s.%N) - $t0" | bc -l)"
                slow=$((runs < 3 ? runs : (n > 20000 ? 1 : 3)))
                measure "top --no-index" "$slow" top --config "$conf" --limit 20 --no-index
                if $big; then
                        measure "index --rebuild" 1 index --config "$conf" --rebuild
                else
                        measure "top (inbox)" "$slow" top --config "$conf" --limit 20
                        measure "index (first)" 1 index --config "$conf"
                fi
                measure "top (index)" "$runs" top --config "$conf" --limit 20
                python3 "$populate" --store "$url" --crashes 1000 --start-index "$n" --fingerprints 500 --days 30 \
                        --end "$end" --seed 1 --jobs 8 >/dev/null
                measure "top (index+tail)" "$runs" top --config "$conf" --limit 20
                measure "index (tail)" 1 index --config "$conf"
                measure "top --since 7d" "$runs" top --config "$conf" --limit 20 --since 7d
        done
done

#!/usr/bin/env bash
# `vmcored top` on S3 (radosgw on 127.0.0.1) with 100,000 crash records,
# without spending 20 minutes of per-record GETs on the way: the records are
# stored without inbox copies, and the index segments are the ones `vmcored
# index` made from the identical file store of bench-fleet.sh (same seed,
# end day and count: run `bench-fleet.sh VMCORED --sizes 100000 --backends
# file` the same day first), uploaded as they are. Then: top with the index,
# with 1,000 new records in the inbox, index of that tail, --since 7d.
# Usage: bench-fleet-s3-large.sh [WORK_DIR of bench-fleet.sh]
set -eu
cd "$(dirname "$0")/../.."
vmcored=$PWD/build/daemon/vmcored
work=${1:-/tmp/bench-fleet}
. tests/store/lib.sh
rm -rf $work/rgw
bash tests/store/radosgw.sh start $work/rgw >/dev/null
trap 'bash tests/store/radosgw.sh stop $work/rgw' EXIT
. $work/rgw/env
printf 'access_key = %s\nsecret_key = %s\n' "$S3_ACCESS_KEY" "$S3_SECRET_KEY" >"$work/s3.cred"; chmod 600 $work/s3.cred
export AWS_ACCESS_KEY_ID=$S3_ACCESS_KEY AWS_SECRET_ACCESS_KEY=$S3_SECRET_KEY
end=$(date -u +%Y-%m-%d)
url=$(store bench-100000)
conf=$work/s3-100000.conf
printf '[store]\nurl = %s\ncredentials = %s\nallow_http = yes\n' "$url" "$work/s3.cred" >"$conf"
t0=$(date +%s)
python3 tests/fleet/populate.py --store "$url" --crashes 100000 --fingerprints 500 --days 30 --end "$end" --seed 1 --jobs 8 --no-inbox >/dev/null
echo "s3, 100000 crash records (populated without inbox in $(( $(date +%s) - t0 )) s)"
m() { local label=$1; shift; /usr/bin/time -f '%e %M' -o $work/time "$vmcored" "$@" >$work/out 2>$work/err; read -r w k <$work/time; printf '  %-20s %8.2f s  %7.1f MiB  %8s requests\n' "$label" "$w" "$(echo "$k/1024" | bc -l)" "$(cat $work/out $work/err | sed -n 's/.* \([0-9][0-9]*\) requests in .*/\1/p' | tail -1)"; }
for f in $work/file-100000/v1/index/*; do
        s3 PUT "bench-100000/v1/index/$(basename "$f")" -T "$f" >/dev/null
done
echo "  (index segments of the identical file store uploaded: $(ls $work/file-100000/v1/index | wc -l) objects)"
for i in 1 2 3 4 5; do m "top (index)" top --config "$conf" --limit 20 --stats; done
python3 tests/fleet/populate.py --store "$url" --crashes 1000 --start-index 100000 --fingerprints 500 --days 30 --end "$end" --seed 1 --jobs 8 >/dev/null
for i in 1 2 3; do m "top (index+tail)" top --config "$conf" --limit 20 --stats; done
m "index (tail)" index --config "$conf"
for i in 1 2 3; do m "top (index)" top --config "$conf" --limit 20 --stats; done
for i in 1 2 3; do m "top --since 7d" top --config "$conf" --limit 20 --since 7d --stats; done
m "top --json --limit 0" top --config "$conf" --limit 0 --json --stats

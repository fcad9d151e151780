#!/usr/bin/env bash
# End-to-end checks of the vmcored command line: help, version, exit
# codes, one-line errors, JSON and batch mode, on real logs.
# Usage: test-cli.sh VMCORED DATA_DIR
set -u

vmcored=$1
data=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0
failed=0

ok() { passed=$((passed + 1)); echo "ok   $1"; }
bad() { failed=$((failed + 1)); echo "FAIL $1"; }

# check NAME EXPECTED_STATUS COMMAND...: runs COMMAND, stdout in $tmp/out,
# stderr in $tmp/err, and compares the exit status.
check() {
        local name=$1 want=$2
        shift 2
        "$@" >"$tmp/out" 2>"$tmp/err"
        local got=$?
        if [ "$got" -eq "$want" ]; then ok "$name"; else bad "$name (exit $got, want $want)"; cat "$tmp/err"; fi
}
contains() { # NAME FILE TEXT
        if grep -qF -- "$3" "$2"; then ok "$1"; else bad "$1 (no '$3' in $2)"; sed 's/^/    /' "$2" | head -20; fi
}
lines() { # NAME FILE N
        local n
        n=$(wc -l <"$2")
        if [ "$n" -eq "$3" ]; then ok "$1"; else bad "$1 ($n lines, want $3)"; fi
}

sample=$data/x86_64-6.1-warning-panic_on_warn.log

check "help" 0 "$vmcored" --help
contains "help lists analyze" "$tmp/out" "analyze"
check "version" 0 "$vmcored" --version
contains "version string" "$tmp/out" "vmcored "
check "analyze --help" 0 "$vmcored" analyze --help
contains "analyze help mentions --batch" "$tmp/out" "--batch DIR"
check "no command" 2 "$vmcored"
check "unknown command" 2 "$vmcored" frobnicate
contains "unknown command message" "$tmp/err" "unknown command 'frobnicate'"
check "analyze without input" 2 "$vmcored" analyze
check "analyze unknown option" 2 "$vmcored" analyze --no-such-option "$sample"

check "analyze text" 0 "$vmcored" analyze "$sample"
contains "text has title" "$tmp/out" "title        WARNING in lkdtm_WARNING"
contains "text has fatal marker" "$tmp/out" "<- fatal"

check "analyze json" 0 "$vmcored" analyze --json "$sample"
if python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); assert r["title"]=="WARNING in lkdtm_WARNING"; assert r["fingerprint"].startswith("fp1-"); assert r["events"][r["fatal_event"]]["kind"]=="warning"' "$tmp/out"; then
        ok "json parses with expected fields"
else
        bad "json parses with expected fields"
fi

check "analyze stdin" 0 "$vmcored" analyze --json - <"$sample"
contains "stdin json title" "$tmp/out" '"title": "WARNING in lkdtm_WARNING"'

# unreadable inputs: non-zero, one line on stderr naming the input
check "missing file" 1 "$vmcored" analyze "$tmp/nope.log"
lines "missing file: one error line" "$tmp/err" 1
contains "missing file: names it" "$tmp/err" "nope.log: No such file or directory"
check "directory" 1 "$vmcored" analyze "$data"
contains "directory: says so" "$tmp/err" "no crash dump or kernel log in this directory"
printf 'KDUMP   \001\000\000\000' >"$tmp/vmcore"
check "truncated kdump dump" 1 "$vmcored" analyze "$tmp/vmcore"
contains "truncated kdump dump: names it" "$tmp/err" "vmcore"
printf '\177ELF\002\001\001' >"$tmp/vmcore.elf"
check "truncated elf dump" 1 "$vmcored" analyze "$tmp/vmcore.elf"
contains "truncated elf dump: names it" "$tmp/err" "vmcore.elf"
# the reading library dying on a dump: a clear error, never a signal, both
# in this process (one dump) and in a child (batches go on)
check "reader crash: one dump" 1 env VMCORED_TEST_READER_SIGNAL=11 "$vmcored" analyze "$tmp/vmcore"
contains "reader crash: one dump: says so" "$tmp/err" "vmcore: reading the dump crashed (SIGSEGV): the dump is corrupt"
check "reader crash: dmesg" 1 env VMCORED_TEST_READER_SIGNAL=7 "$vmcored" dmesg "$tmp/vmcore"
contains "reader crash: dmesg: says so" "$tmp/err" "reading the dump crashed (SIGBUS)"
check "dmesg of a log" 1 "$vmcored" dmesg "$data/x86_64-6.1-warning-panic_on_warn.log"
contains "dmesg of a log: says it is not a dump" "$tmp/err" "not a crash dump"
check "dmesg without a dump" 2 "$vmcored" dmesg

# a log without a crash is analyzed fine
printf '[    0.000000] Linux version 6.1.0\n[    1.0] all good\n' >"$tmp/clean.log"
check "no crash" 0 "$vmcored" analyze --json "$tmp/clean.log"
contains "no crash: null title" "$tmp/out" '"title": null'
check "empty input" 0 "$vmcored" analyze --json /dev/null
head -c 100000 /dev/urandom >"$tmp/garbage.log"
check "binary garbage" 0 "$vmcored" analyze --json "$tmp/garbage.log"

# batch: a directory, JSON lines, one failure reported but the rest done
mkdir "$tmp/batch"
cp "$data"/x86_64-6.1-bug.log "$data"/x86_64-6.1-oom.log "$tmp/clean.log" "$tmp/batch/"
cp "$tmp/vmcore" "$tmp/batch/zz-vmcore"
check "batch with a dump in it" 1 "$vmcored" analyze --json --batch "$tmp/batch"
lines "batch: one JSON line per input" "$tmp/out" 4
contains "batch: summary" "$tmp/err" "analyzed 4 inputs: 2 with a crash, 1 unreadable"
contains "batch: error object" "$tmp/out" '"error":'
check "batch with a dump that crashes the reader" 1 env VMCORED_TEST_READER_SIGNAL=11 \
        "$vmcored" analyze --json --batch "$tmp/batch"
lines "batch, reader crash: one JSON line per input" "$tmp/out" 4
contains "batch, reader crash: the others are analyzed" "$tmp/err" "analyzed 4 inputs: 2 with a crash, 1 unreadable"
# (the signal name is not checked: under ASan its handler turns SIGSEGV into an abort)
contains "batch, reader crash: says so" "$tmp/err" "zz-vmcore: reading the dump crashed ("
rm "$tmp/batch/zz-vmcore"
check "batch all readable" 0 "$vmcored" analyze --json --batch "$tmp/batch"
check "several paths" 0 "$vmcored" analyze "$data/x86_64-6.1-bug.log" "$data/x86_64-6.1-sysrq.log"
contains "several paths: both" "$tmp/out" "kernel panic: sysrq triggered crash"
check "batch missing dir" 1 "$vmcored" analyze --batch "$tmp/no-such-dir"

# check-config: the configuration file, drop-ins, command line settings and
# credentials; errors name file, line and key; secrets are never printed.
conf=$tmp/conf
mkdir -p "$conf"
check "check-config: documented defaults parse" 0 "$vmcored" check-config --config "$(dirname "$0")/../../conf/vmcored.conf"
cp "$tmp/out" "$tmp/documented"
check "check-config: a named file that is missing" 1 "$vmcored" check-config --config /nonexistent/vmcored.conf
contains "check-config: missing file named" "$tmp/err" "/nonexistent/vmcored.conf: No such file"
printf '# nothing set\n' >"$conf/empty.conf"
check "check-config: built-in defaults" 0 "$vmcored" check-config --config "$conf/empty.conf"
if cmp -s "$tmp/out" "$tmp/documented"; then ok "check-config: conf/vmcored.conf states the built-in defaults"; else bad "check-config: conf/vmcored.conf states the built-in defaults"; diff "$tmp/out" "$tmp/documented"; fi
# Every "#key = value" line of conf/vmcored.conf, uncommented, is the default.
sed -E 's/^#([a-z_]+ =)/\1/' "$(dirname "$0")/../../conf/vmcored.conf" >"$conf/uncommented.conf"
check "check-config: conf/vmcored.conf uncommented parses" 0 "$vmcored" check-config --config "$conf/uncommented.conf"
if cmp -s "$tmp/out" "$tmp/documented"; then ok "check-config: each value conf/vmcored.conf states is the default"; else bad "check-config: each value conf/vmcored.conf states is the default"; diff "$tmp/out" "$tmp/documented"; fi
printf '[store]\nurl = file:///srv/crashes\n\n# comment\n[capture]\ndump_levle = 1\n' >"$conf/typo.conf"
check "check-config: unknown key" 1 "$vmcored" check-config --config "$conf/typo.conf"
contains "check-config: unknown key names file, line and key" "$tmp/err" "$conf/typo.conf:6: [capture] dump_levle: unknown key"
printf '[capture]\ndump_level = 32\n' >"$conf/range.conf"
check "check-config: value out of range" 1 "$vmcored" check-config --config "$conf/range.conf"
contains "check-config: range message" "$tmp/err" "range.conf:2: [capture] dump_level: '32' is not a number from 0 to 31"
printf '[upload]\ndump = sometimes\n' >"$conf/enum.conf"
check "check-config: bad choice" 1 "$vmcored" check-config --config "$conf/enum.conf"
contains "check-config: choices listed" "$tmp/err" "is not one of always, unknown, never"
printf '[stor]\nurl = x\n' >"$conf/section.conf"
check "check-config: unknown section" 1 "$vmcored" check-config --config "$conf/section.conf"
contains "check-config: section message" "$tmp/err" "section.conf:2: [stor]: unknown section"
printf 'url = x\n' >"$conf/nosection.conf"
check "check-config: key before a section" 1 "$vmcored" check-config --config "$conf/nosection.conf"
printf '[store\nurl = x\n' >"$conf/broken.conf"
check "check-config: broken line" 1 "$vmcored" check-config --config "$conf/broken.conf"
contains "check-config: broken line named" "$tmp/err" "broken.conf:1: not an INI line"
# Drop-ins: read in name order after the file; the last value wins.
printf '[capture]\ndump_level = 17\n' >"$conf/main.conf"
mkdir -p "$conf/main.conf.d"
printf '[capture]\ndump_level = 1\n' >"$conf/main.conf.d/10-a.conf"
printf '[capture]\ndump_level = 3\n' >"$conf/main.conf.d/20-b.conf"
printf '[capture]\ndump_level = 99\n' >"$conf/main.conf.d/30-ignored.txt"
check "check-config: drop-ins" 0 "$vmcored" check-config --config "$conf/main.conf"
contains "check-config: the last drop-in wins" "$tmp/out" "dump_level = 3"
printf '[capture]\ncompression = brotli\n' >"$conf/main.conf.d/40-bad.conf"
check "check-config: error in a drop-in" 1 "$vmcored" check-config --config "$conf/main.conf"
contains "check-config: drop-in named" "$tmp/err" "main.conf.d/40-bad.conf:2: [capture] compression: 'brotli' is not one of"
# Command line settings.
check "check-config: --store and --spool" 0 "$vmcored" check-config --config "$conf/empty.conf" --store s3://bucket/p --spool /tmp/sp --crash-dir /tmp/cd
contains "check-config: --store applied" "$tmp/out" "url = s3://bucket/p"
contains "check-config: --spool applied" "$tmp/out" "spool = /tmp/sp"
check "check-config: malformed store url" 1 "$vmcored" check-config --config "$conf/empty.conf" --store ftp://host/x
contains "check-config: store url message" "$tmp/err" "not file://, s3://, https:// or sftp://"
check "check-config: relative file:// path" 1 "$vmcored" check-config --config "$conf/empty.conf" --store file://relative
check "check-config: plain http refused" 1 "$vmcored" check-config --config "$conf/empty.conf" --store http://127.0.0.1/x
contains "check-config: http message" "$tmp/err" "allow_http"
printf '[store]\nallow_http = yes\n' >"$conf/http.conf"
check "check-config: plain http when allowed" 0 "$vmcored" check-config --config "$conf/http.conf" --store http://127.0.0.1/x
# Credentials: mode, keys, secrets never printed.
printf 'access_key = AKIDEXAMPLE\nsecret_key = s3cr3t-value\n' >"$conf/cred"
chmod 0644 "$conf/cred"
check "check-config: credentials readable by others refused" 1 "$vmcored" check-config --config "$conf/empty.conf" --credentials "$conf/cred"
contains "check-config: mode named" "$tmp/err" "mode 0644 lets others read the secrets"
chmod 0600 "$conf/cred"
check "check-config: credentials 0600" 0 "$vmcored" check-config --config "$conf/empty.conf" --credentials "$conf/cred"
contains "check-config: credentials kinds shown" "$tmp/out" "(access_key, secret_key)"
if grep -q "s3cr3t-value\|AKIDEXAMPLE" "$tmp/out" "$tmp/err"; then bad "check-config: no secret printed"; else ok "check-config: no secret printed"; fi
printf 'access_key = AKIDEXAMPLE\n\nsecret = s3cr3t-value\n' >"$conf/cred2" && chmod 0600 "$conf/cred2"
check "check-config: unknown credentials key" 1 "$vmcored" check-config --config "$conf/empty.conf" --credentials "$conf/cred2"
contains "check-config: credentials line named" "$tmp/err" "cred2:3: secret: unknown key"
if grep -q "s3cr3t-value" "$tmp/err"; then bad "check-config: no secret in errors"; else ok "check-config: no secret in errors"; fi
printf 'access_key = AKIDEXAMPLE\n' >"$conf/cred3" && chmod 0600 "$conf/cred3"
check "check-config: access_key without secret_key" 1 "$vmcored" check-config --config "$conf/empty.conf" --credentials "$conf/cred3"
# systemd credentials: a bare name, or the default vmcored-store.
mkdir -p "$tmp/creds" && printf 'token = t0ken-value\n' >"$tmp/creds/vmcored-store" && chmod 0400 "$tmp/creds/vmcored-store"
CREDENTIALS_DIRECTORY=$tmp/creds check "check-config: systemd credential by default" 0 "$vmcored" check-config --config "$conf/empty.conf"
contains "check-config: credential found" "$tmp/out" "$tmp/creds/vmcored-store (token)"
# The unit loads /etc/vmcored/store.cred, which tmpfiles.d makes empty: no secrets.
mkdir -p "$tmp/creds-empty" && : >"$tmp/creds-empty/vmcored-store" && chmod 0600 "$tmp/creds-empty/vmcored-store"
CREDENTIALS_DIRECTORY=$tmp/creds-empty check "check-config: empty default systemd credential: no secrets" 0 "$vmcored" check-config --config "$conf/empty.conf"
: >"$conf/cred-empty" && chmod 0600 "$conf/cred-empty"
check "check-config: an empty credentials file named in the config is an error" 1 "$vmcored" check-config --config "$conf/empty.conf" --credentials "$conf/cred-empty"
check "check-config: bare credential name without systemd" 1 "$vmcored" check-config --config "$conf/empty.conf" --credentials mycred
contains "check-config: says CREDENTIALS_DIRECTORY" "$tmp/err" "CREDENTIALS_DIRECTORY"
check "check-config: usage error" 2 "$vmcored" check-config --no-such-option

# A relative --spool is taken from the current directory.
vmcored_abs=$(cd "$(dirname "$vmcored")" && pwd)/$(basename "$vmcored")
(cd "$tmp" && "$vmcored_abs" collect --config "$conf/empty.conf" --vmcore "$data/x86_64-6.1-bug-lkdtm.kdump" \
        --spool rel-spool --store "file://$tmp/rel-store" >"$tmp/rel.out" 2>"$tmp/rel.err")
check "collect: relative --spool works" 0 test -s "$tmp/rel-spool/$(cat "$tmp/rel.out")/state.json"

# The bundled sample dump (a real kdump file cut down by
# tests/data/prune-kdump.py): analysis, and collect into a store whose
# directories do not exist yet, as on a fresh host.
dump=$data/x86_64-6.1-bug-lkdtm.kdump
check "sample dump: analyze" 0 "$vmcored" analyze "$dump"
contains "sample dump: title" "$tmp/out" "kernel BUG in lkdtm_BUG"
contains "sample dump: module symbol from the dump" "$tmp/out" "lkdtm_BUG+0x5/0x10 [lkdtm]"
check "sample dump: collect into new directories" 0 "$vmcored" collect --config "$conf/empty.conf" --vmcore "$dump" \
        --spool "$tmp/new/spool" --store "file://$tmp/new/store"
id=$(cat "$tmp/out")
contains "sample dump: crash complete" "$tmp/err" "complete in file://$tmp/new/store"
if cmp -s "$dump" "$tmp/new/store/v1/crashes/$id/vmcore"; then ok "sample dump: stored as it is"; else bad "sample dump: stored as it is"; fi
check "sample dump: the stored copy analyzes" 0 "$vmcored" analyze "$tmp/new/store/v1/crashes/$id/vmcore"
contains "sample dump: same title from the store" "$tmp/out" "kernel BUG in lkdtm_BUG"

# The built-in analyzers and known-issue rules from the command line.
check "sample dump: hints" 0 "$vmcored" analyze --json "$dump"
contains "sample dump: the task memory analyzer ran on the dump's BTF" "$tmp/out" '"kind": "task-memory-ok"'
contains "sample dump: the culprit module is named" "$tmp/out" '"module": "lkdtm"'
check "--no-analyzers" 0 "$vmcored" analyze --json --no-analyzers "$dump"
if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if d["hints"] == [] and not any(a["ran"] for a in d["analyzers"]) else 1)' "$tmp/out"; then
        ok "--no-analyzers: no hints"
else
        bad "--no-analyzers: no hints"
fi
gpf=$data/explain/gpf-packet-acct_collect.log
rules=$data/../../conf/signatures.d
check "--rules: the shipped rules" 0 "$vmcored" analyze --rules "$rules" "$gpf"
contains "--rules: known issue named" "$tmp/out" "nic-dma-task-memory-map:"
contains "--rules: packet bytes explained" "$tmp/out" "network packet data"
mkdir -p "$tmp/badrules"
printf '[x]\nsummary = s\ncolour = red\n' >"$tmp/badrules/local.rules"
check "--rules with a bad rule file: exit 2" 2 "$vmcored" analyze --rules "$tmp/badrules" "$gpf"
contains "--rules with a bad rule file: file and line" "$tmp/err" "$tmp/badrules/local.rules:3: unknown key \"colour\""
check "--rules with a missing directory: exit 2" 2 "$vmcored" analyze --rules "$tmp/nonexistent" "$gpf"
contains "--rules with a missing directory: said" "$tmp/err" "$tmp/nonexistent"
printf '[analyze]\nsignatures = %s\n' "$tmp/badrules" >"$conf/badrules.conf"
check "collect with a bad rule file in the site directory: still stores the crash" 0 "$vmcored" collect \
        --config "$conf/badrules.conf" --vmcore "$dump" --spool "$tmp/r/spool" --store "file://$tmp/r/store"
contains "collect with a bad rule file: the file is named" "$tmp/err" "local.rules:3:"
contains "collect with a bad rule file: the crash is complete" "$tmp/err" "complete in file://$tmp/r/store"

# The fleet commands: help, bad arguments, and an empty or missing store.
for c in top list show fetch index; do
        check "$c --help" 0 "$vmcored" "$c" --help
        contains "$c --help: usage" "$tmp/out" "Usage: vmcored $c"
        contains "vmcored --help lists $c" <("$vmcored" --help) "  $c "
done
check "top --limit x: usage error" 2 "$vmcored" top --store "file://$tmp/fleet" --limit x
check "top --since x: usage error" 2 "$vmcored" top --store "file://$tmp/fleet" --since x
contains "top --since x: says what it takes" "$tmp/err" "give 7d, 12h, 30m, 2w"
check "list --fingerprint x: usage error" 2 "$vmcored" list --store "file://$tmp/fleet" --fingerprint x
check "show without an argument: usage error" 2 "$vmcored" show --store "file://$tmp/fleet"
check "show of garbage: usage error" 2 "$vmcored" show --store "file://$tmp/fleet" ../../etc
check "fetch of garbage: usage error" 2 "$vmcored" fetch --store "file://$tmp/fleet" ../../etc
check "fetch: two crash ids: usage error" 2 "$vmcored" fetch --store "file://$tmp/fleet" \
        20261122T051126Z-4e79dc8b1666 20261122T051126Z-4e79dc8b1667
mkdir -p "$tmp/fleet"
check "top of an empty store: exit 0" 0 "$vmcored" top --store "file://$tmp/fleet" --json
cp "$tmp/out" "$tmp/empty.json"
check "top of an empty store: an empty array" 0 python3 -c 'import json,sys; sys.exit(json.load(open(sys.argv[1])) != [])' "$tmp/empty.json"
check "top --tsv of an empty store: the header" 0 "$vmcored" top --store "file://$tmp/fleet" --tsv
lines "top --tsv of an empty store: one line" "$tmp/out" 1
check "index of an empty store: exit 0" 0 "$vmcored" index --store "file://$tmp/fleet"
check "show of a missing crash: exit 1" 1 "$vmcored" show --store "file://$tmp/fleet" 20261122T051126Z-4e79dc8b1666
contains "show of a missing crash: says so" "$tmp/err" "no crash 20261122T051126Z-4e79dc8b1666"
check "show of a missing fingerprint: exit 1" 1 "$vmcored" show --store "file://$tmp/fleet" fp1-5a4e5bd28af4ce01
check "fetch of a missing crash: exit 1" 1 "$vmcored" fetch --store "file://$tmp/fleet" \
        20261122T051126Z-4e79dc8b1666 -o "$tmp/got"
contains "fetch of a missing crash: says so" "$tmp/err" "not in the store"
check "top of a store that is not there: exit 1" 1 "$vmcored" top --store "sftp://nobody@127.0.0.1:1/x"

# A real arm64 dump (Debian 6.1.0-56-arm64, KASLR, a negative PHYS_OFFSET,
# kallsyms of text only), read on this machine: the log byte for byte as
# arm64 makedumpfile gave it, the title, every register, pc and lr named in
# the crash module (its BTF found by its header, the module list from the
# module itself), the modules as the log lists them.
a64=$data/arm64-6.1-bug-crashtest.kdump
check "arm64 dump: dmesg exit 0" 0 "$vmcored" dmesg "$a64"
if cmp -s "$tmp/out" "$data/arm64-6.1-bug.log"; then ok "arm64 dump: log byte-identical to makedumpfile's"; else bad "arm64 dump: log byte-identical to makedumpfile's"; fi
check "arm64 dump: analyze exit 0" 0 "$vmcored" analyze --json "$a64"
cp "$tmp/out" "$tmp/a64.json"
a64want() { # NAME EXPR WANT
        local got
        got=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$tmp/a64.json" "$2")
        if [ "$got" = "$3" ]; then ok "$1"; else bad "$1 (got '$got', want '$3')"; fi
}
a64want "arm64 dump: title" 'd["title"]' "kernel BUG in crashtest_bug"
a64want "arm64 dump: arch, format, not partial, no warnings" \
        'd["dump"]["arch"], d["dump"]["format"], d["partial"], d["dump"]["warnings"]' "('aarch64', 'kdump-compressed', False, [])"
a64want "arm64 dump: pc named as the log names it" 'd["panic"]["ip_symbol"]' "crashtest_bug+0x8/0xc [vmcored_crashtest]"
a64want "arm64 dump: lr (x30) named as the log names it" 'd["panic"]["register_symbols"]["lr"], d["panic"]["register_symbols"]["x30"]' \
        "('crashtest_write+0xec/0x154 [vmcored_crashtest]', 'crashtest_write+0xec/0x154 [vmcored_crashtest]')"
a64want "arm64 dump: x0..x30, sp, pc, pstate and lr" 'sorted(d["panic"]["registers"]) == sorted(["x%d" % i for i in range(31)] + ["sp", "pc", "pstate", "lr"])' True
a64want "arm64 dump: x0 and sp as the log prints them" 'd["panic"]["registers"]["x0"], d["panic"]["registers"]["sp"]' \
        "('0xffffddc1ddc2d054', '0xffff80000800bb90')"
a64want "arm64 dump: the modules, as the log lists them" '" ".join(d["dump"]["symbols"]["modules"])' \
        "vmcored_crashtest virtio_pci virtio_pci_legacy_dev virtio_pci_modern_dev 9pnet_virtio 9p fscache netfs 9pnet"
a64want "arm64 dump: the kernel's BTF found without __start_BTF" 'int(d["dump"]["btf"]["size"]) > 1000000' True
a64want "arm64 dump: KASLR offset" 'd["dump"]["kernel_offset"]' "0x5dc222600000"

# The capture kernel's /proc/vmcore on Debian 12 arm64 without the _text
# workaround: its first 8 KiB (header and notes; a real capture, the data of
# its segments lie at offsets beyond 2^63).
broken=$data/arm64-6.1-broken-header.vmcore
check "impossible ELF header: analyze exit 1" 1 "$vmcored" analyze "$broken"
contains "impossible ELF header: says which segment and what it claims" "$tmp/err" \
        "impossible ELF core header: PT_LOAD 1 of 3 claims 0xffffc843a0810000 bytes at physical 0x37bca1a00000, virtual 0xffffffffffffffff"
contains "impossible ELF header: names the cause and the fix" "$tmp/err" \
        "fix: vmcored-kallsyms.service, see vmcored(8)"
contains "impossible ELF header: the segments beyond, out of reach" "$tmp/err" "2 intact segments lie beyond it, out of reach"
contains "impossible ELF header: what the notes still tell" "$tmp/err" \
        "The notes tell: kernel 6.1.0-56-arm64, crashed 2026-11-23T01:55:44Z; 1 CPU note, the first with pc 0xffffc8439e987688. Cause: kexec-tools on arm64 without _text"
check "impossible ELF header: dmesg exit 1" 1 "$vmcored" dmesg "$broken"
contains "impossible ELF header: dmesg says so too" "$tmp/err" "impossible ELF core header"
check "impossible ELF header: collect exit 6" 6 "$vmcored" collect --config /dev/null --vmcore "$broken" \
        --store "file://$tmp/broken-store" --spool "$tmp/broken-spool"
contains "impossible ELF header: collect says so once, with the fix" "$tmp/err" "vmcored-kallsyms.service"
if [ -z "$(find "$tmp/broken-store" "$tmp/broken-spool" -type f 2>/dev/null)" ]; then
        ok "impossible ELF header: nothing stored or spooled"
else
        bad "impossible ELF header: nothing stored or spooled"
fi

echo "cli: $passed passed, $failed failed"
[ "$failed" -eq 0 ]

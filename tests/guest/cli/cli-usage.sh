#!/bin/sh
# svm-cxlctl grammar: every bad input is refused with its documented exit status and a
# message naming the object and what to try, and changes nothing.
. svm-test.sh
. cli-lib.sh
trap clean_all EXIT

set -- $(memdevs)
region=$(cxl_ram_region_create "$@") || fail "reference region assembly failed"
before=$(snapshot)

expect_rc 2 $CTL
expect_msg "Usage:"
expect_msg "COMMAND :="
expect_rc 0 $CTL --help
expect_rc 0 $CTL --version
expect_rc 2 $CTL onlin region0 --mode numa
expect_msg "did you mean 'online'"
expect_rc 2 $CTL onl region0 --mode numa		# exact matching, no prefixes
expect_rc 2 $CTL ls
expect_msg "did you mean 'list'"
expect_rc 2 $CTL frobnicate
expect_msg "help"
expect_rc 2 $CTL online $region
expect_msg "--mode"
expect_rc 2 $CTL online $region --mode numb
expect_msg "numa or coherent"
expect_rc 2 $CTL online $region --mode coherent --zone normal
expect_msg "numa only"
expect_rc 2 $CTL online $region --mode numa --zone high
expect_rc 2 $CTL online $region --mode numa --bogus
expect_msg "unknown option"
expect_rc 2 $CTL online --mode numa
expect_msg "which region"
expect_rc 2 $CTL online $region region99 --mode numa
expect_rc 2 $CTL online dax0.0 --mode numa
expect_msg "regionN"
expect_rc 3 $CTL online region99 --mode numa
expect_msg "region99"
expect_rc 3 $CTL online mem42 --mode numa
expect_msg "mem42"
expect_rc 2 $CTL offline $region --timeout soon
expect_msg "timeout"
expect_rc 2 $CTL offline $region --timeout 0
expect_rc 2 $CTL offline $region --mode numa
expect_rc 3 $CTL offline region99
expect_rc 2 $CTL convert $region
expect_rc 1 $CTL convert $region --mode numa		# not online: says what to do
expect_msg "svm-cxlctl online $region"
expect_rc 2 $CTL create-region
expect_rc 2 $CTL create-region $1 --size lots
expect_rc 2 $CTL create-region $1 --granularity 1000
expect_rc 2 $CTL create-region $region
expect_rc 3 $CTL create-region mem42
expect_rc 3 $CTL create-region $1 --decoder decoder9.9
expect_rc 2 $CTL create-region $1 $1
expect_rc 4 $CTL create-region "$@"			# already used by $region
expect_msg "$region"
expect_rc 2 $CTL destroy-region
expect_rc 2 $CTL destroy-region mem0
expect_rc 3 $CTL destroy-region region99
expect_rc 2 $CTL list -m foo
expect_msg "memN"
expect_rc 2 $CTL list -m ''
expect_msg "empty"
expect_rc 2 $CTL list -d 0			# a decoder is X.Y
expect_msg "decoderX.Y"
expect_rc 2 $CTL list -s 12ab
expect_rc 2 $CTL list extra
expect_rc 2 $CTL list --frob
# a filter that matches nothing: [] and exit 0, as cxl list
for f in "-m mem42" "-r 99" "-s 424242" "-d 7.7"; do
	out=$($CTL list $f 2>/dev/null)
	check_eq "list $f: exit" 0 $?
	check_eq "list $f: []" "[]" "$(echo "$out" | jq -c .)"
done
# the shape of cxl list: an array, containers only when several types have objects
check_eq "list: array of single-key objects" '["memdevs","regions"]' "$($CTL list | jq -c 'map(keys[0])')"
check_eq "list -R -P, no pools: regions only" "$region" "$($CTL list -R -P | jq -r '.[0].region')"
check_eq "list -m $1 -R" "$region" "$($CTL list -m $1 -R | jq -r '.[].region')"
rd=$(basename "$(dirname "$(readlink -f $CXL/$region)")")
check_eq "list -d ${rd#decoder} -R (numeric decoder id)" "$region" "$($CTL list -d ${rd#decoder} -R | jq -r '.[].region')"
check_eq "list: no nulls" 0 "$($CTL list -vvv -M -R -D -X -P | jq '[.. | select(. == null)] | length')"
check_eq "list -u resource is hex" "\"$(printf '%#x' $(($(cat $CXL/$region/resource))))\"" "$($CTL list -r $region -u | jq '.[0].resource')"
expect_rc 2 $CTL status a b
expect_rc 3 $CTL status region99
expect_rc 2 $CTL doctor --fix
expect_rc 2 $CTL help nosuch
expect_rc 3 $CTL plan --policy /nonexistent	# a missing file, not bad usage
expect_msg "No such file"
check_eq "--list-cmds = usage's commands" "$($CTL --list-cmds | tr '\n' ' ')" \
	"$($CTL --help | sed -n 's/^  \([a-z][a-z-]*\) .*/\1/p' | tr '\n' ' ')"
for c in $($CTL --list-cmds); do
	expect_rc 0 $CTL help $c
	expect_msg "svm-cxlctl"
	echo "$OUT" | grep -q "^NAME" || fail "help $c: no NAME section"
	echo "$OUT" | grep -q "EXIT STATUS" || fail "help $c: no EXIT STATUS section"
	echo "$OUT" | tr -s ' \n' '  ' | grep -qF "$($CTL --help | grep "^  $c " | sed 's/^  //')" ||
		fail "help $c: the synopsis is not the one usage() prints"
done
expect_rc 0 $CTL online --help

# privileged operations need CAP_SYS_ADMIN; reading does not
expect_rc 5 $SVM_TEST_NUMA nobody $CTL online $region --mode numa
expect_msg "CAP_SYS_ADMIN"
expect_rc 5 $SVM_TEST_NUMA nobody $CTL destroy-region $region
expect_rc 5 $SVM_TEST_NUMA nobody $CTL create-region mem0
expect_rc 0 $SVM_TEST_NUMA nobody $CTL list
expect_rc 2 $SVM_TEST_NUMA nobody $CTL online $region --mode bad   # usage before privilege

after=$(snapshot)
[ "$before" = "$after" ] || fail "bad commands changed the system:
$(echo "$before" >/tmp/b; echo "$after" >/tmp/a; diff /tmp/b /tmp/a)"
echo "ok - nothing changed"
kernel_log_clean || fail "kernel log"

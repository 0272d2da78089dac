# SPDX-License-Identifier: GPL-2.0-only
# bash completion for svm-cxlctl: the commands (svm-cxlctl --list-cmds, from the command
# table), the objects of each command read from sysfs (regions, memdevs, root decoders,
# serials), the options of each command and the values they take. The options must
# match the synopses in cli/commands.h: the host test cli-completion checks it.

_svm_cxlctl_bus() { echo /sys/bus/cxl/devices; }

# names of cxl bus devices starting with $1 (mem, region) that are followed by a number
_svm_cxlctl_devices()
{
	local n
	for n in "$(_svm_cxlctl_bus)"/"$1"[0-9]*; do
		[ -e "$n" ] && echo "${n##*/}"
	done
}

_svm_cxlctl_root_decoders()
{
	local n
	for n in "$(_svm_cxlctl_bus)"/decoder*; do
		[ "$(cat "$n/devtype" 2>/dev/null)" = cxl_decoder_root ] && echo "${n##*/}"
	done
}

_svm_cxlctl_serials()
{
	local n
	for n in "$(_svm_cxlctl_bus)"/mem[0-9]*; do
		[ -r "$n/serial" ] && cat "$n/serial"
	done
}

_svm_cxlctl_options()
{
	case "$1" in
	list) echo "-M -R -D -X -P -m -s -r -d -T -v -u --memdevs --regions --decoders --dax" \
		"--pools --memdev --serial --region --decoder --targets --verbose --human" ;;
	online) echo "--mode --zone --isolated -v --verbose" ;;
	offline) echo "--timeout --dry-run -v --verbose" ;;
	convert) echo "--mode --zone --timeout -v --verbose" ;;
	create-region) echo "--size --decoder --granularity -v --verbose" ;;
	destroy-region) echo "-v --verbose" ;;
	doctor) echo "--json" ;;
	plan) echo "--policy" ;;
	monitor) echo "--count" ;;
	run) echo "--on --heap --all --threshold --report -v --verbose" ;;
	top) echo "--interval --count --json" ;;
	migrate) echo "--pid --range --to" ;;
	esac
}

_svm_cxlctl_pools()
{
	local n
	for n in "${SVM_CXL_SYSFS_ROOT:-}"/sys/devices/virtual/misc/svm_cxl/pools/pool[0-9]*; do
		[ -e "$n" ] && echo "${n##*/}"
	done
}

_svm_cxlctl_objects()
{
	case "$1" in
	top)
		_svm_cxlctl_devices region
		_svm_cxlctl_devices mem
		_svm_cxlctl_pools ;;
	online|offline|convert|status|grant|revoke)
		_svm_cxlctl_devices region
		_svm_cxlctl_devices mem ;;
	create-region) _svm_cxlctl_devices mem ;;
	destroy-region) _svm_cxlctl_devices region; echo all stale ;;
	help) "$2" --list-cmds 2>/dev/null ;;
	daemon)
		echo status reload reconcile holds hold release
		_svm_cxlctl_devices region
		_svm_cxlctl_devices mem ;;
	esac
}

_svm_cxlctl()
{
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
	local prog=${COMP_WORDS[0]} cmd="" i words=""

	for ((i = 1; i < COMP_CWORD; i++)); do
		if [[ ${COMP_WORDS[i]} != -* ]]; then
			cmd=${COMP_WORDS[i]}
			break
		fi
	done
	# run: what follows "--" is the program and its arguments
	if [ "$cmd" = run ]; then
		for ((i = 1; i < COMP_CWORD; i++)); do
			if [ "${COMP_WORDS[i]}" = -- ]; then
				COMPREPLY=($(compgen -c -f -- "$cur"))
				return
			fi
		done
	fi
	if [ -z "$cmd" ]; then
		words="$("$prog" --list-cmds 2>/dev/null) --help --version --list-cmds"
	else
		case "$prev" in
		--mode) words="numa coherent" ;;
		--zone) words="movable normal" ;;
		-m|--memdev) words="$(_svm_cxlctl_devices mem) all" ;;
		-r|--region) words="$(_svm_cxlctl_devices region) all" ;;
		-s|--serial) words="$(_svm_cxlctl_serials)" ;;
		-d|--decoder)
			words=$(_svm_cxlctl_root_decoders)
			[ "$cmd" = list ] && words="$words root all" ;;
		--on) words="$(_svm_cxlctl_devices region) $(_svm_cxlctl_devices mem) $(_svm_cxlctl_pools)" ;;
		--policy|--report)
			COMPREPLY=($(compgen -f -- "$cur"))
			return ;;
		--to) words="$(_svm_cxlctl_devices region) $(_svm_cxlctl_devices mem) system" ;;
		--pid)
			words=$(ps -e -o pid= 2>/dev/null) ;;
		--size|--granularity|--timeout|--count|--range|--threshold|--interval)
			COMPREPLY=()
			return ;;
		region[0-9]*|mem[0-9]*)
			# grant/revoke REGION CGROUP: a cgroup v2 directory
			if [ "$cmd" = grant ] || [ "$cmd" = revoke ]; then
				COMPREPLY=($(compgen -d -- "${cur:-${SVM_CXL_CGROUP_ROOT:-/sys/fs/cgroup}/}"))
				return
			fi
			words=$(_svm_cxlctl_objects "$cmd" "$prog") ;;
		*)
			if [[ $cur == -* ]]; then
				words="$(_svm_cxlctl_options "$cmd") --help"
			else
				words=$(_svm_cxlctl_objects "$cmd" "$prog")
			fi ;;
		esac
	fi
	COMPREPLY=($(compgen -W "$words" -- "$cur"))
}
complete -F _svm_cxlctl svm-cxlctl

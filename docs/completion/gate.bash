# bash completion for gate: commands, subcommands, options and their
# values.  Installed as share/bash-completion/completions/gate; the options
# are those of `gate COMMAND --help` (ctest docs.completion checks that
# they agree).

_gate_registry_opts="--platform --jobs --creds --creds-stdin --authfile --ca-file
	--insecure-registry --cache --no-cache --connect-timeout --idle-timeout
	--retries --retry-budget --timeout --verbose --quiet"

_gate()
{
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
	local first=1 cmd opts
	COMPREPLY=()
	[ "${COMP_WORDS[1]}" = --check-args ] && first=2
	if [ "$COMP_CWORD" -eq "$first" ]; then
		opts="hash verify rules policy --version --help"
		[ "$first" = 1 ] && opts="$opts --check-args"
		COMPREPLY=($(compgen -W "$opts" -- "$cur"))
		return
	fi
	cmd=${COMP_WORDS[first]}
	case $prev in
	--format)
		case $cmd in
		hash) opts="text json" ;;
		verify) opts="text json sarif junit" ;;
		policy) opts="text json rego" ;;
		esac
		COMPREPLY=($(compgen -W "$opts" -- "$cur"))
		return ;;
	--input-format)
		COMPREPLY=($(compgen -W "auto arm aci-json aci-yaml k8s rego base64" -- "$cur"))
		return ;;
	-p|--parameters|--rules|--authfile|--ca-file|--ext4-out|-o|--output)
		COMPREPLY=($(compgen -f -- "$cur"))
		return ;;
	--cache)
		COMPREPLY=($(compgen -d -- "$cur"))
		return ;;
	--platform|--jobs|--creds|--insecure-registry|--connect-timeout|--idle-timeout|--retries|--retry-budget|--timeout)
		return ;;
	esac
	case $cmd in
	hash) opts="--tar --format --ext4-out $_gate_registry_opts" ;;
	verify) opts="--parameters --format --output --rules --audit --shard --search-tags $_gate_registry_opts" ;;
	rules|policy)
		if [ "$COMP_CWORD" -eq $((first + 1)) ]; then
			[ "$cmd" = rules ] && opts="list check" || opts="show hostdata"
			COMPREPLY=($(compgen -W "$opts --help" -- "$cur"))
			return
		fi
		case $cmd/${COMP_WORDS[first+1]} in
		policy/show) opts="--parameters --input-format --format" ;;
		policy/hostdata) opts="--parameters --input-format" ;;
		*) opts="" ;;
		esac ;;
	*) return ;;
	esac
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$opts --help" -- "$cur"))
	else
		COMPREPLY=($(compgen -f -- "$cur"))
	fi
}
complete -o filenames -F _gate gate

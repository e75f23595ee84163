#!/bin/sh
# cmake --install puts the program, its manual, the rule sets and the bash
# completion under the prefix:  check_install.sh BUILD_DIR SOURCE_DIR [CMAKE]
set -eu
build=$1 src=$2 cmake=${3:-cmake}
dest=$(mktemp -d)
trap 'rm -rf "$dest"' EXIT
DESTDIR=$dest "$cmake" --install "$build" --prefix /usr/local >/dev/null
fail=0
for f in bin/gate share/man/man1/gate.1 share/gate/rules/default.yaml \
	 share/gate/rules/strict.yaml share/bash-completion/completions/gate; do
	if [ ! -f "$dest/usr/local/$f" ]; then
		echo "FAIL not installed: \$prefix/$f"
		fail=1
	fi
done
# Every shipped rule set, not only the two named above.
for r in "$src"/rules/*; do
	cmp -s "$r" "$dest/usr/local/share/gate/rules/${r##*/}" || { echo "FAIL rules/${r##*/} not installed as is"; fail=1; }
done
[ -x "$dest/usr/local/bin/gate" ] && "$dest/usr/local/bin/gate" --version >/dev/null || { echo "FAIL the installed gate does not run"; fail=1; }
"$dest/usr/local/bin/gate" rules check "$dest/usr/local/share/gate/rules/strict.yaml" >/dev/null || { echo "FAIL the installed strict.yaml does not load"; fail=1; }
[ $fail = 0 ] && echo "installed: bin/gate, share/man/man1/gate.1, share/gate/rules/, share/bash-completion/completions/gate"
exit $fail

#!/bin/sh
# Regenerates server/link/hot-functions.txt: the functions `httpvet check`
# runs, which the linker lays out together, in this order, at the start of
# the code (see server/build.rs).
#
# Why: the kernel maps a program's code in 64 KB blocks around each page it
# runs, so code the check runs that is scattered over the binary's 4 MB
# makes nearly all of it resident (3 MB), even on a tiny file. A small
# check runs about 1 MB of functions, not the same ones for every file;
# laid out by how many files need them, about 2 MB is resident.
#
# How: callgrind records every function each run executes, in the release
# binary (linked once more with its symbols kept) and in the scale bench's
# binary (another profile, so other symbol hashes), each run checking one
# file. Symbol names stay valid across edits that keep a function's path
# and signature; a function missing from the list is placed after the
# listed ones, so a stale list costs memory, never correctness. Needs
# valgrind.
set -eu
cd "$(dirname "$0")/../.."
command -v valgrind >/dev/null || { echo "needs valgrind (apt-get install valgrind)" >&2; exit 1; }
out=server/link/hot-functions.txt
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cargo rustc --quiet --release -p httpvet --bin httpvet -- -C strip=none
cp target/release/httpvet "$work/httpvet"
bench=$(cargo bench --bench scale --no-run 2>&1 | sed -n 's/.*Executable .*(\(.*\)).*/\1/p')
[ -x "$bench" ] || { echo "no bench binary" >&2; exit 1; }

# Each run appends the functions it executed. Each run checks one file, the
# small handler below or one of the fixtures', the corpus's or the
# example's files, so that a function's count is the number of files whose
# check runs it: what nearly every check runs comes first, the paths that
# only some findings take come last.
cat >"$work/small.go" <<'GO'
package small

import "net/http"

func handle(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		http.Error(w, "method", http.StatusMethodNotAllowed)
		return
	}
	w.Write([]byte("ok"))
}
GO
profile() { # binary args...
    valgrind --tool=callgrind --demangle=no --callgrind-out-file="$work/cg" "$@" >/dev/null 2>&1 || true
    sed -n 's/^c\{0,1\}fn=([0-9]*) //p' "$work/cg" | sort -u >>"$work/executed"
    runs=$((runs + 1))
}
runs=0
for file in "$work/small.go" $(find tests/fixtures/hv0* tests/fixtures/mainpkg tests/fixtures/suppress \
    tests/corpus examples -name '*.go' | sort); do
    profile "$work/httpvet" check "$file"
    profile "$bench" --one check "$file"
done

# Every function defined in either binary, to drop the C library's and the
# loader's.
nm --defined-only "$work/httpvet" "$bench" | awk '$2 ~ /^[tTwW]$/ { print $3 }' | sort -u >"$work/defined"
# By count, most first; among equals, in the order first seen.
awk 'NR == FNR { defined[$1] = 1; next }
    $1 in defined { if (!($1 in first)) first[$1] = FNR; count[$1]++ }
    END { for (f in count) print count[f], first[f], f }' "$work/defined" "$work/executed" |
    sort -k1,1nr -k2,2n | awk '{ print $3 }' >"$out"
echo "$(wc -l <"$out") functions from $runs runs -> $out"
echo "target/release/httpvet is now the bench profile's: cargo build --release before using it"

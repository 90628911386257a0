#!/usr/bin/env bash
# man/photon-dct.1 documents every subcommand (a .SS heading of its own, at any depth) and every
# option that `photon-dct --help` and `photon-dct SUBCOMMAND... --help` show, so the two cannot
# drift apart. Usage: check-man-page.sh PHOTON_DCT_BINARY MAN_PAGE
set -euo pipefail
bin=$1
man_page=$2
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

# The page with roff's \- as a plain hyphen.
page=$(sed 's/\\-/-/g' "$man_page")
# Names in the first column of a CLI11 help section ("Options:", "Subcommands:").
section() { # HELP_TEXT SECTION
    awk -v s="$2:" '$0 == s {on = 1; next} /^[^ ]/ {on = 0} on && /^  [^ ]/ {print $1}' <<<"$1"
}
options_of() { # HELP_TEXT -> one option name per line (-q and --quiet from "-q,--quiet")
    section "$1" Options | tr ',' '\n' | grep -E '^-' || true
}
documented_option() { # NAME: the page names it as an option (not as part of a longer one)
    grep -qE -- "(^|[^-a-z0-9])$1([^-a-z0-9]|$)" <<<"$page"
}
check() { # SUBCOMMAND WORDS (none for the top level)
    local help
    help=$("$bin" "$@" --help)
    local name
    while read -r name; do
        documented_option "$name" || fail "photon-dct${*:+ $*} --help shows $name; the man page does not document it"
    done < <(options_of "$help")
    local sub
    while read -r sub; do
        [ -n "$sub" ] || continue
        grep -qE "^\.SS $sub( |$)" <<<"$page" || fail "photon-dct${*:+ $*} --help lists $sub; the man page has no .SS $sub"
        check "$@" "$sub"
    done < <(section "$help" Subcommands)
}

subcommands=$(section "$("$bin" --help)" Subcommands)
[ "$(wc -l <<<"$subcommands")" -ge 5 ] || { echo "could not read the subcommands from --help" >&2; exit 1; }
check
if [ "$failures" -ne 0 ]; then
    echo "$failures undocumented in $man_page" >&2
    exit 1
fi
echo "man page documents every subcommand and option --help shows"

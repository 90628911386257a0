#!/usr/bin/env bash
# The completion scripts `photon-dct completion bash|zsh|fish` prints must offer every subcommand
# and every option that `photon-dct --help` and `photon-dct SUBCOMMAND --help` show.
# bash and fish are asked for completions as a user's TAB would; zsh (whose completion system
# needs a terminal) is syntax-checked and its script is read per subcommand.
# Usage: check-completions.sh PHOTON_DCT_BINARY
set -euo pipefail
bin=$1
work=$(mktemp -d "${TMPDIR:-/tmp}/completions.XXXXXX")
trap 'rm -rf "$work"' EXIT
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

# Names in the first column of a CLI11 help section ("Options:", "Subcommands:").
section() { # HELP_TEXT SECTION
    awk -v s="$2:" '$0 == s {on = 1; next} /^[^ ]/ {on = 0} on && /^  [^ ]/ {print $1}' <<<"$1"
}
options_of() { # HELP_TEXT -> one option name per line (-q and --quiet from "-q,--quiet")
    section "$1" Options | tr ',' '\n' | grep -E '^-' || true
}

root_help=$("$bin" --help)
mapfile -t subcommands < <(section "$root_help" Subcommands)
[ ${#subcommands[@]} -ge 5 ] || { echo "could not read the subcommands from --help" >&2; exit 1; }
for shell in bash zsh fish; do "$bin" completion "$shell" >"$work/$shell"; done

bash -n "$work/bash" || fail "bash: syntax error"
bash_offers() { # WORDS... (the last one is being completed) -> completions, one per line
    bash -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _photon_dct_complete; printf "%s\n" "${COMPREPLY[@]}"' \
        _ "$work/bash" "$@"
}
have_fish=false
if command -v fish >/dev/null; then
    have_fish=true
    fish -n "$work/fish" || fail "fish: syntax error"
fi
fish_offers() { # COMMAND_LINE -> completions, one per line (without descriptions)
    fish -c 'source $argv[1]; complete -C $argv[2]' "$work/fish" "$1" | cut -f1
}
if command -v zsh >/dev/null; then zsh -n "$work/zsh" || fail "zsh: syntax error"; fi
zsh_block() { # PATH -> the script's case arm for that command path
    awk -v arm="    ('$1')" '$0 == arm {on = 1; next} on && /^    \(/ {exit} on' "$work/zsh"
}

expect() { # SHELL WHAT OFFERED NAME...
    local shell=$1 what=$2 offered=$3
    shift 3
    for name in "$@"; do grep -qxF -- "$name" <<<"$offered" || fail "$shell: '$name' not offered $what"; done
}

mapfile -t root_options < <(options_of "$root_help")
expect bash "after photon-dct" "$(bash_offers photon-dct '')" "${subcommands[@]}" "${root_options[@]}"
$have_fish && expect fish "after photon-dct" "$(fish_offers 'photon-dct '; fish_offers 'photon-dct -')" \
    "${subcommands[@]}" "${root_options[@]}"
zsh_root=$(zsh_block '')
for name in "${subcommands[@]}" "${root_options[@]}"; do
    grep -qF -- "'$name:" <<<"$zsh_root" || fail "zsh: '$name' not offered after photon-dct"
done

checked=$((${#subcommands[@]} + ${#root_options[@]}))
for sub in "${subcommands[@]}"; do
    mapfile -t options < <(options_of "$("$bin" "$sub" --help)")
    [ ${#options[@]} -gt 0 ] || fail "$sub --help lists no options (help format changed?)"
    expect bash "after photon-dct $sub" "$(bash_offers photon-dct "$sub" '')" "${options[@]}"
    $have_fish && expect fish "after photon-dct $sub" "$(fish_offers "photon-dct $sub -")" "${options[@]}"
    block=$(zsh_block "/$sub")
    for name in "${options[@]}"; do
        grep -qF -- "'$name:" <<<"$block" || fail "zsh: '$name' not offered after photon-dct $sub"
    done
    checked=$((checked + ${#options[@]}))
done

# Values: a choice list, and a file name for an option that takes a path.
expect bash "after restore-server --protocol" "$(bash_offers photon-dct restore-server --protocol '')" tcp udp
expect bash "after completion" "$(bash_offers photon-dct completion '')" bash zsh fish
touch "$work/unit.dct"
expect bash "after inspect --file" "$(cd "$work" && bash_offers photon-dct inspect --file u)" unit.dct
$have_fish && expect fish "after restore-server --protocol" "$(fish_offers 'photon-dct restore-server --protocol ')" tcp udp

echo "$checked names checked in bash, zsh$($have_fish && echo ", fish"); $failures failures"
[ "$failures" -eq 0 ]

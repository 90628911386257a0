#!/usr/bin/env bash
# Every "docs/<name>.md N.N" / "§N.N" citation in the code must name a section heading that exists
# in that document, so renumbering a document (or citing a section that was never written) fails.
# Usage: check-citations.sh SOURCE_DIR
set -euo pipefail
cd "$1"
status=0
checked=0
while IFS= read -r hit; do
    file=${hit%%:*}
    match=${hit#*:*:} # grep -n -o prints FILE:LINE:MATCH
    doc=$(grep -oE '^(dct-format|dfu-protocol|enter-dfu)\.md' <<<"$match")
    # The section numbers right after the document name: "§4.3", "5.1-5.3", "2, 3.3-3.5, 4.2", "sections 1.3, 2".
    tail=${match#"$doc"}
    numbers=$(sed -E 's/^[^0-9§]*(sections? )?//; s/^(((§|item )?[0-9]+(\.[0-9]+)?([-/][0-9]+(\.[0-9]+)?)*(, )?)*).*/\1/' <<<"$tail" |
        sed -E 's/item [0-9]+//g' | grep -oE '[0-9]+(\.[0-9]+)?' || true)
    for n in $numbers; do
        checked=$((checked + 1))
        if ! grep -qE "^#+ ${n//./\\.}\.? " "docs/$doc"; then
            echo "$file: cites docs/$doc section $n, which docs/$doc does not have" >&2
            status=1
        fi
    done
done < <(grep -rnoE '(dct-format|dfu-protocol|enter-dfu)\.md[^a-zA-Z]{0,60}' src include tests man README.md docs |
    grep -v '^tests/docs/')
echo "$checked section citations checked"
[ "$checked" -gt 0 ] || { echo "no citations found: the pattern is broken" >&2; exit 1; }
exit $status

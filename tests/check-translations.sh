#!/usr/bin/env bash
# Fails when a translatable message of the sources in po/POTFILES has no
# translation in one of the languages of po/LINGUAS, or a stale (fuzzy) one.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$top"
grep -v '^#' po/POTFILES | sed '/^$/d' > "$work/files"
xgettext --files-from="$work/files" --keyword=_ --keyword=N_ --from-code=UTF-8 \
  --language=C --output="$work/messages.pot"
status=0
for lang in $(cat po/LINGUAS); do
  msgmerge --quiet --no-fuzzy-matching "po/$lang.po" "$work/messages.pot" -o "$work/$lang.po"
  stats=$(msgfmt --check --statistics -o /dev/null "$work/$lang.po" 2>&1)
  echo "$lang: $stats"
  case "$stats" in
    *untranslated*|*fuzzy*) status=1 ;;
  esac
done
exit $status

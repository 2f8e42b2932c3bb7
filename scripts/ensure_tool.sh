#!/usr/bin/env bash
# Make sure a Debian-packaged tool is installed: `scripts/ensure_tool.sh PACKAGE PATH`.
# Missing and root with apt-get: install it. Otherwise stop at once with one line saying how.
set -euo pipefail
package="$1" path="$2"
[[ -x "$path" ]] && exit 0
if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null; then
    echo "installing Debian's $package (for $path)..." >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$package" >/dev/null
    [[ -x "$path" ]] && exit 0
fi
echo "$path is missing: install Debian's $package (apt-get install $package), then run again" >&2
exit 1

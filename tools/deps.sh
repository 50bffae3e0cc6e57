#!/usr/bin/env bash
# tools/deps.sh - install what FWL needs to build, test and run, and mount bpffs.
#
# Idempotent: installs only the Debian packages that are missing and is quiet
# when nothing is.  Must run as root (apt-get, mount).  Exit status is non-zero
# with a sentence naming the cause when something cannot be set up.
set -euo pipefail

# Build: compilers and libraries.  Run: iproute2/bpftool/xdp-tools/nftables.
# Tests: iputils-ping, netcat, tcpdump-free (we ship our own generators).
PKGS=(
	make gcc pkg-config clang llvm lld libclang-rt-dev
	libbpf-dev libxdp-dev libelf-dev zlib1g-dev libpcap-dev linux-libc-dev
	bpftool xdp-tools iproute2 nftables
	iputils-ping netcat-openbsd procps util-linux kmod python3 pv bc time
)

die() { echo "deps: $*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "must run as root (apt-get and mount need it); try: sudo $0"

missing=()
for p in "${PKGS[@]}"; do
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case "$st" in
	*"install ok installed"*) ;;
	*) missing+=("$p") ;;
	esac
done

if [ ${#missing[@]} -gt 0 ]; then
	echo "deps: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >/dev/null || die "apt-get update failed"
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/tmp/fwl-deps.log 2>&1 ||
		{ cat /tmp/fwl-deps.log >&2; die "apt-get install failed for: ${missing[*]}"; }
fi

# bpffs: fwld pins maps and links there.
if ! mountpoint -q /sys/fs/bpf; then
	mkdir -p /sys/fs/bpf
	mount -t bpf bpf /sys/fs/bpf || die "cannot mount bpffs on /sys/fs/bpf"
	echo "deps: mounted bpffs on /sys/fs/bpf"
fi

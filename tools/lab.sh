#!/usr/bin/env bash
# tools/lab.sh - a small network lab of namespaces and veth pairs.
#
#   lanhost ──veth── [lan] router [wan] ──veth── wanhost
#
#   router  lan 10.17.1.1/24  fd12:3456::1/64   (the proposal's LAN prefixes)
#           wan 203.0.113.1/24 2001:db8:f::1/64 (documentation prefixes)
#   lanhost eth0 10.17.1.10/24 fd12:3456::10/64, default via the router
#   wanhost eth0 203.0.113.2/24 2001:db8:f::2/64, default via the router
#
# Usage as a command:
#   tools/lab.sh up [ID]      create the lab, print its variables (KEY=VALUE)
#   tools/lab.sh down ID      remove it
#   tools/lab.sh exec ID ROLE CMD...   run CMD in ROLE's netns (router|lan|wan)
# Usage as a library (source it): lab_up [ID]; lab_exec ROLE CMD...;
#   lab_bg ROLE CMD... (background, killed by lab_down); lab_tcp ROLE ADDR
#   PORT; lab_ping ROLE ADDR; lab_down.
#   lab_up sets LAB_ID, LAB_NS_ROUTER, LAB_NS_LAN, LAB_NS_WAN and installs an
#   EXIT trap that tears the lab down, also when the caller fails.
#
# Names are "fwl<ID>-<role>" with a random ID, so two labs never collide.
# Commands enter namespaces with nsenter --net (not `ip netns exec`, which
# remounts /sys and would hide bpffs pins).

LAB_ROUTER_LAN4=10.17.1.1
LAB_ROUTER_WAN4=203.0.113.1
LAB_LAN4=10.17.1.10
LAB_WAN4=203.0.113.2
LAB_ROUTER_LAN6=fd12:3456::1
LAB_ROUTER_WAN6=2001:db8:f::1
LAB_LAN6=fd12:3456::10
LAB_WAN6=2001:db8:f::2

_lab_ns() { echo "fwl$1-$2"; }

lab_exec() {
	local role=$1; shift
	local ns
	case "$role" in
	router) ns=$LAB_NS_ROUTER ;;
	lan) ns=$LAB_NS_LAN ;;
	wan) ns=$LAB_NS_WAN ;;
	*) echo "lab: unknown role '$role' (router|lan|wan)" >&2; return 2 ;;
	esac
	nsenter --net="/var/run/netns/$ns" "$@"
}

# lab_bg ROLE CMD...: run CMD in ROLE's namespace in the background; lab_down
# kills it (deleting a namespace does not end its processes).
LAB_PIDS=()
lab_bg() {
	# exec: the background job is the command itself (nsenter execs it),
	# not a subshell whose child would outlive a kill.
	(
		case "$1" in
		router) ns=$LAB_NS_ROUTER ;;
		lan) ns=$LAB_NS_LAN ;;
		wan) ns=$LAB_NS_WAN ;;
		esac
		shift
		exec nsenter --net="/var/run/netns/$ns" "$@"
	) </dev/null >/dev/null 2>&1 &
	LAB_PIDS+=($!)
}

# lab_tcp ROLE ADDR PORT: 0 when a TCP connection from ROLE to ADDR:PORT
# opens within 1 s.
lab_tcp() {
	lab_exec "$1" nc -z -w 1 "$2" "$3" >/dev/null 2>&1
}

# lab_ping ROLE ADDR: 0 when one echo request is answered within 1 s.
lab_ping() {
	lab_exec "$1" ping -c 1 -W 1 -q "$2" >/dev/null 2>&1
}

_lab_down_id() {
	local id=$1 role
	for role in router lan wan; do
		ip netns del "$(_lab_ns "$id" "$role")" 2>/dev/null
	done
	ip link del "fwl$id-l" 2>/dev/null
	ip link del "fwl$id-w" 2>/dev/null
	return 0
}

lab_down() {
	local pid
	for pid in "${LAB_PIDS[@]}"; do
		pkill -P "$pid" 2>/dev/null
		kill "$pid" 2>/dev/null
	done
	LAB_PIDS=()
	[ -n "${LAB_ID:-}" ] || return 0
	_lab_down_id "$LAB_ID"
	LAB_ID=
}

_lab_setup() {
	local id=$1 r l w
	r=$(_lab_ns "$id" router); l=$(_lab_ns "$id" lan); w=$(_lab_ns "$id" wan)
	ip netns add "$r" && ip netns add "$l" && ip netns add "$w" || return 1
	# Each pair is created in the root namespace under unique names, then
	# moved and renamed, so parallel labs never clash.
	ip link add "fwl$id-l" type veth peer name "fwl$id-lr" || return 1
	ip link set "fwl$id-l" netns "$l" name eth0 || return 1
	ip link set "fwl$id-lr" netns "$r" name lan || return 1
	ip link add "fwl$id-w" type veth peer name "fwl$id-wr" || return 1
	ip link set "fwl$id-w" netns "$w" name eth0 || return 1
	ip link set "fwl$id-wr" netns "$r" name wan || return 1

	ip -n "$r" addr add $LAB_ROUTER_LAN4/24 dev lan
	ip -n "$r" addr add $LAB_ROUTER_WAN4/24 dev wan
	ip -n "$r" addr add $LAB_ROUTER_LAN6/64 dev lan nodad
	ip -n "$r" addr add $LAB_ROUTER_WAN6/64 dev wan nodad
	ip -n "$l" addr add $LAB_LAN4/24 dev eth0
	ip -n "$l" addr add $LAB_LAN6/64 dev eth0 nodad
	ip -n "$w" addr add $LAB_WAN4/24 dev eth0
	ip -n "$w" addr add $LAB_WAN6/64 dev eth0 nodad
	local ns
	for ns in "$r" "$l" "$w"; do
		ip -n "$ns" link set lo up
	done
	ip -n "$r" link set lan up && ip -n "$r" link set wan up || return 1
	ip -n "$l" link set eth0 up && ip -n "$w" link set eth0 up || return 1
	ip -n "$l" route add default via $LAB_ROUTER_LAN4
	ip -n "$w" route add default via $LAB_ROUTER_WAN4
	ip -n "$l" -6 route add default via $LAB_ROUTER_LAN6
	ip -n "$w" -6 route add default via $LAB_ROUTER_WAN6
	nsenter --net="/var/run/netns/$r" sysctl -qw net.ipv4.ip_forward=1 \
		net.ipv6.conf.all.forwarding=1 >/dev/null || return 1
	return 0
}

lab_up() {
	local id=${1:-$(printf '%04x%02x' $((RANDOM)) $(($$ % 256)))}
	if [ "$(id -u)" -ne 0 ]; then
		echo "lab: must run as root (network namespaces need it)" >&2
		return 1
	fi
	mkdir -p /var/run/netns
	if ip netns list | grep -q "^fwl$id-"; then
		echo "lab: a lab with id $id exists already" >&2
		return 1
	fi
	LAB_ID=$id
	LAB_NS_ROUTER=$(_lab_ns "$id" router)
	LAB_NS_LAN=$(_lab_ns "$id" lan)
	LAB_NS_WAN=$(_lab_ns "$id" wan)
	export LAB_ID LAB_NS_ROUTER LAB_NS_LAN LAB_NS_WAN
	trap 'lab_down' EXIT
	if ! _lab_setup "$id"; then
		echo "lab: setting up lab $id failed; removed it" >&2
		_lab_down_id "$id"
		return 1
	fi
	# Wait (bounded) until the router answers both hosts.
	local i
	for i in $(seq 1 50); do
		lab_exec lan ping -c1 -W1 -q $LAB_ROUTER_LAN4 >/dev/null 2>&1 &&
			lab_exec wan ping -c1 -W1 -q $LAB_ROUTER_WAN4 >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	echo "lab: lab $id did not come up (no ping within 5 s)" >&2
	return 1
}

if [ "${BASH_SOURCE[0]}" == "$0" ]; then
	set -u
	case "${1:-}" in
	up)
		lab_up "${2:-}" || exit 1
		trap - EXIT
		echo "LAB_ID=$LAB_ID"
		echo "LAB_NS_ROUTER=$LAB_NS_ROUTER"
		echo "LAB_NS_LAN=$LAB_NS_LAN"
		echo "LAB_NS_WAN=$LAB_NS_WAN"
		;;
	down)
		[ -n "${2:-}" ] || { echo "usage: $0 down ID" >&2; exit 2; }
		_lab_down_id "$2"
		;;
	exec)
		[ $# -ge 4 ] || { echo "usage: $0 exec ID ROLE CMD..." >&2; exit 2; }
		LAB_NS_ROUTER=$(_lab_ns "$2" router)
		LAB_NS_LAN=$(_lab_ns "$2" lan)
		LAB_NS_WAN=$(_lab_ns "$2" wan)
		shift 2
		lab_exec "$@"
		;;
	*)
		echo "usage: $0 up [ID] | down ID | exec ID ROLE CMD..." >&2
		exit 2
		;;
	esac
fi

#!/bin/sh
# banger debian guest: static network from the kernel command line
# (ip=CLIENT:SERVER:GATEWAY:NETMASK:HOSTNAME:DEVICE:AUTOCONF:DNS0), no DHCP.
set -u
mask2prefix() {
	case $1 in
	*.*.*.*) ;;
	*) echo "$1"; return ;;
	esac
	n=0
	for o in $(echo "$1" | tr . ' '); do
		while [ "$o" -gt 0 ]; do n=$((n + (o & 1))); o=$((o >> 1)); done
	done
	echo $n
}
ipconf=
for a in $(cat /proc/cmdline); do
	case $a in
	ip=*) ipconf=${a#ip=} ;;
	esac
done
ip link set lo up
[ -n "$ipconf" ] || exit 0
IFS=: read -r client server gw mask host dev auto dns0 rest <<EOT
$ipconf
EOT
dev=${dev:-eth0}
if [ -n "$host" ]; then
	hostname "$host"
	echo "$host" > /etc/hostname
fi
if [ -n "$client" ]; then
	ip addr replace "$client/$(mask2prefix "${mask:-24}")" dev "$dev"
	ip link set "$dev" up
	[ -n "$gw" ] && ip route replace default via "$gw"
fi
# bangerd's DNS on the gateway: NAME.vm and every other name (forwarded).
# A symlink (e.g. to a resolver's stub file) is replaced by a plain file.
if [ -n "${dns0:-}" ]; then
	rm -f /etc/resolv.conf
	printf 'nameserver %s\n' "$dns0" > /etc/resolv.conf
fi
exit 0

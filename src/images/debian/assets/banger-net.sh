#!/bin/sh
# banger debian guest: static network from the kernel command line
# (ip=CLIENT:SERVER:GATEWAY:NETMASK:HOSTNAME:DEVICE:AUTOCONF), no DHCP.
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
IFS=: read -r client server gw mask host dev auto <<EOT
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
exit 0

#!/bin/busybox sh
# banger minimal initramfs: load the virtio modules the Debian cloud kernel
# ships as modules, mount the root disk, switch to it. No udev.
B=/bin/busybox
$B mkdir -p /proc /sys /dev /newroot
$B mount -t proc proc /proc
$B mount -t sysfs sys /sys
$B mount -t devtmpfs dev /dev

# load-order lists modules dependencies-first (computed from modules.dep at build time).
while read -r m; do
	[ -n "$m" ] && $B insmod "/lib/modules/$m" 2>/dev/null
done < /lib/modules/load-order

root=/dev/vda
init=/sbin/init
for a in $($B cat /proc/cmdline); do
	case $a in
	root=*) root=${a#root=} ;;
	init=*) init=${a#init=} ;;
	esac
done

# virtio probing is asynchronous: wait up to 10 s for the root disk.
i=0
while [ ! -b "$root" ] && [ $i -lt 1000 ]; do $B usleep 10000; i=$((i + 1)); done
# noinit_itable: skip background inode-table zeroing (guest CPU is scarce under TCG).
if ! $B mount -t ext4 -o rw,noinit_itable "$root" /newroot; then
	echo "banger-initramfs: cannot mount root $root" > /dev/console
	$B poweroff -f
fi
$B umount /proc /sys
$B mount --move /dev /newroot/dev 2>/dev/null || $B umount /dev
exec $B switch_root /newroot "$init"

#!/bin/busybox sh
# /init of the systemd guest's initramfs: mount the installed Debian root the host
# shares over 9p (tag rootfs) read-only, under a tmpfs overlay (the cached image stays as
# built, every boot starts from it), and hand over to its systemd.
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
for m in netfs 9pnet 9pnet_virtio 9p overlay; do
	insmod /lib/$m.ko || { echo "sysguest-init: insmod $m failed" >/dev/console; poweroff -f; }
done
mkdir -p /lower /rw /newroot
mount -t 9p -o ro,trans=virtio,version=9p2000.L,msize=512000,cache=loose rootfs /lower ||
	{ echo "sysguest-init: cannot mount the root" >/dev/console; poweroff -f; }
mount -t tmpfs -o mode=0755 tmpfs /rw
mkdir -p /rw/upper /rw/work
mount -t overlay -o lowerdir=/lower,upperdir=/rw/upper,workdir=/rw/work overlay /newroot ||
	{ echo "sysguest-init: cannot mount the overlay" >/dev/console; poweroff -f; }
umount /proc /sys
mount --move /dev /newroot/dev 2>/dev/null || umount /dev
exec switch_root /newroot /lib/systemd/systemd

#!/bin/sh
# PID 1 of the conformance initramfs (test/kernel/build-initramfs.sh puts it at /init).
#
# Loads the modules listed in /etc/ext4wp/modules, sets up tracefs kprobes and events that
# show each write-path decision, then sources /ext4wp/jobs.sh (the output of
# `ext4-write-path workload --format sh`) with hooks that trace the `write` phase of every
# scenario. Results go to /out, which is written as a tar archive to the results disk
# (/dev/vdb by default) before powering off. Progress lines start with "EXT4WP:" on the
# console; the host harness reads them.
#
# Devices: $DEV (scratch, reformatted per scenario, default /dev/vda), $RESULTS (/dev/vdb).

export PATH=/bin:/sbin:/usr/bin:/usr/sbin
/bin/busybox mkdir -p /proc /sys /dev /tmp /out /mnt/ext4wp
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t sysfs sysfs /sys
/bin/busybox mount -t devtmpfs devtmpfs /dev 2>/dev/null
/bin/busybox --install -s /bin 2>/dev/null

say() { read -r up _ < /proc/uptime; echo "EXT4WP: [$up] $*" > /dev/console; }
die() {
	say "FATAL $*"
	echo "$*" > /out/FATAL
	finish
}
finish() {
	[ -n "$KALLSYMS_PID" ] && wait "$KALLSYMS_PID"
	echo "$(date +%s)" > /out/END
	sync
	if [ -b "$RESULTS" ]; then
		(cd /out && tar -c -f "$RESULTS" .) || say "FATAL cannot write results to $RESULTS"
		sync
	fi
	say "poweroff"
	poweroff -f
	sleep 60
}

[ -f /ext4wp/config ] && . /ext4wp/config
: "${DEV:=/dev/vda}"
: "${RESULTS:=/dev/vdb}"
MNT=/mnt/ext4wp
# Real e2fsprogs/xfsprogs/fio binaries: busybox applets of the same name are shadowed by
# calling these by full path.
MKFS_EXT4=/usr/sbin/mkfs.ext4
MOUNT=/bin/mount
UMOUNT=/bin/umount
XFS_IO=/usr/sbin/xfs_io
FIO=/usr/bin/fio
CHATTR=/usr/bin/chattr
LSATTR=/usr/bin/lsattr
FILEFRAG=/usr/sbin/filefrag
STAT=/bin/stat
export DEV MNT MKFS_EXT4 MOUNT UMOUNT XFS_IO FIO CHATTR LSATTR FILEFRAG STAT

say "boot $(uname -r)"
uname -r > /out/uname
date +%s > /out/START

# --- modules ---------------------------------------------------------------------------
while read -r m; do
	[ -n "$m" ] || continue
	name=$(basename "$m" .ko)
	grep -q "^$(echo "$name" | tr - _) " /proc/modules && continue
	insmod "/lib/modules/ext4wp/$m" 2>>/out/insmod.log || echo "insmod $m failed" >> /out/insmod.log
done < /etc/ext4wp/modules
grep -q '^ext4 ' /proc/modules || grep -qw ext4 /proc/filesystems || die "ext4 did not load: $(cat /out/insmod.log)"
cat /proc/modules > /out/modules
say "modules loaded"

# Wait (poll, bounded) for the virtio disks to appear.
n=0
while [ ! -b "$DEV" ] || [ ! -b "$RESULTS" ]; do
	n=$((n + 1))
	[ $n -gt 200 ] && die "block devices $DEV / $RESULTS did not appear"
	sleep 0.05
done

# The scratch disk behind device-mapper. During the write under test the table is a delay
# target: every write completes at least $WRITE_DELAY_MS ms after submission, as on a real
# device, so an AIO DIO is still in flight when iomap_dio_rw() drops its reference
# (-EIOCBQUEUED) instead of racing QEMU's completion. Preparation runs on a linear table
# (no delay); the switch suspends without freezing the filesystem (--nolockfs).
: "${WRITE_DELAY_MS:=30}"
DM=
if [ "$WRITE_DELAY_MS" != 0 ]; then
	sectors=$(blockdev --getsz "$DEV") || die "blockdev --getsz $DEV failed"
	LINEAR="0 $sectors linear $DEV 0"
	DELAY="0 $sectors delay $DEV 0 0 $DEV 0 $WRITE_DELAY_MS"
	/usr/sbin/dmsetup create --noudevsync ext4wp --table "$LINEAR" 2>>/out/insmod.log ||
		die "dmsetup create failed: $(cat /out/insmod.log)"
	n=0
	while [ ! -b /dev/dm-0 ]; do
		n=$((n + 1))
		[ $n -gt 200 ] && die "/dev/dm-0 did not appear"
		sleep 0.05
	done
	DM=ext4wp
	DEV=/dev/dm-0
	export DEV
fi
dm_table() { # TABLE: load it inactive; resume suspends (without freezing), swaps, resumes
	[ -n "$DM" ] || return 0
	/usr/sbin/dmsetup load --noudevsync $DM --table "$1" &&
		/usr/sbin/dmsetup resume --noudevsync --nolockfs $DM
}
echo "$DEV write-delay=${WRITE_DELAY_MS}ms (during the write under test)" > /out/device

# --- tracing ---------------------------------------------------------------------------
T=/sys/kernel/tracing
[ -d $T/events ] || mount -t tracefs tracefs $T || die "cannot mount tracefs"
echo 0 > $T/tracing_on
echo 8192 > $T/buffer_size_kb
echo > $T/trace
# ext4's text range: lock probes keep only callers inside ext4 (when ext4 is a module;
# a built-in ext4 gets no in-kernel filter, the host filters by symbol either way).
EXT4_BASE=
if grep -q '^ext4 ' /proc/modules; then
	set -- $(grep '^ext4 ' /proc/modules)
	EXT4_SIZE=$2
	EXT4_BASE=$6
	EXT4_END=$(printf '0x%x' $((EXT4_BASE + EXT4_SIZE)))
	echo "$EXT4_BASE $EXT4_END" > /out/ext4-range
fi
# The host symbolises callers with the kernel's symbols (reading kallsyms is slow under
# TCG: in the background). A module ext4 needs only its own; a built-in one all text.
if [ -n "$EXT4_BASE" ]; then
	grep -E '\[(ext4|jbd2)\]' /proc/kallsyms > /out/kallsyms &
else
	grep -E '^[0-9a-f]+ [tT] ' /proc/kallsyms > /out/kallsyms &
fi
KALLSYMS_PID=$!

probe() { # NAME DEFINITION
	if ! echo "$2" >> $T/kprobe_events 2>/dev/null; then
		echo "$1: $2" >> /out/probe-errors
		cat $T/error_log >> /out/probe-errors 2>/dev/null
	fi
}
# Request boundaries and the return value (ki_flags at +32, ki_pos at +8 of struct kiocb).
probe wi 'p:ext4wp/wi ext4_file_write_iter kiflags=+32(%di):x32 pos=+8(%di):s64'
probe wi_ret 'r:ext4wp/wi_ret ext4_file_write_iter ret=$retval:s64'
# Fallback: the buffered path inside a request, and what it wrote (filtered to ext4 callers).
probe bwi 'p:ext4wp/bwi ext4_buffered_write_iter kiflags=+32(%di):x32'
probe gpw_ret 'r:ext4wp/gpw_ret generic_perform_write ret=$retval:s64'
# The DIO: flags (bit 0 IOMAP_DIO_FORCE_WAIT) and what it returned.
probe dio 'p:ext4wp/dio iomap_dio_rw dio_flags=%r8:x32'
probe dio_ret 'r:ext4wp/dio_ret iomap_dio_rw ret=$retval:s64'
probe diowait 'p:ext4wp/diowait inode_dio_wait caller=$stack0:x64'
# Completion: flags bit 0 = IOMAP_DIO_UNWRITTEN; conversion; orphan list.
probe endio 'p:ext4wp/endio ext4_dio_write_end_io size=%si:s64 error=%dx:s32 flags=%cx:x32'
probe conv 'p:ext4wp/conv ext4_convert_unwritten_extents off=%dx:s64 len=%cx:s64 caller=$stack0:x64'
probe oadd 'p:ext4wp/oadd ext4_orphan_add caller=$stack0:x64'
probe odel 'p:ext4wp/odel ext4_orphan_del caller=$stack0:x64'
# i_rwsem: every rwsem op whose caller is in ext4 (the host keeps those on the inode's i_rwsem).
for f in down_read down_write up_read up_write downgrade_write; do
	probe $f "p:ext4wp/$f $f sem=%di:x64 caller=\$stack0:x64"
done
probe down_read_trylock 'r:ext4wp/down_read_trylock down_read_trylock ret=$retval:s32'
probe down_write_trylock 'r:ext4wp/down_write_trylock down_write_trylock ret=$retval:s32'

if [ -n "$EXT4_BASE" ]; then
	for f in down_read down_write up_read up_write downgrade_write diowait oadd odel conv; do
		[ -d $T/events/ext4wp/$f ] && echo "caller >= $EXT4_BASE && caller < $EXT4_END" > $T/events/ext4wp/$f/filter 2>>/out/probe-errors
	done
	for f in down_read_trylock down_write_trylock gpw_ret; do
		[ -d $T/events/ext4wp/$f ] && { echo "__probe_ret_ip >= $EXT4_BASE && __probe_ret_ip < $EXT4_END" > $T/events/ext4wp/$f/filter 2>>/out/probe-errors || echo "$f: no ret_ip filter" >> /out/probe-errors; }
	done
fi
echo 1 > $T/events/ext4wp/enable || die "cannot enable the ext4wp kprobe events"
for e in ext4/ext4_ext_map_blocks_enter ext4/ext4_ext_map_blocks_exit ext4/ext4_ind_map_blocks_enter \
	ext4/ext4_ind_map_blocks_exit ext4/ext4_da_write_begin ext4/ext4_write_begin iomap/iomap_dio_rw_begin \
	iomap/iomap_dio_complete; do
	if [ -d $T/events/$e ]; then echo 1 > $T/events/$e/enable; else echo "no event $e" >> /out/probe-errors; fi
done
cat $T/kprobe_events > /out/kprobe_events
say "tracing ready"

# --- hooks for the workload script -------------------------------------------------------
CUR=
ext4wp_begin() { # ID N
	CUR=/out/s$2
	mkdir -p "$CUR"
	echo "$1" > "$CUR/id"
	say "scenario $2 $1"
}
ext4wp_skip() {
	echo "$2" >> /out/skipped
}
ext4wp_end() {
	grep -q " $MNT " /proc/mounts && umount "$MNT"
	echo ok > "$CUR/done"
}
ext4wp_step() { # PHASE CMD...
	phase=$1
	shift
	case $phase in
	write)
		echo "$*" > "$CUR/write.cmd"
		dm_table "$DELAY" || echo "write: dm-delay table not loaded" >> "$CUR/failed"
		echo > $T/trace
		echo 1 > $T/tracing_on
		"$@" > "$CUR/write.out" 2>&1
		rc=$?
		echo 0 > $T/tracing_on
		dm_table "$LINEAR" || echo "write: dm linear table not restored" >> "$CUR/failed"
		echo $rc > "$CUR/write.rc"
		cat $T/trace > "$CUR/trace"
		;;
	before | after)
		echo "\$ $*" >> "$CUR/$phase"
		"$@" >> "$CUR/$phase" 2>&1
		;;
	*)
		read -r up _ < /proc/uptime
		echo "\$ [$phase] [$up] $*" >> "$CUR/steps"
		if ! "$@" >> "$CUR/steps" 2>&1; then
			echo "$phase: $*" >> "$CUR/failed"
			say "step failed in $(cat "$CUR/id"): $phase: $*"
		fi
		;;
	esac
}

[ -f /ext4wp/jobs.sh ] || die "no /ext4wp/jobs.sh"
. /ext4wp/jobs.sh
say "done"
finish

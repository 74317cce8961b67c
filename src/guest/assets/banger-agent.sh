#!/bin/sh
# banger guest agent. POSIX sh + busybox awk, no Node.js in the guest.
# Protocol: one JSON request per line {"id":N,"method":"health"|"ports"} or
# {"id":N,"method":"identity","params":{...}} (see identity below),
# one JSON response per line {"id":N,"ok":true,"result":{...}} or
# {"id":N,"ok":false,"error":"..."}.
# Transports: the QEMU virtio-serial port named org.banger.agent (default),
# or stdin/stdout with --stdio. Under Firecracker the image runs
# `banger-vsock listen 1023 agent --stdio` (banger-vsock.S): one agent per
# vsock connection, stdin and stdout that connection, exiting at its EOF.

PORT_NAME=org.banger.agent
# Tests only: a directory prefixed to every file the identity method touches
# (/etc/..., /dev/urandom, /proc/...), and a directory of stand-ins for the
# commands it runs. Both are empty in a real guest.
ROOT=${BANGER_AGENT_ROOT:-}
BIN=${BANGER_AGENT_BIN:-}

json_str() {
	# Escape for a JSON string: backslash, quote; control characters become spaces.
	printf '%s' "$1" | tr '\000-\037' ' ' | sed -e 's/\\/\\\\/g' -e 's/"/\\"/g'
}

health() {
	up=$(cut -d' ' -f1 /proc/uptime)
	load=$(cut -d' ' -f1-3 /proc/loadavg)
	printf '{"status":"ok","version":1,"hostname":"%s","uptime":%s,"load":"%s"}' \
		"$(json_str "$(hostname)")" "$up" "$load"
}

# Prints "proto address port inode" for every listening TCP socket and every
# unconnected UDP socket, decoded from /proc/net/{tcp,tcp6,udp,udp6}.
listening() {
	for f in tcp tcp6 udp udp6; do
		[ -r /proc/net/$f ] && awk -v proto=$f '
		function hex(s,   i, n) { n = 0; s = toupper(s); for (i = 1; i <= length(s); i++) n = n * 16 + index("0123456789ABCDEF", substr(s, i, 1)) - 1; return n }
		function v4(h) { return hex(substr(h,7,2)) "." hex(substr(h,5,2)) "." hex(substr(h,3,2)) "." hex(substr(h,1,2)) }
		function v6(h,   w, b, i, j, g, out, best, s, z) {
			b = ""
			for (w = 0; w < 4; w++) { s = substr(h, w*8+1, 8); b = b substr(s,7,2) substr(s,5,2) substr(s,3,2) substr(s,1,2) }
			out = ""
			for (i = 0; i < 8; i++) { g = sprintf("%x", hex(substr(b, i*4+1, 4))); out = out (i ? ":" : "") g }
			# compress the longest run of zero groups once, as inet_ntop does
			s = ":" out ":"
			for (j = 8; j >= 2; j--) { z = ""; for (i = 0; i < j; i++) z = z ":0"; z = z ":"; if (index(s, z)) { sub(z, "::", s); break } }
			sub(/^:/, "", s); sub(/:$/, "", s)
			if (s == "") s = "::"
			if (substr(s,1,1) == ":" && substr(s,1,2) != "::") s = ":" s
			if (substr(s,length(s),1) == ":" && substr(s,length(s)-1,2) != "::") s = s ":"
			return s
		}
		NR > 1 {
			split($2, la, ":"); split($3, ra, ":")
			if (proto ~ /^tcp/ && $4 != "0A") next
			if (proto ~ /^udp/ && (hex(ra[2]) != 0 || $4 != "07")) next
			addr = (length(la[1]) == 8) ? v4(la[1]) : v6(la[1])
			print (proto ~ /^tcp/ ? "tcp" : "udp"), addr, hex(la[2]), $10
		}' /proc/net/$f
	done
}

# Prints "inode pid" for every socket fd of every process (first pid wins).
socket_owners() {
	ls -l /proc/[0-9]*/fd 2>/dev/null | awk '
		/^\/proc\/[0-9]+\/fd:$/ { split($0, p, "/"); pid = p[3]; next }
		/socket:\[/ { s = $NF; gsub(/socket:\[|\]/, "", s); if (!(s in seen)) { seen[s] = 1; print s, pid } }'
}

ports() {
	owners=$(socket_owners)
	first=1
	printf '{"ports":['
	listening | while read -r proto addr port inode; do
		pid=$(printf '%s\n' "$owners" | awk -v i="$inode" '$1 == i { print $2; exit }')
		[ $first = 1 ] || printf ','
		first=0
		if [ -n "$pid" ]; then
			comm=$(cat /proc/$pid/comm 2>/dev/null)
			cmd=$(tr '\000' ' ' < /proc/$pid/cmdline 2>/dev/null | sed 's/ *$//')
			printf '{"proto":"%s","address":"%s","port":%s,"pid":%s,"process":"%s","cmdline":"%s"}' \
				"$proto" "$addr" "$port" "$pid" "$(json_str "$comm")" "$(json_str "$cmd")"
		else
			printf '{"proto":"%s","address":"%s","port":%s,"pid":null,"process":null,"cmdline":null}' "$proto" "$addr" "$port"
		fi
	done
	printf ']}'
}

# ---- identity: a restored VM (fork, warm start) learns who it is now ----

# Runs a command that changes the system. Tests set BANGER_AGENT_BIN to a
# directory of stand-ins: busybox sh runs its own applets before PATH, so a
# path is the only way to reach them.
run() {
	if [ -n "$BIN" ]; then
		run_cmd=$BIN/$1
		shift
		"$run_cmd" "$@"
	else
		"$@"
	fi
}

# Like run, for when BIN may be set: is the command there?
have() {
	if [ -n "$BIN" ]; then [ -x "$BIN/$1" ]; else command -v "$1" >/dev/null 2>&1; fi
}

# step STEP CMD ARGS...: runs CMD (stdout discarded: stdout is the protocol);
# on failure prints "STEP: CMD failed: <its stderr>" and returns 1.
step() {
	step_name=$1
	shift
	if step_err=$(run "$@" 2>&1 >/dev/null </dev/null); then
		return 0
	fi
	printf '%s: %s failed: %s' "$step_name" "$1" "$step_err"
	return 1
}

# The value of a string field "KEY":"..." (KEY is a constant of this script).
field_str() {
	printf '%s' "$1" | sed -n 's/.*"'"$2"'"[[:space:]]*:[[:space:]]*"\([^"]*\)".*/\1/p'
}

# The value of a number field "KEY":digits followed by , or }.
field_num() {
	printf '%s' "$1" | sed -n 's/.*"'"$2"'"[[:space:]]*:[[:space:]]*\([0-9][0-9]*\)[[:space:]]*[,}].*/\1/p'
}

valid_octet() {
	case $1 in
	[0-9] | [1-9][0-9] | 1[0-9][0-9] | 2[0-4][0-9] | 25[0-5]) return 0 ;;
	esac
	return 1
}

# Dotted quad, each part 0-255 without leading zeros.
valid_ipv4() {
	case $1 in
	'' | *[!0-9.]*) return 1 ;;
	esac
	v4_rest=$1
	for v4_i in 1 2 3; do
		v4_part=${v4_rest%%.*}
		[ "$v4_part" != "$v4_rest" ] || return 1
		valid_octet "$v4_part" || return 1
		v4_rest=${v4_rest#*.}
	done
	valid_octet "$v4_rest"
}

# The VM name rule: 1-63 of a-z 0-9 -, no - at either end.
valid_hostname() {
	case $1 in
	'' | *[!a-z0-9-]* | -* | *-) return 1 ;;
	esac
	[ ${#1} -le 63 ]
}

# Lower-case unicast MAC, not all zeros.
valid_mac() {
	case $1 in
	00:00:00:00:00:00) return 1 ;;
	[0-9a-f][02468ace]:[0-9a-f][0-9a-f]:[0-9a-f][0-9a-f]:[0-9a-f][0-9a-f]:[0-9a-f][0-9a-f]:[0-9a-f][0-9a-f]) return 0 ;;
	esac
	return 1
}

# 64-256 lower-case hex digits, an even number.
valid_seed() {
	case $1 in
	'' | *[!0-9a-f]*) return 1 ;;
	esac
	[ ${#1} -ge 64 ] && [ ${#1} -le 256 ] && [ $((${#1} % 2)) -eq 0 ]
}

hex_digit() {
	case $1 in
	0) hd=0 ;; 1) hd=1 ;; 2) hd=2 ;; 3) hd=3 ;; 4) hd=4 ;; 5) hd=5 ;; 6) hd=6 ;; 7) hd=7 ;;
	8) hd=8 ;; 9) hd=9 ;; a) hd=10 ;; b) hd=11 ;; c) hd=12 ;; d) hd=13 ;; e) hd=14 ;; f) hd=15 ;;
	*) return 1 ;;
	esac
}

# Prints a printf format of octal escapes (\ooo per byte) for a checked hex
# string: POSIX printf has no \x. The digits go through hex_digit's table, so
# no text from the request reaches arithmetic.
seed_format() {
	sf_rest=$1
	sf_out=
	while [ -n "$sf_rest" ]; do
		sf_pair=${sf_rest%"${sf_rest#??}"}
		sf_rest=${sf_rest#??}
		hex_digit "${sf_pair%?}" || return 1
		sf_hi=$hd
		hex_digit "${sf_pair#?}" || return 1
		sf_out="$sf_out\\$((sf_hi / 4))$((sf_hi % 4 * 2 + hd / 8))$((hd % 8))"
	done
	printf '%s' "$sf_out"
}

# Pids of the NAME processes whose parent is init: the listening server that
# init respawns (busybox inittab) or starts; its per-connection children have
# the server as parent and are left alone. Reads /proc with builtins only.
listeners() {
	for ls_dir in "$ROOT"/proc/[0-9]*; do
		case ${ls_dir##*/} in
		*[!0-9]*) continue ;;
		esac
		ls_comm=
		read -r ls_comm 2>/dev/null <"$ls_dir/comm" || continue
		[ "$ls_comm" = "$1" ] || continue
		ls_stat=
		read -r ls_stat 2>/dev/null <"$ls_dir/stat" || continue
		ls_stat=${ls_stat##*) }
		ls_ppid=${ls_stat#* }
		ls_ppid=${ls_ppid%% *}
		[ "$ls_ppid" = 1 ] && printf '%s\n' "${ls_dir##*/}"
	done
}

# New SSH host keys, in use before anything connects. Prints dropbear, openssh or none.
renew_host_keys() {
	if [ -e "$ROOT/usr/sbin/dropbear" ]; then
		rm -f "$ROOT"/etc/dropbear/dropbear_*_host_key || { printf 'ssh: cannot remove the dropbear host keys'; return 1; }
		# dropbear -R makes keys on the first connection; the running listener
		# still holds the old ones in memory, so stop it and init respawns it.
		for hk_pid in $(listeners dropbear); do
			step ssh kill "$hk_pid" || return 1
			hk_i=0
			while [ -e "$ROOT/proc/$hk_pid" ] && [ $hk_i -lt 40 ]; do
				sleep 0.05
				hk_i=$((hk_i + 1))
			done
		done
		printf dropbear
	elif [ -e "$ROOT/usr/sbin/sshd" ]; then
		rm -f "$ROOT"/etc/ssh/ssh_host_* || { printf 'ssh: cannot remove the openssh host keys'; return 1; }
		# ed25519 only: RSA generation takes seconds under software emulation.
		step ssh ssh-keygen -q -t ed25519 -N '' -C "root@$id_hostname" -f "$ROOT/etc/ssh/ssh_host_ed25519_key" || return 1
		if [ -d "$ROOT/run/systemd/system" ]; then
			# reload (sshd -t, then SIGHUP: sshd re-executes and reads the new
			# key), not restart: the image's ExecStartPre runs ssh-keygen -A,
			# which would make the slow RSA key again. Starts sshd if it is down.
			step ssh systemctl reload-or-restart ssh.service || return 1
		else
			for hk_pid in $(listeners sshd); do
				step ssh kill -HUP "$hk_pid" || return 1
			done
		fi
		printf openssh
	else
		printf none
	fi
}

# params: ip, prefix (8-30), gateway, dns, mac, hostname, seed (64-256 hex
# digits), time (Unix seconds). Every field is checked before anything runs.
# Then, in order: the seed into the kernel pool, the clock, new SSH host keys,
# the network on eth0 (address, MAC, default route, resolv.conf), the hostname.
# Prints the result object, or the error (and returns 1).
identity() {
	id_ip=$(field_str "$1" ip)
	id_prefix=$(field_num "$1" prefix)
	id_gateway=$(field_str "$1" gateway)
	id_dns=$(field_str "$1" dns)
	id_mac=$(field_str "$1" mac)
	id_hostname=$(field_str "$1" hostname)
	id_seed=$(field_str "$1" seed)
	id_time=$(field_num "$1" time)
	valid_ipv4 "$id_ip" || { printf 'ip must be an IPv4 address'; return 1; }
	case $id_prefix in
	[89] | [12][0-9] | 30) ;;
	*) printf 'prefix must be a number from 8 to 30'; return 1 ;;
	esac
	valid_ipv4 "$id_gateway" || { printf 'gateway must be an IPv4 address'; return 1; }
	valid_ipv4 "$id_dns" || { printf 'dns must be an IPv4 address'; return 1; }
	valid_mac "$id_mac" || { printf 'mac must be a lower-case unicast MAC address'; return 1; }
	valid_hostname "$id_hostname" || { printf 'hostname must be 1-63 of a-z, 0-9 and -, without - at either end'; return 1; }
	valid_seed "$id_seed" || { printf 'seed must be 64-256 lower-case hex digits, an even number'; return 1; }
	case $id_time in
	[1-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]) ;;
	*) printf 'time must be Unix seconds (10 digits)'; return 1 ;;
	esac

	# (a) Random state. Writing mixes the bytes into the input pool; the
	# RNDRESEEDCRNG ioctl (_IO('R', 7)) makes the kernel's generator use them
	# now rather than at its next reseed (up to a minute later): banger's
	# images carry banger-reseed (408 bytes, banger-reseed.S) for it; perl
	# (e.g. Debian's perl-base) does it too in images without it.
	id_fmt=$(seed_format "$id_seed") || { printf 'seed: cannot decode'; return 1; }
	# shellcheck disable=SC2059 # the format is octal escapes made by seed_format
	printf "$id_fmt" 2>/dev/null >"$ROOT/dev/urandom" || { printf 'seed: cannot write /dev/urandom'; return 1; }
	id_reseeded=false
	if have banger-reseed && run banger-reseed >/dev/null 2>&1 </dev/null; then
		id_reseeded=true
	elif have perl && run perl -e 'open(my $f, "<", $ARGV[0]) or exit 1; ioctl($f, 0x5207, 0) or exit 1' "$ROOT/dev/urandom" >/dev/null 2>&1 </dev/null; then
		id_reseeded=true
	fi

	# (b) Clock: the snapshot's time is stale. "@SECONDS" works in GNU and busybox date.
	step clock date -u -s "@$id_time" || return 1

	# (c) SSH host keys.
	id_keys=$(renew_host_keys) || { printf '%s' "$id_keys"; return 1; }

	# (d) Network (guests boot with net.ifnames=0: the NIC is eth0).
	step network ip link set eth0 down || return 1
	step network ip link set eth0 address "$id_mac" || return 1
	step network ip addr flush dev eth0 || return 1
	step network ip addr add "$id_ip/$id_prefix" dev eth0 || return 1
	step network ip link set eth0 up || return 1
	step network ip route replace default via "$id_gateway" || return 1
	# A symlink (e.g. to a resolver's stub file) is replaced by a plain file.
	rm -f "$ROOT/etc/resolv.conf"
	printf 'nameserver %s\n' "$id_dns" 2>/dev/null >"$ROOT/etc/resolv.conf" || { printf 'network: cannot write /etc/resolv.conf'; return 1; }

	# (e) Hostname; the old one in /etc/hosts (NAME or NAME.domain) becomes the new one.
	id_old=
	read -r id_old 2>/dev/null <"$ROOT/etc/hostname"
	step hostname hostname "$id_hostname" || return 1
	printf '%s\n' "$id_hostname" 2>/dev/null >"$ROOT/etc/hostname" || { printf 'hostname: cannot write /etc/hostname'; return 1; }
	if valid_hostname "$id_old" && [ "$id_old" != "$id_hostname" ] && [ -f "$ROOT/etc/hosts" ]; then
		id_err=$(awk -v old="$id_old" -v new="$id_hostname" '
			$1 !~ /^#/ {
				for (i = 2; i <= NF; i++) {
					if ($i == old) $i = new
					else if (index($i, old ".") == 1) $i = new substr($i, length(old) + 1)
				}
			}
			{ print }' "$ROOT/etc/hosts" 2>&1 >"$ROOT/etc/hosts.banger-new") &&
			id_err=$(cat "$ROOT/etc/hosts.banger-new" 2>&1 >"$ROOT/etc/hosts")
		id_hosts_rc=$?
		rm -f "$ROOT/etc/hosts.banger-new"
		[ $id_hosts_rc = 0 ] || { printf 'hostname: cannot rewrite /etc/hosts: %s' "$(json_str "$id_err")"; return 1; }
	fi

	printf '{"hostname":"%s","ip":"%s","hostKeys":"%s","reseeded":%s}' "$id_hostname" "$id_ip" "$id_keys" "$id_reseeded"
}

handle() {
	line=$1
	id=$(printf '%s' "$line" | sed -n 's/.*"id"[[:space:]]*:[[:space:]]*\([0-9][0-9]*\).*/\1/p')
	[ -n "$id" ] || id=null
	method=$(printf '%s' "$line" | sed -n 's/.*"method"[[:space:]]*:[[:space:]]*"\([a-z_]*\)".*/\1/p')
	case $method in
	health) printf '{"id":%s,"ok":true,"result":%s}\n' "$id" "$(health)" ;;
	ports) printf '{"id":%s,"ok":true,"result":%s}\n' "$id" "$(ports)" ;;
	identity)
		# A subshell: its variables stay there; stdin is the transport (the
		# virtio port or the vsock connection), so commands get /dev/null.
		if out=$(identity "$line" </dev/null); then
			printf '{"id":%s,"ok":true,"result":%s}\n' "$id" "$out"
		else
			printf '{"id":%s,"ok":false,"error":"%s"}\n' "$id" "$(json_str "$out")"
		fi
		;;
	*) printf '{"id":%s,"ok":false,"error":"unknown method %s"}\n' "$id" "$(json_str "$method")" ;;
	esac
}

serve() {
	while IFS= read -r line; do
		[ -n "$line" ] && handle "$line"
	done
}

find_port() {
	for d in /sys/class/virtio-ports/*; do
		[ "$(cat "$d/name" 2>/dev/null)" = "$PORT_NAME" ] && { echo "/dev/${d##*/}"; return 0; }
	done
	return 1
}

case $1 in
--stdio) serve ;;
--once) handle "$2" ;;
*)
	# The port reads EOF while no host is connected; reopen and keep serving.
	# One read-write open: a virtio port refuses a second open (EBUSY).
	# The port is found once (find_port forks); the reopen loop itself forks at
	# most `sleep`, so a short period costs an idle guest little, and a guest
	# restored from a snapshot hears bangerd within 0.2 s.
	dev=
	while [ -z "$dev" ]; do
		dev=$(find_port) || { dev=; sleep 1; }
	done
	while :; do
		[ -e "$dev" ] || dev=$(find_port) || { sleep 1; continue; }
		serve <>"$dev" >&0
		sleep 0.2
	done
	;;
esac

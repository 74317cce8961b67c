#!/bin/sh
# banger guest agent. POSIX sh + busybox awk, no Node.js in the guest.
# Protocol: one JSON request per line {"id":N,"method":"health"|"ports"},
# one JSON response per line {"id":N,"ok":true,"result":{...}} or
# {"id":N,"ok":false,"error":"..."}.
# Transports: the QEMU virtio-serial port named org.banger.agent (default),
# or stdin/stdout with --stdio (Firecracker: socat VSOCK-LISTEN ... EXEC:agent --stdio).

PORT_NAME=org.banger.agent

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

handle() {
	line=$1
	id=$(printf '%s' "$line" | sed -n 's/.*"id"[[:space:]]*:[[:space:]]*\([0-9][0-9]*\).*/\1/p')
	[ -n "$id" ] || id=null
	method=$(printf '%s' "$line" | sed -n 's/.*"method"[[:space:]]*:[[:space:]]*"\([a-z_]*\)".*/\1/p')
	case $method in
	health) printf '{"id":%s,"ok":true,"result":%s}\n' "$id" "$(health)" ;;
	ports) printf '{"id":%s,"ok":true,"result":%s}\n' "$id" "$(ports)" ;;
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
	while :; do
		dev=$(find_port) || { sleep 1; continue; }
		serve <>"$dev" >&0
		sleep 0.5
	done
	;;
esac

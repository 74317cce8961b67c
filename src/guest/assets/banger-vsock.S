# Build: as -o v.o banger-vsock.S && ld -static -s --build-id=none -z noseparate-code -o banger-vsock v.o
# (test/unit/guest/vsock-tool.test.ts checks the committed binary is exactly this.)
#
# banger-vsock: the guest end of the agent's vsock transport (Firecracker).
# Static, no libc: the images carry no socat, and busybox has no AF_VSOCK.
#
#   banger-vsock listen PORT PROGRAM [ARG...]
#     Listens on vsock PORT of any local CID. Each connection gets its own
#     PROGRAM with the connection as stdin and stdout (stderr and the
#     environment are the listener's). Children are reaped by the kernel.
#     If the socket cannot be set up (no vsock module, port taken) it sleeps
#     2 s, then exits with the errno, so the supervisor's respawn is slow.
#   banger-vsock connect CID PORT
#     Copies stdin to the connection (then shuts down its sending side) and
#     the connection to stdout, until the peer closes. For tests and
#     debugging inside a guest (vsock_loopback: CID 1).
#
# Numbers are decimal, 0-4294967295. Bad usage prints the usage on stderr and
# exits 22 (EINVAL); any other failure exits with the errno.

	.set SYS_read, 0
	.set SYS_write, 1
	.set SYS_close, 3
	.set SYS_poll, 7
	.set SYS_rt_sigaction, 13
	.set SYS_dup2, 33
	.set SYS_nanosleep, 35
	.set SYS_socket, 41
	.set SYS_connect, 42
	.set SYS_shutdown, 48
	.set SYS_bind, 49
	.set SYS_listen, 50
	.set SYS_fork, 57
	.set SYS_execve, 59
	.set SYS_exit, 60
	.set SYS_accept4, 288
	.set AF_VSOCK, 40
	.set SOCK_STREAM, 1
	.set SOCK_CLOEXEC, 0x80000
	.set VMADDR_CID_ANY, 0xffffffff
	.set SIGCHLD, 17
	.set SA_NOCLDWAIT, 2
	.set SHUT_WR, 1
	.set POLLIN, 1
	.set EINTR, 4
	.set EINVAL, 22
	.set BUFSZ, 4096

	.globl _start
	.text
_start:
	mov (%rsp), %r12          # argc
	lea 8(%rsp), %r13         # argv
	lea 16(%rsp,%r12,8), %r14 # envp: after argv's NULL
	cmp $4, %r12
	jb usage
	mov 8(%r13), %rdi
	lea s_listen(%rip), %rsi
	call streq
	je listen
	mov 8(%r13), %rdi
	lea s_connect(%rip), %rsi
	call streq
	jne usage
	cmp $4, %r12
	jne usage

# ---- connect CID PORT ----
	mov 16(%r13), %rdi
	call parse_u32
	mov %eax, %r15d           # cid
	mov 24(%r13), %rdi
	call parse_u32
	mov %eax, %r12d           # port
	call vsock_socket
	js fail
	sub $16, %rsp             # struct sockaddr_vm
	movl $AF_VSOCK, (%rsp)    # svm_family, svm_reserved1
	mov %r12d, 4(%rsp)        # svm_port
	mov %r15d, 8(%rsp)        # svm_cid
	movl $0, 12(%rsp)         # svm_flags, svm_zero
	mov $SYS_connect, %eax
	mov %ebx, %edi
	mov %rsp, %rsi
	mov $16, %edx
	syscall
	test %eax, %eax
	js fail
	# struct pollfd[2] {fd, events, revents} at (%rsp), the buffer after it.
	sub $(16 + BUFSZ), %rsp
	movl $0, (%rsp)           # stdin
	movl $POLLIN, 4(%rsp)
	mov %ebx, 8(%rsp)         # the connection
	movl $POLLIN, 12(%rsp)
relay:
	mov $SYS_poll, %eax
	mov %rsp, %rdi
	mov $2, %esi
	mov $-1, %edx
	syscall
	cmp $-EINTR, %eax
	je relay
	test %eax, %eax
	js fail
	cmpw $0, 14(%rsp)         # connection readable, closed or failed
	je 1f
	mov $SYS_read, %eax
	mov %ebx, %edi
	lea 16(%rsp), %rsi
	mov $BUFSZ, %edx
	syscall
	test %rax, %rax
	js fail
	jz done                   # the peer closed: all its output is out
	mov $1, %edi
	mov %rax, %rdx
	call write_all
1:
	cmpw $0, 6(%rsp)          # stdin readable or at its end
	je relay
	mov $SYS_read, %eax
	xor %edi, %edi
	lea 16(%rsp), %rsi
	mov $BUFSZ, %edx
	syscall
	test %rax, %rax
	js fail
	jz 2f
	mov %ebx, %edi
	mov %rax, %rdx
	call write_all
	jmp relay
2:	# End of stdin: tell the peer (it sees EOF, can still answer), stop polling stdin.
	mov $SYS_shutdown, %eax
	mov %ebx, %edi
	mov $SHUT_WR, %esi
	syscall
	test %eax, %eax
	js fail
	movl $-1, (%rsp)
	movw $0, 6(%rsp)
	jmp relay

# ---- listen PORT PROGRAM [ARG...] ----
listen:
	mov 16(%r13), %rdi
	call parse_u32
	mov %eax, %r15d           # port
	call vsock_socket
	js setup_fail
	sub $16, %rsp
	movl $AF_VSOCK, (%rsp)
	mov %r15d, 4(%rsp)
	movl $VMADDR_CID_ANY, 8(%rsp)
	movl $0, 12(%rsp)
	mov $SYS_bind, %eax
	mov %ebx, %edi
	mov %rsp, %rsi
	mov $16, %edx
	syscall
	test %eax, %eax
	js setup_fail
	mov $SYS_listen, %eax
	mov %ebx, %edi
	mov $16, %esi
	syscall
	test %eax, %eax
	js setup_fail
	# SIGCHLD: default action, but SA_NOCLDWAIT, so exited children are
	# reaped by the kernel. Not SIG_IGN: an ignored SIGCHLD survives execve
	# and would break the shell's waits in PROGRAM; execve resets the flags.
	sub $32, %rsp             # struct kernel_sigaction {handler, flags, restorer, mask}
	movq $0, (%rsp)
	movq $SA_NOCLDWAIT, 8(%rsp)
	movq $0, 16(%rsp)
	movq $0, 24(%rsp)
	mov $SYS_rt_sigaction, %eax
	mov $SIGCHLD, %edi
	mov %rsp, %rsi
	xor %edx, %edx
	mov $8, %r10d
	syscall
	test %eax, %eax
	js setup_fail
accept:
	mov $SYS_accept4, %eax
	mov %ebx, %edi
	xor %esi, %esi
	xor %edx, %edx
	xor %r10d, %r10d          # no CLOEXEC: the child closes it after dup2
	syscall
	test %eax, %eax
	js 1f
	mov %eax, %ebp            # the connection
	mov $SYS_fork, %eax
	syscall
	test %eax, %eax
	jz child
	mov %rax, %r12
	mov $SYS_close, %eax
	mov %ebp, %edi
	syscall
	test %r12, %r12
	jns accept
1:	# accept or fork failed (out of fds or memory, a peer gone): retry, not hot.
	xor %edi, %edi
	mov $100000000, %esi
	call nap
	jmp accept

child:
	mov $SYS_dup2, %eax
	mov %ebp, %edi
	xor %esi, %esi
	syscall
	test %eax, %eax
	js fail
	mov $SYS_dup2, %eax
	mov %ebp, %edi
	mov $1, %esi
	syscall
	test %eax, %eax
	js fail
	cmp $1, %ebp              # the connection was already fd 0 or 1: keep it
	jbe 1f
	mov $SYS_close, %eax
	mov %ebp, %edi
	syscall
1:	# The listening socket is close-on-exec.
	mov $SYS_execve, %eax
	mov 24(%r13), %rdi
	lea 24(%r13), %rsi
	mov %r14, %rdx
	syscall
	jmp fail

setup_fail:
	mov %eax, %ebx
	mov $2, %edi
	xor %esi, %esi
	call nap
	mov %ebx, %eax
fail:
	neg %eax
	mov %eax, %edi
exit:
	mov $SYS_exit, %eax
	syscall

done:
	xor %edi, %edi
	jmp exit

usage:
	mov $SYS_write, %eax
	mov $2, %edi
	lea s_usage(%rip), %rsi
	mov $(s_usage_end - s_usage), %edx
	syscall
	mov $EINVAL, %edi
	jmp exit

# ---- helpers ----

# socket(AF_VSOCK, SOCK_STREAM|SOCK_CLOEXEC) -> %ebx and %eax; SF set on failure.
vsock_socket:
	mov $SYS_socket, %eax
	mov $AF_VSOCK, %edi
	mov $(SOCK_STREAM | SOCK_CLOEXEC), %esi
	xor %edx, %edx
	syscall
	mov %eax, %ebx
	test %eax, %eax
	ret

# nanosleep(%rdi s + %rsi ns)
nap:
	push %rsi
	push %rdi
	mov $SYS_nanosleep, %eax
	mov %rsp, %rdi
	xor %esi, %esi
	syscall
	add $16, %rsp
	ret

# write(%edi, %rsi, %rdx) until all is written; fails the program on error.
write_all:
	mov $SYS_write, %eax
	syscall
	test %rax, %rax
	js fail
	add %rax, %rsi
	sub %rax, %rdx
	jnz write_all
	ret

# Compares the strings at %rdi and %rsi: ZF set if equal.
streq:
	mov (%rdi), %al
	cmp (%rsi), %al
	jne 1f
	inc %rdi
	inc %rsi
	test %al, %al
	jnz streq
1:
	ret

# The decimal number at %rdi (1+ digits, at most 2^32-1) -> %eax, else usage.
parse_u32:
	xor %eax, %eax
	cmpb $0, (%rdi)
	je usage
1:
	movzbl (%rdi), %ecx
	test %ecx, %ecx
	jz 2f
	sub $'0', %ecx
	cmp $9, %ecx
	ja usage
	imul $10, %rax, %rax
	add %rcx, %rax
	mov $0xffffffff, %edx
	cmp %rdx, %rax
	ja usage
	inc %rdi
	jmp 1b
2:
	ret

s_listen:
	.asciz "listen"
s_connect:
	.asciz "connect"
s_usage:
	.ascii "usage: banger-vsock listen PORT PROGRAM [ARG...] | banger-vsock connect CID PORT\n"
s_usage_end:

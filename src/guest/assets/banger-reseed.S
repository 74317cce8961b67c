# Build: as -o r.o banger-reseed.S && ld -static -s --build-id=none -z noseparate-code -o banger-reseed r.o
# (test/unit/guest/reseed-tool.test.ts checks the committed binary is exactly this.)
# banger-reseed: RNDRESEEDCRNG on /dev/urandom (needs CAP_SYS_ADMIN). Exit 0 on success, else errno.
	.globl _start
	.text
_start:
	mov $2, %eax              # open(path, O_WRONLY)
	lea path(%rip), %rdi
	mov $1, %esi
	xor %edx, %edx
	syscall
	test %eax, %eax
	js fail
	mov %eax, %edi            # ioctl(fd, RNDRESEEDCRNG = _IO('R', 0x07), 0)
	mov $16, %eax
	mov $0x5207, %esi
	xor %edx, %edx
	syscall
	test %eax, %eax
	js fail
	xor %edi, %edi
	jmp out
fail:
	mov %eax, %edi
	neg %edi
out:
	mov $60, %eax             # exit(status)
	syscall
path:
	.asciz "/dev/urandom"

/**
 * VM size limits: the one place the CLI's flag checks, the RPC schemas and the
 * daemon's record factory read them from, so a size the CLI accepts is one
 * the daemon accepts and `vm set` is bounded like `vm create`.
 */

/** Virtual CPUs per VM. */
export const VCPU_LIMITS = { min: 1, max: 64 } as const;

/** Guest memory in MiB: below 128 the guest kernel cannot boot; 256 GiB is far past any workstation (a typo like 20000G is caught). */
export const MEMORY_MIB_LIMITS = { min: 128, max: 256 * 1024 } as const;

/**
 * Work disk and system overlay sizes in bytes: 256 MiB holds the image's work seed with room to
 * spare; 2 TiB is past any local disk banger expects (a typo like 999T is caught).
 */
export const DISK_SIZE_LIMITS = { min: 256 * 1024 ** 2, max: 2 * 1024 ** 4 } as const;

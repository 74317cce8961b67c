/** Build/import progress: a step name ("kernel.fetch", "rootfs.mkfs"...) and a short human detail. */
export type ProgressFn = (step: string, detail?: string) => void;

export const noProgress: ProgressFn = () => undefined;

import type { Database, Statement } from 'better-sqlite3';
import { ConflictError, NotFoundError } from '../errors/index.js';
import { legacyImageSource, type Image } from '../model/index.js';
import { ImageSourceSchema } from '../model/schemas.js';
import { decodeColumn, decodeEnum, ImageProfileSchema } from './codecs.js';
import { isUniqueViolation } from './sqlite-errors.js';
import { statementCache } from './statements.js';

interface ImageRow {
  id: string;
  name: string;
  profile: string;
  managed: number;
  artifact_dir: string;
  rootfs_path: string;
  work_seed_path: string | null;
  kernel_path: string;
  vmlinux_path: string | null;
  initrd_path: string | null;
  modules_dir: string | null;
  kernel_args: string | null;
  size_bytes: number | null;
  ssh_key_fingerprint: string | null;
  /** Absent (undefined) when a read-only reader (doctor) opens a database still at v5. */
  source_json?: string | null;
  created_at: string;
  updated_at: string;
}

/** Typed access to the `images` table. Every write is one statement. */
export class ImagesRepo {
  private readonly sql: (sql: string) => Statement;

  constructor(private readonly db: Database) {
    this.sql = statementCache(db);
  }

  list(): Image[] {
    return (this.sql('SELECT * FROM images ORDER BY name').all() as ImageRow[]).map(toImage);
  }

  getById(id: string): Image | undefined {
    const row = this.sql('SELECT * FROM images WHERE id = ?').get(id) as ImageRow | undefined;
    return row && toImage(row);
  }

  getByName(name: string): Image | undefined {
    const row = this.sql('SELECT * FROM images WHERE name = ?').get(name) as ImageRow | undefined;
    return row && toImage(row);
  }

  /** By name or id: the one image lookup (vm.create, image.show/delete, the images service). */
  find(ref: string): Image | undefined {
    return this.getByName(ref) ?? this.getById(ref);
  }

  /** find, or NotFoundError naming `banger image list`. */
  resolve(ref: string): Image {
    const image = this.find(ref);
    if (!image) throw new NotFoundError(`no image named "${ref}"`, { code: 'image.not_found', hint: 'see the names with: banger image list, or build one: banger image build' });
    return image;
  }

  /**
   * The oldest image pulled as this manifest digest (`source.digest`), through
   * the expression index of migration 006; undefined when none was.
   */
  findByPulledDigest(digest: string): Image | undefined {
    const row = this.sql(
      `SELECT * FROM images WHERE json_extract(source_json, '$.digest') = ? AND json_extract(source_json, '$.kind') = 'pull'
       ORDER BY created_at, id LIMIT 1`,
    ).get(digest) as ImageRow | undefined;
    return row && toImage(row);
  }

  /** @throws ConflictError when the name or id is taken. */
  insert(image: Image): void {
    try {
      this.sql(
          `INSERT INTO images (id, name, profile, managed, artifact_dir, rootfs_path, work_seed_path, kernel_path, vmlinux_path,
             initrd_path, modules_dir, kernel_args, size_bytes, ssh_key_fingerprint, source_json, created_at, updated_at)
           VALUES (@id, @name, @profile, @managed, @artifact_dir, @rootfs_path, @work_seed_path, @kernel_path, @vmlinux_path,
             @initrd_path, @modules_dir, @kernel_args, @size_bytes, @ssh_key_fingerprint, @source_json, @created_at, @updated_at)`,
        )
        .run(toRow(image));
    } catch (err) {
      if (isUniqueViolation(err)) {
        throw new ConflictError(`image "${image.name}" already exists`, {
          code: 'image.exists',
          hint: `pick another name, or delete it first: banger image delete ${image.name}`,
        });
      }
      throw err;
    }
  }

  /** Replaces every column of an existing row. Returns false when no row has that id. */
  update(image: Image): boolean {
    const res = this.sql(
        `UPDATE images SET name=@name, profile=@profile, managed=@managed, artifact_dir=@artifact_dir,
           rootfs_path=@rootfs_path, work_seed_path=@work_seed_path, kernel_path=@kernel_path, vmlinux_path=@vmlinux_path,
           initrd_path=@initrd_path, modules_dir=@modules_dir, kernel_args=@kernel_args, size_bytes=@size_bytes,
           ssh_key_fingerprint=@ssh_key_fingerprint, source_json=@source_json, updated_at=@updated_at
         WHERE id=@id`,
      )
      .run(toRow(image));
    return res.changes > 0;
  }

  /**
   * Records the vmlinux extracted for an image built before images carried one.
   * `updated_at` stays: the image boots the same kernel, so warm snapshots keyed
   * on it (src/snapshots/warm.ts) stay valid. Returns false when no row has that id.
   */
  setVmlinuxPath(id: string, path: string): boolean {
    return this.sql('UPDATE images SET vmlinux_path = ? WHERE id = ?').run(path, id).changes > 0;
  }

  /** Returns false when no row had that id. Fails with a FOREIGN KEY error while VMs use the image. */
  delete(id: string): boolean {
    return this.sql('DELETE FROM images WHERE id = ?').run(id).changes > 0;
  }
}

function toImage(row: ImageRow): Image {
  const profile = decodeEnum(ImageProfileSchema, row.profile, { table: 'images', id: row.id, column: 'profile' });
  const image: Image = {
    id: row.id,
    name: row.name,
    profile,
    managed: row.managed !== 0,
    artifactDir: row.artifact_dir,
    rootfsPath: row.rootfs_path,
    kernelPath: row.kernel_path,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
  if (row.work_seed_path !== null) image.workSeedPath = row.work_seed_path;
  if (row.vmlinux_path !== null) image.vmlinuxPath = row.vmlinux_path;
  if (row.initrd_path !== null) image.initrdPath = row.initrd_path;
  if (row.modules_dir !== null) image.modulesDir = row.modules_dir;
  if (row.kernel_args !== null) image.kernelArgs = row.kernel_args;
  if (row.size_bytes !== null) image.sizeBytes = row.size_bytes;
  if (row.ssh_key_fingerprint !== null) image.sshKeyFingerprint = row.ssh_key_fingerprint;
  // Rows older than v6 carry no source: derived here on every read, never written back (see legacyImageSource).
  image.source =
    row.source_json === null || row.source_json === undefined
      ? legacyImageSource(profile)
      : decodeColumn(ImageSourceSchema, row.source_json, { table: 'images', id: row.id, column: 'source_json' });
  return image;
}

function toRow(image: Image): ImageRow {
  return {
    id: image.id,
    name: image.name,
    profile: image.profile,
    managed: image.managed ? 1 : 0,
    artifact_dir: image.artifactDir,
    rootfs_path: image.rootfsPath,
    work_seed_path: image.workSeedPath ?? null,
    kernel_path: image.kernelPath,
    vmlinux_path: image.vmlinuxPath ?? null,
    initrd_path: image.initrdPath ?? null,
    modules_dir: image.modulesDir ?? null,
    kernel_args: image.kernelArgs ?? null,
    size_bytes: image.sizeBytes ?? null,
    ssh_key_fingerprint: image.sshKeyFingerprint ?? null,
    source_json: image.source ? JSON.stringify(image.source) : null,
    created_at: image.createdAt,
    updated_at: image.updatedAt,
  };
}

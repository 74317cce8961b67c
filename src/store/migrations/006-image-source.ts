import type { Migration } from './types.js';

/**
 * Version 6: `images.source_json`, where an image came from (src/model
 * ImageSource: a profile build, an import of a path, or a registry pull with
 * its manifest digest). NULL for older rows: the store derives one from the
 * profile when it reads them, and leaves the row as it is.
 *
 * The index makes `ImagesRepo.findByPulledDigest` (the "same digest is a
 * no-op" check of `image pull`) a lookup. An expression index over the JSON
 * rather than a second `source_digest` column: the digest then has one home,
 * so no write can leave the two disagreeing, and the query stays correct
 * even where SQLite chose not to use the index. json_extract of NULL is
 * NULL, so the index builds over old rows as they are.
 */
export const imageSource: Migration = {
  version: 6,
  name: 'image-source',
  up(db) {
    db.exec(`ALTER TABLE images ADD COLUMN source_json TEXT;
      CREATE INDEX images_pulled_digest ON images (json_extract(source_json, '$.digest'));`);
  },
};

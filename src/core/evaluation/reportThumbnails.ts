// Thumbnails for the exported HTML report, made from the dataset's images: small JPEG data URLs, so the
// file stays self-contained and shareable. Only files inside the dataset root are read (the paths come
// from a predictions file, which is data).
import { resolveContainedPath } from '../fsutil/containedPath';
import { loadSharp } from '../images/loadSharp';
import type { ThumbnailSource } from './exportReport';

export function datasetThumbnails(datasetRoot: string, edge = 96): ThumbnailSource {
  return async (record) => {
    let file: string;
    try {
      file = await resolveContainedPath(datasetRoot, record.path, { allowSubfolders: true });
    } catch {
      return undefined;
    }
    const sharp = await loadSharp();
    try {
      const jpeg = await sharp(file, { limitInputPixels: 100_000_000 }).rotate().resize(edge, edge, { fit: 'inside' }).jpeg({ quality: 70 }).toBuffer();
      return `data:image/jpeg;base64,${jpeg.toString('base64')}`;
    } catch {
      return undefined;
    }
  };
}


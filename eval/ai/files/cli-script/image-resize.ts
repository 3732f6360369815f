import { mkdir, readdir } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import sharp from 'sharp';

const WIDTHS = [320, 640, 1280];
const SUPPORTED = new Set(['.jpg', '.jpeg', '.png', '.webp']);

async function resizeAll(inputDir: string, outputDir: string) {
  await mkdir(outputDir, { recursive: true });
  const files = (await readdir(inputDir)).filter((f) => SUPPORTED.has(extname(f).toLowerCase()));

  let count = 0;
  for (const file of files) {
    const name = basename(file, extname(file));
    for (const width of WIDTHS) {
      const out = join(outputDir, `${name}-${width}.webp`);
      await sharp(join(inputDir, file)).resize({ width, withoutEnlargement: true }).webp({ quality: 80 }).toFile(out);
      count++;
    }
  }
  return { images: files.length, outputs: count };
}

const [input = 'images', output = 'public/images'] = process.argv.slice(2);
resizeAll(input, output)
  .then(({ images, outputs }) => console.log(`Resized ${images} images into ${outputs} files in ${output}`))
  .catch((err) => {
    console.error(err);
    process.exitCode = 1;
  });

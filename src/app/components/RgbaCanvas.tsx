import { useEffect, useRef } from 'react';
import type { WireImage } from '../../worker/protocol';

/** Draws an RGBA buffer into a canvas scaled up with crisp pixels. */
export function RgbaCanvas({ image, label, className = '' }: { image: WireImage; label: string; className?: string }) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const canvas = ref.current;
    const ctx = canvas?.getContext('2d');
    if (!canvas || !ctx || image.rgba.byteLength !== image.width * image.height * 4) return;
    canvas.width = image.width;
    canvas.height = image.height;
    ctx.putImageData(new ImageData(new Uint8ClampedArray(image.rgba), image.width, image.height), 0, 0);
  }, [image]);
  return (
    <canvas
      ref={ref}
      role="img"
      aria-label={label}
      width={image.width}
      height={image.height}
      className={`pixelated aspect-square w-full rounded-md bg-zinc-900 ${className}`}
    />
  );
}

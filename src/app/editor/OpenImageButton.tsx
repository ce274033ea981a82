import { useId } from 'react';
import { buttonClass } from '../components/ui';
import { openFile } from './commands';
import { useEditor } from './store';

export const IMAGE_ACCEPT = 'image/png,image/jpeg,image/webp';

/** "Open image…": a file input dressed as a button (keyboard: Tab to it, Enter/Space opens the picker). */
export function OpenImageButton({ className = '' }: { className?: string }) {
  const opening = useEditor((s) => s.opening);
  const id = useId();
  return (
    <label
      htmlFor={id}
      className={`${buttonClass} cursor-pointer has-[:focus-visible]:ring-2 has-[:focus-visible]:ring-violet-400 ${className}`}
      title="Open a PNG, JPEG or WebP photo (or drop / paste one)"
    >
      {opening ? 'Opening…' : 'Open image…'}
      <input
        id={id}
        type="file"
        accept={IMAGE_ACCEPT}
        className="sr-only"
        onChange={(e) => {
          const file = e.target.files?.[0];
          e.target.value = ''; // choosing the same file again still fires change
          if (file) void openFile(file);
        }}
      />
    </label>
  );
}

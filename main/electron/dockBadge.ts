import type { NativeImage } from 'electron';

/** The slices of Electron the badge uses, handed in (so it reads, and tests, without Electron). */
export interface BadgeTargets {
  platform: NodeJS.Platform;
  app: { setBadgeCount(count?: number): boolean };
  /** The main window, when there is one. */
  window(): { setOverlayIcon(overlay: NativeImage | null, description: string): void } | null;
  /** A 16x16 image from raw BGRA pixels (nativeImage.createFromBitmap). */
  image(bitmap: Buffer, size: number): NativeImage;
}

const OVERLAY_SIZE = 16;
/** The theme's "waiting on you" amber, as BGRA. */
const AMBER = [0x0b, 0x9e, 0xf5, 0xff] as const;

/** A filled amber circle, BGRA, edges antialiased: Windows' taskbar overlay (it holds no digits at 16 px). */
export function overlayDot(size = OVERLAY_SIZE): Buffer {
  const pixels = Buffer.alloc(size * size * 4);
  const centre = (size - 1) / 2;
  const radius = size / 2 - 0.5;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const coverage = Math.max(0, Math.min(1, radius + 0.5 - Math.hypot(x - centre, y - centre)));
      const at = (y * size + x) * 4;
      // Premultiplied alpha, as Skia's BGRA bitmaps are.
      for (let channel = 0; channel < 4; channel++) pixels[at + channel] = Math.round(AMBER[channel]! * coverage);
    }
  }
  return pixels;
}

/**
 * Shows how many items wait: the number on macOS' dock and on Linux launchers that implement Unity's launcher API
 * (app.setBadgeCount), an amber dot over the taskbar icon on Windows (its description names the count for screen
 * readers). Elsewhere app.setBadgeCount answers false, and the window title "(3) Flightdeck" says it alone.
 */
export function showBadge(targets: BadgeTargets, count: number): void {
  if (targets.platform === 'win32') {
    const overlay = count > 0 ? targets.image(overlayDot(), OVERLAY_SIZE) : null;
    targets.window()?.setOverlayIcon(overlay, count > 0 ? `${count} waiting on you` : '');
    return;
  }
  targets.app.setBadgeCount(count);
}

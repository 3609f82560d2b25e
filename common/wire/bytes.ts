/** The parts one after another in one array (no Buffer here: common/ runs in the renderer too). */
export function concatBytes(parts: readonly Uint8Array[], size = parts.reduce((total, part) => total + part.length, 0)): Uint8Array {
  const out = new Uint8Array(size);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

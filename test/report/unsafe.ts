// What no escaped output may contain: C0 controls other than tab and newline, DEL, C1 controls,
// bidi controls (Trojan Source) and zero-width characters.

/** Code points of `text` that an escaping function should have neutralised, as `U+XXXX`. */
export function unsafeCharacters(text: string): string[] {
  const found: string[] = [];
  for (const ch of text) {
    const c = ch.codePointAt(0)!;
    const unsafe = (c < 0x20 && c !== 0x09 && c !== 0x0a) || (c >= 0x7f && c <= 0x9f) ||
      (c >= 0x200b && c <= 0x200f) || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069) ||
      c === 0x2028 || c === 0x2029 || c === 0x061c || c === 0xfeff;
    if (unsafe) found.push(`U+${c.toString(16).toUpperCase().padStart(4, '0')}`);
  }
  return found;
}

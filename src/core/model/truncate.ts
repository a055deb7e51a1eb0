/**
 * Cutting text to a size, in one place: `truncate` does the cut, the others only say what to cut.
 * Only the head of a long text is looked at, so a 1 MB prompt costs no more than a short one.
 */

/** `text` cut after `max` characters, marked with `…` and what `more` says about the rest. */
export function truncate(text: string, max: number, more?: (cut: number, length: number) => string): string {
  return text.length > max ? `${text.slice(0, max)}…${more ? more(text.length - max, text.length) : ''}` : text;
}

/** The first line of `text`, trimmed, in at most `max` characters. */
export function firstLine(text: string, max = 80): string {
  const nl = text.trimStart().indexOf('\n');
  const line = (nl < 0 ? text.trim() : text.trimStart().slice(0, nl)).trim();
  return truncate(line, max - 1);
}

/** `text` on one line (runs of white space as one space), in at most `max` characters. */
export function oneLine(text: string, max = 80): string {
  const head = text.length > 4 * max ? text.slice(0, 4 * max) : text;
  const one = /\s/.test(head) ? head.replace(/\s+/g, ' ').trim() : head;
  return one.length > max ? truncate(one, max - 1) : head !== text ? `${one}…` : one;
}

/** The logging surface core code uses; the VS Code side backs it with a LogOutputChannel. */
export interface Logger {
  trace(message: string): void;
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export const nullLogger: Logger = {
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

/** Env var names whose values are secrets: their values are masked wherever text is logged. */
const SECRET_NAME = /(KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL|AUTH)/i;
const SECRET_SHAPES: RegExp[] = [
  /\bsk-[A-Za-z0-9_-]{8,}/g, // OpenAI-style keys
  /\b(Bearer)\s+[A-Za-z0-9._~+/=-]{8,}/gi, // Authorization headers
  /\b(gh[pousr]_[A-Za-z0-9]{20,})/g, // GitHub tokens
];

/**
 * Masks secrets in text before it reaches any log: values of secret-named environment variables
 * (at least 6 characters, so that short values do not mask ordinary words) and well-known key shapes.
 */
export function makeRedactor(env: NodeJS.ProcessEnv): (text: string) => string {
  const values = Object.entries(env)
    .filter(([k, v]) => SECRET_NAME.test(k) && typeof v === 'string' && v.length >= 6)
    .map(([, v]) => v as string)
    .sort((a, b) => b.length - a.length);
  return (text: string) => {
    let out = text;
    for (const v of values) {
      if (out.includes(v)) {
        out = out.split(v).join('«redacted»');
      }
    }
    for (const re of SECRET_SHAPES) {
      out = out.replace(re, (_m, g1: string) => (g1 && /^bearer$/i.test(g1) ? `${g1} «redacted»` : '«redacted»'));
    }
    return out;
  };
}

import { refuse } from './refuse.js';

/**
 * Characters a shell would interpret, plus whitespace and control bytes. No
 * helper argument ever reaches a shell (commands are argument arrays), but
 * none of banger's names, IPs or paths legitimately contain these, so a value
 * carrying one is a sign of injection or a bug and is refused outright.
 */
const METACHAR = /[;&|$`<>(){}[\]*?!~'"\\#\s\x00-\x1f\x7f]/;

/** Refuses (`arg.metachar`) if any string anywhere in `value` holds a metacharacter. */
export function assertNoMetachar(value: unknown, path = 'params'): void {
  if (typeof value === 'string') {
    const m = METACHAR.exec(value);
    if (m) {
      throw refuse('arg.metachar', `${path} contains the shell metacharacter ${JSON.stringify(m[0])}`, 'pass plain names, addresses and paths without spaces or shell characters');
    }
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => assertNoMetachar(v, `${path}[${i}]`));
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) assertNoMetachar(v, `${path}.${k}`);
  }
}

import * as crypto from 'node:crypto';

type OneShotHash = (algorithm: string, data: string, encoding: 'hex') => string;
/** node:crypto's one-shot hash (Node ≥ 20.12): no Hash object per call, about a third cheaper for short inputs. */
const oneShot = (crypto as unknown as { hash?: OneShotHash }).hash;

/** SHA-256 of the UTF-8 of `text`, as lowercase hex. */
export const hashHex: (text: string) => string = oneShot
  ? (text) => oneShot('sha256', text, 'hex')
  : (text) => crypto.createHash('sha256').update(text).digest('hex');

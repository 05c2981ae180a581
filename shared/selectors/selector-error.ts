// A label or field selector that does not parse or names something unsupported. kube-apiserver answers
// these with 400 BadRequest carrying the parser's message verbatim, so the error *is* a StatusError.
import { StatusError } from '../errors.ts';

export class SelectorParseError extends StatusError {
  constructor(message: string) {
    super(400, 'BadRequest', message);
    this.name = 'SelectorParseError';
  }
}

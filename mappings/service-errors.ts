import type { FieldProblem } from './errors.ts';

/**
 * What the service layer refuses, as typed errors the HTTP routes and the UI both turn into answers: 422 with a
 * problem per field, 404, 409. Nothing here is a 500.
 */

export class ValidationError extends Error {
  constructor(
    readonly problems: FieldProblem[],
    message = `invalid input: ${problems.map((p) => `${p.field}: ${p.message}`).join('; ')}`,
  ) {
    super(message);
    this.name = 'ValidationError';
  }
}

export class NotFoundError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotFoundError';
  }
}

export class ConflictError extends Error {
  constructor(
    readonly code: 'exists' | 'version_mismatch' | 'concurrent_change' | 'already_current' | 'already_resolved',
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'ConflictError';
  }
}

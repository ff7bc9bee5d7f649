import { DomainError, ErrorCode, type ErrorDetail } from './errors.ts';

/**
 * Collects every field problem of a command, so one error names them all: VAL_2002 when a required field
 * is missing (as infra/http/validation.ts's parseInput answers for any input), VAL_2001 otherwise.
 * `fieldName` turns a field as the domain names it into the API's name.
 */
export class FieldProblems<Field extends string = string> {
  readonly details: ErrorDetail[] = [];
  #missing = false;

  constructor(private readonly fieldName: (field: Field) => string = (field) => field) {}

  add(field: Field, message: string) {
    this.details.push({ field: this.fieldName(field), message });
  }

  missing(field: Field, message: string) {
    this.#missing = true;
    this.add(field, message);
  }

  throwIfAny() {
    if (this.details.length === 0) return;
    if (this.#missing)
      throw new DomainError(ErrorCode.RequiredFieldMissing, 'Required field missing', this.details);
    throw new DomainError(ErrorCode.ValidationFailed, 'Validation failed', this.details);
  }
}

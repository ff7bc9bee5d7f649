import { DomainError, ErrorCode } from '../../domain/shared/errors.ts';
import type { ExpectedRevision } from './port.ts';

const describe = (revision: ExpectedRevision | bigint | undefined) =>
  revision === undefined ? 'no stream' : typeof revision === 'bigint' ? revision.toString() : revision;

/** An append's expected revision did not hold. Both adapters raise exactly this. */
export class VersionConflict extends DomainError {
  constructor(
    readonly stream: string,
    readonly expected: ExpectedRevision,
    /** The stream's current revision; undefined when the stream does not exist. */
    readonly actual: bigint | undefined,
  ) {
    super(
      ErrorCode.VersionConflict,
      `Version conflict on ${stream}: expected ${describe(expected)}, actual ${describe(actual)}`,
    );
    this.name = 'VersionConflict';
  }
}

/** A read of a stream that has no events. */
export class StreamNotFound extends DomainError {
  constructor(readonly stream: string) {
    super(ErrorCode.NotFound, `Stream ${stream} not found`);
    this.name = 'StreamNotFound';
  }
}

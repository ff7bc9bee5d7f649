/**
 * TEST DOUBLE — not a product feature. `Streams.Append` of our fake EventStoreDB: a client-streaming call
 * whose first message holds the options (stream, expected revision) and the rest the proposed events.
 * A failed expectation answers with the `wrong_expected_version` field of AppendResp, which is what
 * @eventstore/db-client 6 turns into `WrongExpectedVersionError` (not a gRPC error status).
 */
import type { ServerReadableStream, sendUnaryData } from '@grpc/grpc-js';
import { status } from '@grpc/grpc-js';
import type { AppendOutcome, Expected, MemoryLog, ProposedEvent } from './memory-log.ts';
import { type AppendReq, AppendResp, Empty, parseUuid, streamNameOf } from './proto.ts';

type AppendReqMessage = InstanceType<typeof AppendReq>;
type AppendRespMessage = InstanceType<typeof AppendResp>;
type AppendOptions = InstanceType<typeof AppendReq.Options>;

function expectedOf(options: AppendOptions): Expected {
  if (options.hasRevision()) return { kind: 'revision', revision: BigInt(options.getRevision()) };
  if (options.hasNoStream()) return { kind: 'no_stream' };
  if (options.hasStreamExists()) return { kind: 'stream_exists' };
  return { kind: 'any' };
}

function response(expected: Expected, outcome: AppendOutcome): AppendRespMessage {
  if (outcome.ok) {
    const success = new AppendResp.Success();
    if (outcome.currentRevision === undefined) success.setNoStream(new Empty());
    else success.setCurrentRevision(outcome.currentRevision.toString());
    if (outcome.position === undefined) success.setNoPosition(new Empty());
    else {
      const position = outcome.position.toString();
      success.setPosition(new AppendResp.Position().setCommitPosition(position).setPreparePosition(position));
    }
    return new AppendResp().setSuccess(success);
  }
  const wrong = new AppendResp.WrongExpectedVersion();
  if (outcome.current === undefined) wrong.setCurrentNoStream(new Empty());
  else wrong.setCurrentRevision(outcome.current.toString());
  switch (expected.kind) {
    case 'any':
      wrong.setExpectedAny(new Empty());
      break;
    case 'no_stream':
      wrong.setExpectedNoStream(new Empty());
      break;
    case 'stream_exists':
      wrong.setExpectedStreamExists(new Empty());
      break;
    case 'revision':
      wrong.setExpectedRevision(expected.revision.toString());
      break;
  }
  return new AppendResp().setWrongExpectedVersion(wrong);
}

export function createAppendHandler(log: MemoryLog) {
  return (
    call: ServerReadableStream<AppendReqMessage, AppendRespMessage>,
    callback: sendUnaryData<AppendRespMessage>,
  ) => {
    let options: AppendOptions | undefined;
    const proposed: ProposedEvent[] = [];
    let failed = false;
    const fail = (details: string) => {
      if (failed) return;
      failed = true;
      callback({ code: status.INVALID_ARGUMENT, details });
    };
    call.on('data', (request: AppendReqMessage) => {
      try {
        if (request.hasOptions()) options = request.getOptions();
        else if (request.hasProposedMessage()) {
          const message = request.getProposedMessage()!;
          const metadata = message.getMetadataMap();
          const type = metadata.get('type');
          if (!type) throw new Error('proposed message without a type');
          proposed.push({
            id: parseUuid(message.getId()),
            type,
            contentType: metadata.get('content-type') ?? 'application/octet-stream',
            data: message.getData_asU8(),
            customMetadata: message.getCustomMetadata_asU8(),
          });
        }
      } catch (error) {
        fail((error as Error).message);
      }
    });
    call.on('end', () => {
      if (failed) return;
      if (!options) return fail('append without options');
      const expected = expectedOf(options);
      const outcome = log.append(streamNameOf(options.getStreamIdentifier()), expected, proposed);
      callback(null, response(expected, outcome));
    });
  };
}

/**
 * TEST DOUBLE — not a product feature. Conversions between the EventStoreDB protobuf messages the client
 * package ships (`@eventstore/db-client/generated`) and the double's in-memory records.
 */
import sharedPb from '@eventstore/db-client/generated/shared_pb.js';
import streamsPb from '@eventstore/db-client/generated/streams_pb.js';
import type { StoredEvent } from './memory-log.ts';

export const { ReadResp, AppendResp, ReadReq, AppendReq } = streamsPb;
export const { Empty, StreamIdentifier, UUID } = sharedPb;

export type ReadRespMessage = InstanceType<typeof ReadResp>;
export type UUIDMessage = InstanceType<typeof UUID>;

const hex = (bits: bigint) => bits.toString(16).padStart(16, '0');

/** The client sends ids as strings; the structured form is accepted too, as the server does. */
export function parseUuid(uuid: UUIDMessage | undefined): string {
  if (!uuid) throw new Error('event id missing');
  if (uuid.hasStructured()) {
    const structured = uuid.getStructured()!;
    const mask = 2n ** 64n - 1n;
    const h =
      hex(BigInt(structured.getMostSignificantBits()) & mask) +
      hex(BigInt(structured.getLeastSignificantBits()) & mask);
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }
  return uuid.getString();
}

export const streamIdentifier = (name: string) =>
  new StreamIdentifier().setStreamName(Uint8Array.from(Buffer.from(name, 'utf8')));

export const streamNameOf = (identifier: InstanceType<typeof StreamIdentifier> | undefined): string =>
  identifier ? Buffer.from(identifier.getStreamName_asU8()).toString('utf8') : '';

/** One ReadResp carrying an event, shaped like the server's: positions on the record and on the read event. */
export function eventResponse(event: StoredEvent): ReadRespMessage {
  const record = new ReadResp.ReadEvent.RecordedEvent()
    .setId(new UUID().setString(event.id))
    .setStreamIdentifier(streamIdentifier(event.streamName))
    .setStreamRevision(event.revision.toString())
    .setCommitPosition(event.position.toString())
    .setPreparePosition(event.position.toString())
    .setData(event.data)
    .setCustomMetadata(event.customMetadata);
  const map = record.getMetadataMap();
  map.set('type', event.type);
  map.set('content-type', event.contentType);
  map.set('created', event.created.toString());
  const readEvent = new ReadResp.ReadEvent().setEvent(record).setCommitPosition(event.position.toString());
  return new ReadResp().setEvent(readEvent);
}

export const caughtUpResponse = () => new ReadResp().setCaughtUp(new ReadResp.CaughtUp());

export const confirmationResponse = (id: string) =>
  new ReadResp().setConfirmation(new ReadResp.SubscriptionConfirmation().setSubscriptionId(id));

export const streamNotFoundResponse = (name: string) =>
  new ReadResp().setStreamNotFound(new ReadResp.StreamNotFound().setStreamIdentifier(streamIdentifier(name)));

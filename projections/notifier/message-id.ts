/** `<event id>.<kind>@<domain of From>`: the same for every attempt at the same message. */
export const messageIdFor = (eventId: string, kind: string, from: string) => {
  const domain = /@([A-Za-z0-9.-]+)/.exec(from)?.[1] ?? 'shop.local';
  return `<${eventId}.${kind}@${domain}>`;
};

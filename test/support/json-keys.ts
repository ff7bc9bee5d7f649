/**
 * The keys that occur more than once in one JSON object of `text`, at any depth (`JSON.parse` keeps
 * only the last of them, so a parsed line cannot show it). Enough of a scanner for pino's lines: strings
 * with escapes, objects and arrays.
 */
export function repeatedKeys(text: string): string[] {
  const repeated: string[] = [];
  const stack: { keys: Set<string> | undefined }[] = [];
  let expectingKey = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i];
    if (c === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      const top = stack.at(-1);
      if (expectingKey && top?.keys) {
        const key = JSON.parse(text.slice(i, j + 1)) as string;
        if (top.keys.has(key)) repeated.push(key);
        top.keys.add(key);
        expectingKey = false;
      }
      i = j;
    } else if (c === '{') {
      stack.push({ keys: new Set() });
      expectingKey = true;
    } else if (c === '[') {
      stack.push({ keys: undefined });
    } else if (c === '}' || c === ']') {
      stack.pop();
    } else if (c === ',') {
      expectingKey = stack.at(-1)?.keys !== undefined;
    }
  }
  return repeated;
}

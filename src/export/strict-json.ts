/**
 * `JSON.parse` keeps the last of two equal keys, so `{"bytes": 10, "bytes": 99}` reads as 99 while a
 * verifier in another language may read 10: a signed document with repeated keys means two things.
 * This parses as JSON.parse does but refuses any object that repeats a key (after unescaping, so
 * `"a"` and `"\u0061"` are the same key). Throws a plain Error naming the key and its JSON path.
 */
export function parseJsonRefusingDuplicateKeys(text: string): unknown {
  new DuplicateKeyScanner(text).scanDocument();
  return JSON.parse(text) as unknown;
}

const STRING = /"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y;
const LITERAL = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null/y;

class DuplicateKeyScanner {
  private pos = 0;
  constructor(private readonly text: string) {}

  scanDocument(): void {
    this.value('$');
    this.ws();
    if (this.pos !== this.text.length) this.fail('unexpected text after the JSON value');
  }

  private value(path: string): void {
    this.ws();
    const c = this.text[this.pos];
    if (c === '{') this.object(path);
    else if (c === '[') this.array(path);
    else if (c === '"') this.string();
    else this.token(LITERAL);
  }

  private object(path: string): void {
    this.pos++;
    const seen = new Set<string>();
    this.ws();
    if (this.text[this.pos] === '}') {
      this.pos++;
      return;
    }
    for (;;) {
      this.ws();
      const key = this.string();
      if (seen.has(key)) throw new Error(`the key ${JSON.stringify(key)} appears twice in ${path}`);
      seen.add(key);
      this.ws();
      this.expect(':');
      this.value(`${path}.${key}`);
      this.ws();
      if (this.text[this.pos] === ',') this.pos++;
      else return this.expect('}');
    }
  }

  private array(path: string): void {
    this.pos++;
    this.ws();
    if (this.text[this.pos] === ']') {
      this.pos++;
      return;
    }
    for (let i = 0; ; i++) {
      this.value(`${path}[${i}]`);
      this.ws();
      if (this.text[this.pos] === ',') this.pos++;
      else return this.expect(']');
    }
  }

  private string(): string {
    return JSON.parse(this.token(STRING)) as string;
  }

  private token(re: RegExp): string {
    re.lastIndex = this.pos;
    const m = re.exec(this.text);
    if (!m) this.fail('not valid JSON');
    this.pos += m[0].length;
    return m[0];
  }

  private ws(): void {
    while (this.pos < this.text.length && ' \t\n\r'.includes(this.text[this.pos]!)) this.pos++;
  }

  private expect(c: string): void {
    if (this.text[this.pos] !== c) this.fail(`expected ${c}`);
    this.pos++;
  }

  private fail(why: string): never {
    throw new Error(`${why} at character ${this.pos}`);
  }
}

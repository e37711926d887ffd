/**
 * A restricted unpickler: the handful of pickle protocol 2 opcodes torch.save
 * emits for a dict of tensors, and nothing else. It never imports or calls
 * anything: GLOBAL, REDUCE, BINPERSID and BUILD go to the caller's `hooks`,
 * which turn the few names a state dict needs into plain values and refuse
 * every other name. Any opcode not listed below is refused, so lists, sets,
 * floats, bytes, instances (INST, OBJ, NEWOBJ) and protocol 4 framing never
 * get that far.
 *
 * Time is linear in the pickle's length (pickles have no loops); memory is
 * bounded by the stack, mark and memo limits below, independently of the input.
 */
import { TorchFormatError } from './errors';

/** What a pickle can build here. Python's None is null; ints are safe integers. */
export type PickleValue = null | boolean | number | string | PickleTuple | PickleDict | PickleOpaque;

export class PickleTuple {
  constructor(readonly items: readonly PickleValue[]) {}
}

/** A dict (EMPTY_DICT) or an object the hooks made that takes SETITEM (an OrderedDict). Keys are str or int. */
export class PickleDict {
  readonly entries = new Map<string | number, PickleValue>();
  constructor(
    /** Made by REDUCE (OrderedDict()) rather than EMPTY_DICT: the only kind of dict BUILD may apply to. */
    readonly isInstance = false,
  ) {}
}

/** Values the hooks define (an allowed global, a storage, a tensor): the unpickler only moves them around. */
export abstract class PickleOpaque {
  abstract describe(): string;
}

export interface PickleHooks {
  /** GLOBAL `module name`: the value it stands for, or a thrown TorchFormatError. */
  global(module: string, name: string): PickleValue;
  /** REDUCE: `callable(*args)` for the callables `global` returned. */
  reduce(callable: PickleValue, args: PickleTuple): PickleValue;
  /** BINPERSID: the object a persistent id names (torch.save: a storage). */
  persistentLoad(pid: PickleValue): PickleValue;
  /** BUILD: sets `state` on `target` (torch.save: the `_metadata` of a module's state dict). */
  build(target: PickleValue, state: PickleValue): void;
}

/** Far above what torch.save needs (SETITEMS batches of 1000 items), far below what memory allows. */
export const MAX_STACK_DEPTH = 100_000;
export const MAX_MEMO_ENTRIES = 1_000_000;
/** Longest GLOBAL line; Python module paths and names are far shorter. */
const MAX_GLOBAL_LINE = 256;

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Reads `pickle` to its STOP and returns the one value it built. */
export function unpickle(pickle: Uint8Array, hooks: PickleHooks): PickleValue {
  return new Unpickler(pickle, hooks).run();
}

class Unpickler {
  private position = 0;
  private readonly stack: PickleValue[] = [];
  /** Stack lengths at each MARK: items above the last one belong to the next TUPLE / SETITEMS. */
  private readonly marks: number[] = [];
  private readonly memo = new Map<number, PickleValue>();
  private readonly view: DataView;

  constructor(
    private readonly bytes: Uint8Array,
    private readonly hooks: PickleHooks,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  run(): PickleValue {
    if (this.bytes[0] !== 0x80) throw this.malformed('the pickle does not start with PROTO (torch.save writes protocol 2)');
    for (;;) {
      const at = this.position;
      const opcode = this.take(1)[0];
      if (opcode === 0x2e /* . STOP */) return this.finish(at);
      this.step(opcode, at);
    }
  }

  private step(opcode: number, at: number): void {
    switch (opcode) {
      case 0x80 /* PROTO */: {
        const protocol = this.take(1)[0];
        if (at !== 0 || protocol !== 2) throw new TorchFormatError('FORBIDDEN_OPCODE', `PROTO ${protocol} at byte ${at}: expected one PROTO 2 at byte 0 (torch.save's protocol)`);
        return;
      }
      case 0x28 /* ( MARK */:
        if (this.marks.length >= MAX_STACK_DEPTH) throw this.tooDeep();
        this.marks.push(this.stack.length);
        return;
      case 0x7d /* } EMPTY_DICT */:
        return this.push(new PickleDict());
      case 0x29 /* ) EMPTY_TUPLE */:
        return this.push(new PickleTuple([]));
      case 0x74 /* t TUPLE */:
        return this.push(new PickleTuple(this.popMark('TUPLE')));
      case 0x85 /* TUPLE1 */:
      case 0x86 /* TUPLE2 */:
      case 0x87 /* TUPLE3 */: {
        const items = this.popN(opcode - 0x84, 'TUPLE');
        return this.push(new PickleTuple(items));
      }
      case 0x58 /* X BINUNICODE */:
        return this.push(this.text(this.take(this.uint32())));
      case 0x4b /* K BININT1 */:
        return this.push(this.take(1)[0]);
      case 0x4d /* M BININT2 */:
        return this.push(this.view.getUint16(this.skip(2), true));
      case 0x4a /* J BININT */:
        return this.push(this.view.getInt32(this.skip(4), true));
      case 0x8a /* LONG1 */:
        return this.push(this.long(this.take(this.take(1)[0])));
      case 0x88 /* NEWTRUE */:
        return this.push(true);
      case 0x89 /* NEWFALSE */:
        return this.push(false);
      case 0x4e /* N NONE */:
        return this.push(null);
      case 0x71 /* q BINPUT */:
        return this.put(this.take(1)[0]);
      case 0x72 /* r LONG_BINPUT */:
        return this.put(this.uint32());
      case 0x68 /* h BINGET */:
        return this.get(this.take(1)[0]);
      case 0x6a /* j LONG_BINGET */:
        return this.get(this.uint32());
      case 0x63 /* c GLOBAL */: {
        const module = this.line();
        const name = this.line();
        return this.push(this.hooks.global(module, name));
      }
      case 0x52 /* R REDUCE */: {
        const [callable, args] = this.popN(2, 'REDUCE');
        if (!(args instanceof PickleTuple)) throw this.malformed(`REDUCE at byte ${at} takes a tuple of arguments, found ${describe(args)}`);
        return this.push(this.hooks.reduce(callable, args));
      }
      case 0x51 /* Q BINPERSID */:
        return this.push(this.hooks.persistentLoad(this.pop('BINPERSID')));
      case 0x62 /* b BUILD */: {
        const state = this.pop('BUILD');
        this.hooks.build(this.top('BUILD'), state);
        return;
      }
      case 0x73 /* s SETITEM */: {
        const [key, value] = this.popN(2, 'SETITEM');
        return setItem(this.top('SETITEM'), key, value, at);
      }
      case 0x75 /* u SETITEMS */: {
        const items = this.popMark('SETITEMS');
        if (items.length % 2 !== 0) throw this.malformed(`SETITEMS at byte ${at} has an odd number of items (${items.length})`);
        const target = this.top('SETITEMS');
        for (let i = 0; i < items.length; i += 2) setItem(target, items[i], items[i + 1], at);
        return;
      }
      default:
        throw new TorchFormatError('FORBIDDEN_OPCODE', `opcode 0x${opcode.toString(16).padStart(2, '0')} (${printable(opcode)}) at byte ${at} is not one torch.save uses for a state dict`);
    }
  }

  private finish(at: number): PickleValue {
    if (this.marks.length > 0 || this.stack.length !== 1) {
      throw this.malformed(`STOP at byte ${at} with ${this.stack.length} values and ${this.marks.length} open marks; expected exactly one value`);
    }
    return this.stack[0];
  }

  /** The next `count` bytes, or PICKLE_TRUNCATED. */
  private take(count: number): Uint8Array {
    if (count > this.bytes.length - this.position) {
      throw new TorchFormatError('PICKLE_TRUNCATED', `the pickle ends at byte ${this.bytes.length}, ${count} more bytes were needed at byte ${this.position}`);
    }
    const start = this.position;
    this.position += count;
    return this.bytes.subarray(start, this.position);
  }

  /** Advances past `count` bytes and returns where they start. */
  private skip(count: number): number {
    this.take(count);
    return this.position - count;
  }

  private uint32(): number {
    return this.view.getUint32(this.skip(4), true);
  }

  private text(raw: Uint8Array): string {
    try {
      return utf8.decode(raw);
    } catch {
      throw this.malformed(`a string at byte ${this.position - raw.length} is not UTF-8`);
    }
  }

  /** LONG1: little-endian two's complement; only values that are exact JS numbers are kept. */
  private long(raw: Uint8Array): number {
    if (raw.length > 8) throw this.malformed(`a ${raw.length}-byte integer at byte ${this.position - raw.length}: none that large belongs in a state dict`);
    let value = 0n;
    for (let i = raw.length - 1; i >= 0; i--) value = (value << 8n) | BigInt(raw[i]);
    if (raw.length > 0 && raw[raw.length - 1] & 0x80) value -= 1n << BigInt(8 * raw.length);
    if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) {
      throw this.malformed(`integer ${value} at byte ${this.position - raw.length} is beyond 2^53`);
    }
    return Number(value);
  }

  /** A GLOBAL argument: printable ASCII up to a newline. */
  private line(): string {
    const start = this.position;
    const limit = Math.min(this.bytes.length, start + MAX_GLOBAL_LINE + 1);
    for (let i = start; i < limit; i++) {
      const byte = this.bytes[i];
      if (byte === 0x0a) {
        this.position = i + 1;
        return String.fromCharCode(...this.bytes.subarray(start, i));
      }
      if (byte < 0x20 || byte > 0x7e) throw this.malformed(`a GLOBAL name at byte ${start} holds byte 0x${byte.toString(16)}`);
    }
    if (limit === this.bytes.length) throw new TorchFormatError('PICKLE_TRUNCATED', `the pickle ends inside a GLOBAL name at byte ${start}`);
    throw this.malformed(`a GLOBAL name at byte ${start} is longer than ${MAX_GLOBAL_LINE} characters`);
  }

  private push(value: PickleValue): void {
    if (this.stack.length >= MAX_STACK_DEPTH) throw this.tooDeep();
    this.stack.push(value);
  }

  /** The lowest stack index the current opcode may touch: nothing below the last MARK. */
  private get base(): number {
    return this.marks.length > 0 ? this.marks[this.marks.length - 1] : 0;
  }

  private pop(what: string): PickleValue {
    return this.popN(1, what)[0];
  }

  private popN(count: number, what: string): PickleValue[] {
    if (this.stack.length - count < this.base) throw this.malformed(`${what} at byte ${this.position - 1} needs ${count} values on the stack`);
    return this.stack.splice(this.stack.length - count, count);
  }

  private top(what: string): PickleValue {
    if (this.stack.length <= this.base) throw this.malformed(`${what} at byte ${this.position - 1} needs a value on the stack`);
    return this.stack[this.stack.length - 1];
  }

  private popMark(what: string): PickleValue[] {
    const mark = this.marks.pop();
    if (mark === undefined) throw this.malformed(`${what} at byte ${this.position - 1} without a MARK`);
    return this.stack.splice(mark);
  }

  private put(index: number): void {
    const value = this.top('BINPUT');
    if (!this.memo.has(index) && this.memo.size >= MAX_MEMO_ENTRIES) {
      throw new TorchFormatError('TOO_LARGE', `the pickle memoizes more than ${MAX_MEMO_ENTRIES} values`);
    }
    this.memo.set(index, value);
  }

  private get(index: number): void {
    if (!this.memo.has(index)) throw this.malformed(`BINGET of memo entry ${index}, which was never stored`);
    this.push(this.memo.get(index)!);
  }

  private tooDeep(): TorchFormatError {
    return new TorchFormatError('TOO_LARGE', `the pickle stacks more than ${MAX_STACK_DEPTH} values or marks`);
  }

  private malformed(message: string): TorchFormatError {
    return new TorchFormatError('PICKLE_MALFORMED', message);
  }
}

function setItem(target: PickleValue, key: PickleValue, value: PickleValue, at: number): void {
  if (!(target instanceof PickleDict)) throw new TorchFormatError('PICKLE_MALFORMED', `SETITEM(S) at byte ${at} on ${describe(target)}, not a dict`);
  if (typeof key !== 'string' && typeof key !== 'number') {
    throw new TorchFormatError('PICKLE_MALFORMED', `a dict key at byte ${at} is ${describe(key)}; only str and int keys are read`);
  }
  if (target.entries.has(key)) {
    throw new TorchFormatError('DUPLICATE_NAME', `key ${JSON.stringify(String(key).slice(0, 120))} is set twice (byte ${at}); Python would keep the last silently`, String(key));
  }
  target.entries.set(key, value);
}

/** A short description of a value for messages (never its full content). */
export function describe(value: PickleValue): string {
  if (value === null) return 'None';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}...` : value)}`;
  if (typeof value !== 'object') return `${typeof value === 'boolean' ? 'the bool' : 'the int'} ${value}`;
  if (value instanceof PickleTuple) return `a ${value.items.length}-tuple`;
  if (value instanceof PickleDict) return `a dict of ${value.entries.size} items`;
  return value.describe();
}

function printable(opcode: number): string {
  return opcode >= 0x21 && opcode <= 0x7e ? `'${String.fromCharCode(opcode)}'` : 'binary';
}

package io.densefractal.weights.pth;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** Hand-assembles pickles opcode by opcode, including ones no well-behaved pickler would write. */
final class PickleBuilder {
  static final int MARK = '(';
  static final int STOP = '.';
  static final int TUPLE = 't';
  static final int TUPLE1 = 0x85;
  static final int EMPTY_TUPLE = ')';
  static final int EMPTY_DICT = '}';
  static final int EMPTY_LIST = ']';
  static final int SETITEMS = 'u';
  static final int SETITEM = 's';
  static final int APPENDS = 'e';
  static final int APPEND = 'a';
  static final int REDUCE = 'R';
  static final int BUILD = 'b';
  static final int BINPERSID = 'Q';
  static final int STACK_GLOBAL = 0x93;
  static final int OBJ = 'o';
  static final int NEWFALSE = 0x89;
  static final int NEWTRUE = 0x88;
  static final int NONE = 'N';
  static final int DUP = '2';

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();

  static PickleBuilder proto(int version) {
    return new PickleBuilder().op(0x80, version);
  }

  PickleBuilder op(int... opcodes) {
    for (int op : opcodes) {
      out.write(op);
    }
    return this;
  }

  PickleBuilder raw(byte[] bytes) {
    out.writeBytes(bytes);
    return this;
  }

  /** GLOBAL 'module\nname\n'. */
  PickleBuilder global(String module, String name) {
    out.write('c');
    out.writeBytes((module + "\n" + name + "\n").getBytes(StandardCharsets.UTF_8));
    return this;
  }

  /** INST 'module\nname\n' (pops the args since the last MARK). */
  PickleBuilder inst(String module, String name) {
    out.write('i');
    out.writeBytes((module + "\n" + name + "\n").getBytes(StandardCharsets.UTF_8));
    return this;
  }

  /** BINUNICODE. */
  PickleBuilder str(String s) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    out.write('X');
    int n = b.length;
    out.write(n);
    out.write(n >>> 8);
    out.write(n >>> 16);
    out.write(n >>> 24);
    out.writeBytes(b);
    return this;
  }

  /** BININT1 / BININT2 / BININT / LONG1, as Python chooses. */
  PickleBuilder integer(long v) {
    return raw(new PickleEmitter().integer(v).toByteArray());
  }

  PickleBuilder ints(long... values) {
    op(MARK);
    for (long v : values) {
      integer(v);
    }
    return op(TUPLE);
  }

  /** The persistent id of a zip-format storage followed by BINPERSID. */
  PickleBuilder zipStorage(String storageClass, String key, long numel) {
    return op(MARK)
        .str("storage")
        .global("torch", storageClass)
        .str(key)
        .str("cpu")
        .integer(numel)
        .op(TUPLE, BINPERSID);
  }

  /**
   * _rebuild_tensor_v2(<storage pid already on the stack>, offset, size, stride, False,
   * OrderedDict()) call.
   */
  PickleBuilder rebuildTensor(
      String storageClass, String key, long numel, long offset, long[] size, long[] stride) {
    global("torch._utils", "_rebuild_tensor_v2").op(MARK);
    zipStorage(storageClass, key, numel).integer(offset).ints(size).ints(stride).op(NEWFALSE);
    global("collections", "OrderedDict").op(EMPTY_TUPLE, REDUCE);
    return op(TUPLE, REDUCE);
  }

  byte[] bytes() {
    return out.toByteArray();
  }

  /** A pickled {@code {'<key>': float32 tensor of numel elements on storage '0'}} for zip files. */
  static byte[] singleTensorDict(String key, long numel) {
    return proto(2)
        .op(EMPTY_DICT, MARK)
        .str(key)
        .rebuildTensor("FloatStorage", "0", numel, 0, new long[] {numel}, new long[] {1})
        .op(SETITEMS, STOP)
        .bytes();
  }
}
